"""Support access: grants, staff acting inside a company, temporary limit increases.

Platform staff (SUPPORT, SUPER_ADMIN) see nothing of a customer company until a grant is open:
requested by the staff member with a reason, a ticket and a scope, approved by the company's OWNER
when the company requires it, expiring by itself and revocable by either side. The database
enforces it (``support_*`` policies); this service gives the friendly answers first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.audit.service import AuditService
from aipair.audit.snapshots import snapshot
from aipair.auth.errors import RoleRequired
from aipair.auth.principal import Principal, staff_inside
from aipair.config import SupportSettings
from aipair.db.engine import DbContext, apply_context, transaction
from aipair.kit.clock import utcnow
from aipair.kit.ids import new_id, parse_uuid
from aipair.kit.periods import current_period
from aipair.security.errors import StaffOnly
from aipair.security.service import SecurityEventKind, SecurityService
from aipair.support import repository as repo
from aipair.support.actions import SAFE_METHODS
from aipair.support.errors import (
    CompanyHeaderForbidden,
    GrantDurationTooLong,
    GrantNotFound,
    GrantNotPending,
    LimitIncreaseInvalid,
    NoSupportAccess,
    SupportReadOnly,
)
from aipair.support.models import GrantScope, GrantStatus, SupportGrant
from aipair.support.schemas import GrantCreate, LimitIncreaseCreate
from aipair.tenancy.models import LimitName, LimitOverride, Role
from aipair.tenancy.overrides import OverrideService
from aipair.tenancy.service import TenancyService

MAX_INCREASE_DAYS = 31


@dataclass(frozen=True)
class LimitIncrease:
    """A temporary increase as applied: the override and the limit before it."""

    override: LimitOverride
    previous_value: int


class SupportService:
    """Open, approve and revoke grants; admit staff into companies; raise limits for a while."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditService,
        tenancy: TenancyService,
        overrides: OverrideService,
        security: SecurityService,
        settings: SupportSettings,
    ):
        self._sessions = sessions
        self._audit = audit
        self._tenancy = tenancy
        self._overrides = overrides
        self._security = security
        self._settings = settings

    # --- Staff inside a company ------------------------------------------------------------------

    async def enter_company(self, principal: Principal, raw_company: str) -> Principal:
        """The principal of platform staff acting inside ``raw_company`` (the ``X-Aipair-Company`` header).

        Only staff signed in to the platform company may. The grant's scope is looked up here for
        friendly answers; RLS checks the grant again on every statement.
        """
        if not principal.in_platform_context or principal.kind != "user" or principal.user_id is None:
            raise CompanyHeaderForbidden()
        company_id = parse_uuid(raw_company.strip())
        if company_id is None:
            raise NoSupportAccess()
        if company_id == principal.company_id:
            return principal
        context = DbContext(
            user_id=principal.user_id, platform_role=principal.platform_role, support_company_id=company_id
        )
        async with transaction(self._sessions, context) as session:
            scope = await repo.open_scope(session, company_id)
        return staff_inside(principal, company_id, scope)

    @staticmethod
    def check_access(principal: Principal, method: str) -> None:
        """Without an open grant every company route answers 404; under a read grant writes answer 403."""
        if principal.support is None:
            return
        if principal.support.scope is None:
            raise NoSupportAccess()
        if method.upper() not in SAFE_METHODS and principal.support.scope != GrantScope.WRITE:
            raise SupportReadOnly()

    # --- Grants, staff side ----------------------------------------------------------------------

    async def open_grant(
        self, session: AsyncSession, principal: Principal, data: GrantCreate
    ) -> SupportGrant:
        """Open a grant for one company: active at once, or ``requested`` when the company requires
        its OWNER's approval. Audited as ``support.grant.create`` in the target company."""
        staff_id = self._require_staff(principal)
        minutes = data.duration_minutes or self._settings.grant_default_minutes
        if minutes > self._settings.grant_max_minutes:
            raise GrantDurationTooLong(max_minutes=self._settings.grant_max_minutes)
        approval = await repo.approval_required(session, data.company_id)
        if approval is None:
            raise NoSupportAccess()
        grant = SupportGrant(
            id=new_id(),
            company_id=data.company_id,
            staff_user_id=staff_id,
            reason=data.reason,
            ticket_ref=data.ticket_ref,
            scope=data.scope,
            status=GrantStatus.REQUESTED if approval else GrantStatus.ACTIVE,
            duration_minutes=minutes,
            expires_at=utcnow() + timedelta(minutes=minutes),
        )
        await repo.add(session, grant)
        await self._audit.record(
            session,
            principal,
            "support.grant.create",
            "support_grant",
            grant.id,
            after=snapshot(grant),
            reason=data.reason,
            company_id=data.company_id,
        )
        return grant

    async def staff_grants(
        self,
        session: AsyncSession,
        principal: Principal,
        company_id: uuid.UUID | None,
        limit: int,
        offset: int,
    ) -> list[SupportGrant]:
        """Grants of the caller (a SUPER_ADMIN: of every staff member), newest first."""
        self._require_staff(principal)
        return await repo.list_grants(session, company_id, limit, offset)

    async def revoke_as_staff(
        self, session: AsyncSession, principal: Principal, grant_id: uuid.UUID
    ) -> SupportGrant:
        """End one of the caller's grants at once (a SUPER_ADMIN may end anyone's)."""
        grant = await repo.get(session, grant_id)
        if grant is None:
            raise GrantNotFound()
        self._require_staff(principal)
        return await self._revoke(session, principal, grant)

    # --- Grants, company side --------------------------------------------------------------------

    async def company_grants(
        self, session: AsyncSession, principal: Principal, limit: int, offset: int
    ) -> list[SupportGrant]:
        """Every grant staff opened or requested for the caller's company, newest first (OWNER, ADMIN)."""
        principal.require(Role.ADMIN)
        return await repo.list_grants(session, principal.company_id, limit, offset)

    async def approve(self, session: AsyncSession, principal: Principal, grant_id: uuid.UUID) -> SupportGrant:
        """Approve a requested grant (the company's OWNER); it runs for its duration from now."""
        grant = await repo.get(session, grant_id, principal.company_id)
        if grant is None:
            raise GrantNotFound()
        self._require_company_role(principal, Role.OWNER)
        now = utcnow()
        if grant.status != GrantStatus.REQUESTED or grant.expires_at <= now:
            raise GrantNotPending()
        before = snapshot(grant)
        grant.status = GrantStatus.ACTIVE
        grant.approved_by = principal.user_id
        grant.approved_at = now
        grant.expires_at = now + timedelta(minutes=grant.duration_minutes)
        await session.flush()
        await self._audit.record(
            session,
            principal,
            "support.grant.approve",
            "support_grant",
            grant.id,
            before=before,
            after=snapshot(grant),
        )
        return grant

    async def revoke_as_company(
        self, session: AsyncSession, principal: Principal, grant_id: uuid.UUID
    ) -> SupportGrant:
        """End a grant to the caller's company at once (OWNER, ADMIN)."""
        grant = await repo.get(session, grant_id, principal.company_id)
        if grant is None:
            raise GrantNotFound()
        self._require_company_role(principal, Role.ADMIN)
        return await self._revoke(session, principal, grant)

    async def _revoke(self, session: AsyncSession, principal: Principal, grant: SupportGrant) -> SupportGrant:
        before = snapshot(grant)
        if grant.status in (GrantStatus.REQUESTED, GrantStatus.ACTIVE):
            grant.status = GrantStatus.REVOKED
            grant.revoked_at = utcnow()
            grant.revoked_by = principal.user_id
            await session.flush()
        await self._audit.record(
            session,
            principal,
            "support.grant.revoke",
            "support_grant",
            grant.id,
            before=before,
            after=snapshot(grant),
            company_id=grant.company_id,
        )
        return grant

    # --- Temporary limit increases ---------------------------------------------------------------

    async def increase_limit(
        self, session: AsyncSession, principal: Principal, data: LimitIncreaseCreate
    ) -> LimitIncrease:
        """Raise a company's monthly AI requests for a while (staff with a write grant).

        At most ``limit_increase_max`` (500) above the company's own limit, reason required,
        expiring by itself (default: the end of the month in the company's time zone). Audited as
        ``tenancy.limit_override.create`` and counted as a ``support_limit_increase`` signal.
        """
        self._require_staff(principal)
        acting = await self._act_in(session, principal, data.company_id)
        company = await self._tenancy.get_company(session, data.company_id)
        expires_at = data.expires_at or _end_of_month(company.time_zone)
        now = utcnow()
        if expires_at <= now or expires_at > now + timedelta(days=MAX_INCREASE_DAYS):
            raise LimitIncreaseInvalid(f"expires_at must be in the next {MAX_INCREASE_DAYS} days")
        override, previous = await self._overrides.add_temporary_increase(
            session,
            acting,
            LimitName.AI_REQUESTS_PER_MONTH,
            data.extra_ai_requests,
            data.reason,
            expires_at,
            self._settings.limit_increase_max,
        )
        await self._security.add_event(
            session,
            SecurityEventKind.SUPPORT_LIMIT_INCREASE,
            company_id=data.company_id,
            user_id=principal.user_id,
            detail={
                "extra": data.extra_ai_requests,
                "value": override.value,
                "override_id": str(override.id),
            },
        )
        return LimitIncrease(override, previous)

    async def _act_in(self, session: AsyncSession, principal: Principal, company_id: uuid.UUID) -> Principal:
        """Switch this transaction into the support context of ``company_id``; needs a write grant."""
        context = DbContext(
            user_id=principal.user_id, platform_role=principal.platform_role, support_company_id=company_id
        )
        await apply_context(session, context)
        scope = await repo.open_scope(session, company_id)
        acting = staff_inside(principal, company_id, scope)
        self.check_access(acting, "POST")
        return acting

    @staticmethod
    def _require_staff(principal: Principal) -> uuid.UUID:
        if not principal.in_platform_context or principal.user_id is None:
            raise StaffOnly()
        return principal.user_id

    @staticmethod
    def _require_company_role(principal: Principal, role: Role) -> None:
        if principal.platform_role:
            raise RoleRequired("Only the company's own people decide on its support grants")
        principal.require(role)


def _end_of_month(time_zone: str) -> datetime:
    """The start of next month in ``time_zone`` (when this month's usage period ends)."""
    now = utcnow()
    return now + timedelta(seconds=current_period(ZoneInfo(time_zone), now).seconds_left)
