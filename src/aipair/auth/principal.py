"""Who is calling: the principal of a request, produced only by authentication."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Literal, NewType

from aipair.db.engine import DbContext
from aipair.tenancy.models import PLATFORM_ROLES, ROLE_RANK, Role

CompanyId = NewType("CompanyId", uuid.UUID)
"""A company id vouched for by the membership (or key) check; tenant repositories require it.

Only this package makes one: authentication (sign-in, tokens, keys) and the producers at the end of
this module, each naming why the id may be trusted. An architecture test keeps it so."""

SCOPES = ("ai", "meetings", "usage:read", "admin")


@dataclass(frozen=True)
class ClientInfo:
    """Where a request comes from: source address, user agent and the request's id."""

    ip: str | None
    user_agent: str | None
    request_id: str | None = None


@dataclass(frozen=True)
class SupportAccess:
    """Platform staff acting inside a customer company (``X-Aipair-Company``).

    ``scope`` is the open grant's scope (``read`` or ``write``), or None without an open grant.
    """

    home_company_id: CompanyId
    scope: str | None


@dataclass(frozen=True)
class Principal:
    """An authenticated caller acting in exactly one company."""

    company_id: CompanyId
    role: Role
    kind: Literal["user", "key"]
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    is_platform_company: bool = False
    origin: ClientInfo | None = None
    support: SupportAccess | None = None
    session_id: uuid.UUID | None = None
    """The sign-in session (refresh token family) of a person's access token; None for keys."""

    @property
    def platform_role(self) -> str:
        """SUPER_ADMIN or SUPPORT when acting as platform staff, else empty."""
        return self.role.value if self.role in PLATFORM_ROLES and self.is_platform_company else ""

    @property
    def in_platform_context(self) -> bool:
        """Platform staff acting from the platform company (not inside a customer company)."""
        return bool(self.platform_role) and self.support is None

    def outranks(self, role: Role) -> bool:
        """True when this principal may manage members holding ``role`` (strictly below its own)."""
        return ROLE_RANK[self.role] > ROLE_RANK[role]

    def at_least(self, role: Role) -> bool:
        """True when this principal's role is ``role`` or above."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def require_scope(self, scope: str) -> None:
        """Raise :class:`InsufficientScope` when this is an API key without ``scope`` (people hold all)."""
        from aipair.auth.errors import InsufficientScope

        if self.kind == "key" and scope not in self.scopes:
            raise InsufficientScope(f"This API key needs the '{scope}' scope")

    def require(self, minimum: Role, scope: str = "admin") -> None:
        """Raise unless this principal holds ``minimum`` or above (keys also need ``scope``).

        Services call it after loading the target, so a foreign id answers 404 before any 403.
        """
        from aipair.auth.errors import RoleRequired

        self.require_scope(scope)
        if not self.at_least(minimum):
            raise RoleRequired(f"This needs the {minimum.value} role or above")

    def db_context(self) -> DbContext:
        """The database context of this principal's requests.

        Staff inside a customer company get no ``app.company_id`` (so the tenant policies never
        match) but ``app.support_company_id``: only the support policies, which require an open
        grant, let them see or change the company's rows.
        """
        if self.support is not None:
            return DbContext(
                user_id=self.user_id, platform_role=self.platform_role, support_company_id=self.company_id
            )
        return DbContext(company_id=self.company_id, user_id=self.user_id, platform_role=self.platform_role)


# --- The other ways a company id is vouched for --------------------------------------------------


def staff_inside(principal: Principal, company_id: uuid.UUID, grant_scope: str | None) -> Principal:
    """Platform staff acting inside a customer company, once support access looked up their grant
    (``grant_scope`` None: no open grant; RLS checks the grant again on every statement)."""
    return replace(
        principal,
        company_id=CompanyId(company_id),
        support=SupportAccess(principal.company_id, grant_scope),
    )


def system_principal(company_id: uuid.UUID) -> Principal:
    """The operator at the console (``aipair ...``): a SUPER_ADMIN of the platform company, whose id
    the console read from the database itself."""
    return Principal(
        company_id=CompanyId(company_id), role=Role.SUPER_ADMIN, kind="user", is_platform_company=True
    )


def queued_by(company_id: uuid.UUID) -> CompanyId:
    """The company a background job works for: the job row carries it, written in the transaction of
    the company's own request that queued it."""
    return CompanyId(company_id)


def readable(company_id: uuid.UUID) -> CompanyId:
    """A company the caller's transaction has just created or read (row-level security let it), for
    acting inside it in that same transaction."""
    return CompanyId(company_id)
