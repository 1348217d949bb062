"""The audit trail: one append-only, hash-chained entry per state change, in the change's transaction.

Services call :meth:`AuditService.record` right after they flush a change, inside the same
transaction: the entry commits with the change or not at all. Actions are named
``domain.entity.verb`` (``tenancy.member.update``, ``auth.api_key.revoke``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.audit import repository as repo
from aipair.audit.models import ActorType, AuditLog
from aipair.audit.schemas import AuditFilters
from aipair.auth.principal import ClientInfo, Principal
from aipair.kit.ids import new_id
from aipair.tenancy.models import Role

ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$")
MAX_EXPORT_ROWS = 100_000


@dataclass(frozen=True)
class Actor:
    """Who made a change, when no request principal exists yet (sign-in) or nobody does (system)."""

    type: ActorType
    company_id: uuid.UUID
    user_id: uuid.UUID | None = None
    key_id: uuid.UUID | None = None
    role: str | None = None
    origin: ClientInfo | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        """The actor behind a request principal (the console's principal has no user: system)."""
        if principal.kind == "key":
            kind = ActorType.KEY
        else:
            kind = ActorType.USER if principal.user_id is not None else ActorType.SYSTEM
        return cls(
            type=kind,
            company_id=principal.company_id,
            user_id=principal.user_id,
            key_id=principal.api_key_id,
            role=principal.role.value,
            origin=principal.origin,
        )

    @classmethod
    def user(
        cls, user_id: uuid.UUID, company_id: uuid.UUID, role: str | None, origin: ClientInfo | None
    ) -> Actor:
        """A person acting before a principal exists (signing in, accepting an invitation)."""
        return cls(ActorType.USER, company_id, user_id=user_id, role=role, origin=origin)


class AuditService:
    """Append to and read the audit trail."""

    async def record(
        self,
        session: AsyncSession,
        actor: Principal | Actor,
        action: str,
        target_type: str,
        target_id: object | None = None,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
        company_id: uuid.UUID | None = None,
    ) -> None:
        """Append one entry in the caller's transaction (it commits or rolls back with the change).

        ``company_id`` defaults to the actor's company; the database chains the entry to the
        company's previous one and refuses any later UPDATE or DELETE.
        """
        if not ACTION_PATTERN.match(action):
            raise ValueError(f"audit action must look like domain.entity.verb, not {action!r}")
        who = actor if isinstance(actor, Actor) else Actor.of(actor)
        origin = who.origin or ClientInfo(None, None)
        await repo.append(
            session,
            {
                "id": new_id(),
                "company_id": company_id or who.company_id,
                "actor_type": who.type.value,
                "actor_user_id": who.user_id,
                "actor_key_id": who.key_id,
                "actor_role": who.role,
                "action": action,
                "target_type": target_type,
                "target_id": str(target_id) if target_id is not None else None,
                "before": before,
                "after": after,
                "reason": reason,
                "ip": origin.ip,
                "user_agent": (origin.user_agent or "")[:500] or None,
                "request_id": origin.request_id,
            },
        )

    async def entries(
        self, session: AsyncSession, principal: Principal, filters: AuditFilters, limit: int, offset: int
    ) -> list[AuditLog]:
        """The company's audit entries, newest first (OWNER and ADMIN; keys need the admin scope)."""
        principal.require(Role.ADMIN)
        return await repo.list_entries(session, principal.company_id, filters, limit, offset)

    async def export(
        self, session: AsyncSession, principal: Principal, filters: AuditFilters
    ) -> list[AuditLog]:
        """Up to ``MAX_EXPORT_ROWS`` entries for a CSV export, newest first."""
        principal.require(Role.ADMIN)
        return await repo.list_entries(session, principal.company_id, filters, MAX_EXPORT_ROWS, 0)
