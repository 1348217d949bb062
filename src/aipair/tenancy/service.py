"""Companies, members and limits: the rules of tenancy.

Every method runs inside the caller's transaction (the boundary commits). Authorisation is
checked here; RLS underneath makes a forgotten check harmless.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.audit.models import ActorType
from aipair.audit.service import Actor, AuditService
from aipair.audit.snapshots import snapshot
from aipair.auth.errors import RoleRequired
from aipair.auth.models import User
from aipair.auth.passwords import Passwords
from aipair.auth.principal import ClientInfo, CompanyId, Principal, readable
from aipair.auth.service import AuthService
from aipair.auth.tokens import digest, new_opaque_token
from aipair.db.engine import set_tenant
from aipair.kit.clock import utcnow
from aipair.kit.money import micro_to_usd, usd_to_micro
from aipair.kit.periods import current_period
from aipair.tenancy import repository as repo
from aipair.tenancy.errors import (
    AlreadyMember,
    CompanyNotFound,
    InvitationInvalid,
    SlugTaken,
    UserLimitReached,
)
from aipair.tenancy.members import check_role_change
from aipair.tenancy.models import CUSTOMER_ROLES, Company, CompanyStatus, Invitation, Membership, Plan, Role
from aipair.tenancy.policy_cache import CompanyPolicyCache
from aipair.tenancy.schemas import BudgetUpdate, CompanyCreate, CompanyUpdate, CustomLimits, MemberAdd

TRIAL_DAYS = 14
BUDGET_FIELDS = ("monthly_budget_micro_usd", "budget_alert_thresholds", "budget_webhook_url")


class UsageReader(Protocol):
    """The part of the usage service the budget view needs."""

    async def period_totals(
        self, session: AsyncSession, company_id: uuid.UUID, period: date
    ) -> dict[str, Any]: ...


INVITATION_DAYS = 7


class TenancyService:
    """Create and manage companies and their members."""

    def __init__(
        self, passwords: Passwords, policies: CompanyPolicyCache | None = None, *, audit: AuditService
    ):
        self._passwords = passwords
        self._policies = policies
        self._audit = audit

    def _changed(self, company: Company) -> None:
        """Let the gateway see a status, plan, limit or budget change at once in this process."""
        if self._policies is not None:
            self._policies.forget(company.id)

    async def create_company(self, session: AsyncSession, actor: Principal, data: CompanyCreate) -> Company:
        """Create a company (SUPER_ADMIN only), optionally with its first OWNER."""
        if actor.platform_role != Role.SUPER_ADMIN:
            raise RoleRequired("Only a SUPER_ADMIN can create companies")
        if await repo.slug_taken(session, data.slug):
            raise SlugTaken()
        company = Company(
            id=uuid.uuid4(),
            name=data.name,
            slug=data.slug,
            status=data.status,
            plan_code=data.plan,
            time_zone=data.time_zone,
            trial_ends_at=utcnow() + timedelta(days=TRIAL_DAYS) if data.status == "TRIAL" else None,
            monthly_budget_micro_usd=usd_to_micro(data.monthly_budget_usd)
            if data.monthly_budget_usd
            else None,
        )
        _apply_limits(company, data.custom_limits)
        try:
            await repo.add(session, company)
        except IntegrityError as exc:
            raise SlugTaken() from exc
        if data.owner is not None:
            await set_tenant(session, company.id, actor.user_id)
            owner = MemberAdd(
                email=data.owner.email, name=data.owner.name, role="OWNER", password=data.owner.password
            )
            await self._add_member(session, readable(company.id), actor.user_id, owner)
        after = {**(snapshot(company) or {}), "owner_email": data.owner.email if data.owner else None}
        await self._audit.record(
            session,
            actor,
            "tenancy.company.create",
            "company",
            company.id,
            after=after,
            company_id=company.id,
        )
        return company

    async def list_companies(self, session: AsyncSession, limit: int, offset: int) -> list[Company]:
        """Companies visible to the caller: its own, or all of them for a SUPER_ADMIN."""
        return await repo.list_companies(session, limit, offset)

    async def get_company(self, session: AsyncSession, company_id: uuid.UUID) -> Company:
        """One visible company; invisible and unknown ids are both not found."""
        company = await repo.get_company(session, company_id)
        if company is None:
            raise CompanyNotFound()
        return company

    async def update_company(
        self, session: AsyncSession, actor: Principal, company_id: uuid.UUID, data: CompanyUpdate
    ) -> Company:
        """Owners edit name, time zone, working hours and whether support access needs their approval;
        plan, limits and budget need a SUPER_ADMIN. Audited as ``tenancy.company.update``."""
        company = await self.get_company(session, company_id)
        _check_update_rights(actor, company, data)
        before = snapshot(company)
        if data.require_support_approval is not None:
            company.require_support_approval = data.require_support_approval
        if data.name is not None:
            company.name = data.name
        if data.time_zone is not None:
            company.time_zone = data.time_zone
        _apply_working_hours(company, data)
        if data.plan is not None:
            company.plan_code = data.plan
        if data.monthly_budget_usd is not None:
            company.monthly_budget_micro_usd = usd_to_micro(data.monthly_budget_usd)
        _apply_limits(company, data.custom_limits)
        await session.flush()
        self._changed(company)
        await self._audit.record(
            session,
            actor,
            "tenancy.company.update",
            "company",
            company.id,
            before=before,
            after=snapshot(company),
            company_id=company.id,
        )
        return company

    async def set_status(
        self, session: AsyncSession, actor: Principal, company_id: uuid.UUID, status: CompanyStatus
    ) -> Company:
        """Suspend, reactivate or cancel a company (SUPER_ADMIN only; never the platform company)."""
        company = await self.get_company(session, company_id)
        if actor.platform_role != Role.SUPER_ADMIN:
            raise RoleRequired("Only a SUPER_ADMIN can change a company's status")
        if company.is_platform and status != CompanyStatus.ACTIVE:
            raise RoleRequired("The platform company cannot be suspended")
        before = {"status": company.status}
        company.status = status
        await session.flush()
        self._changed(company)
        verb = "activate" if status == CompanyStatus.ACTIVE else status.value.lower()
        await self._audit.record(
            session,
            actor,
            f"tenancy.company.{verb}",
            "company",
            company.id,
            before=before,
            after={"status": company.status},
            company_id=company.id,
        )
        return company

    async def add_member(
        self, session: AsyncSession, actor: Principal, data: MemberAdd
    ) -> tuple[Membership, User, str | None]:
        """Add a person with a role below the caller's; without an account, an invitation is issued.
        Audited as ``tenancy.member.create``."""
        check_role_change(actor, None, Role(data.role))
        added = await self._add_member(session, actor.company_id, actor.user_id, data)
        await self._audit_member_added(session, actor, added)
        return added

    async def _audit_member_added(
        self, session: AsyncSession, actor: Principal | Actor, added: tuple[Membership, User, str | None]
    ) -> None:
        membership, user, token = added
        after = {**(snapshot(membership) or {}), "email": user.email, "invited": token is not None}
        await self._audit.record(
            session,
            actor,
            "tenancy.member.create",
            "membership",
            membership.id,
            after=after,
            company_id=membership.company_id,
        )

    async def _add_member(
        self, session: AsyncSession, company_id: CompanyId, inviter: uuid.UUID | None, data: MemberAdd
    ) -> tuple[Membership, User, str | None]:
        limits = await repo.effective_limits(session, company_id)
        active = await repo.count_active(session, company_id)
        if limits and limits["max_users"] is not None and active >= limits["max_users"]:
            raise UserLimitReached(limit=limits["max_users"])
        user = await AuthService.user_by_email(session, data.email)
        token: str | None = None
        if user is None:
            user = await self._new_user(session, data)
            if data.password is None:
                token = await self._invite(session, company_id, inviter, data)
        elif await repo.membership_of_user(session, company_id, user.id) is not None:
            raise AlreadyMember()
        membership = Membership(
            id=uuid.uuid4(), company_id=company_id, user_id=user.id, role=data.role, status="ACTIVE"
        )
        await repo.add(session, membership)
        return membership, user, token

    async def _new_user(self, session: AsyncSession, data: MemberAdd) -> User:
        password_hash = None
        if data.password is not None:
            self._passwords.check_policy(data.password, data.email)
            password_hash = await self._passwords.hash(data.password)
        user = User(
            id=uuid.uuid4(),
            email=data.email.strip().lower(),
            name=data.name,
            password_hash=password_hash,
            status="ACTIVE",
        )
        await repo.add(session, user)
        return user

    async def _invite(
        self, session: AsyncSession, company_id: CompanyId, inviter: uuid.UUID | None, data: MemberAdd
    ) -> str:
        token = new_opaque_token()
        invitation = Invitation(
            id=uuid.uuid4(),
            company_id=company_id,
            email=data.email.lower(),
            role=data.role,
            token_hash=digest(token),
            invited_by=inviter,
            expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
        )
        await repo.add(session, invitation)
        return token

    async def accept_invitation(
        self, session: AsyncSession, token: str, name: str, password: str, origin: ClientInfo | None = None
    ) -> User:
        """Set the invited person's name and password; the invitation is used up.
        Audited as ``tenancy.invitation.accept`` by the invited person."""
        invitation = await repo.invitation_by_hash(session, digest(token))
        if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= utcnow():
            raise InvitationInvalid()
        self._passwords.check_policy(password, invitation.email)
        await set_tenant(session, invitation.company_id)
        user = await AuthService.user_by_email(session, invitation.email)
        if user is None:
            raise InvitationInvalid()
        before = snapshot(invitation)
        user.password_hash = await self._passwords.hash(password)
        user.name = name or user.name
        invitation.accepted_at = utcnow()
        await session.flush()
        actor = Actor.user(user.id, invitation.company_id, invitation.role, origin)
        await self._audit.record(
            session,
            actor,
            "tenancy.invitation.accept",
            "invitation",
            invitation.id,
            before=before,
            after=snapshot(invitation),
        )
        return user

    async def company_by_slug(self, session: AsyncSession, slug: str) -> Company:
        """A visible company by slug."""
        company = await repo.company_by_slug(session, slug)
        if company is None:
            raise CompanyNotFound()
        return company

    async def provision_member(
        self, session: AsyncSession, company: Company, data: MemberAdd
    ) -> tuple[Membership, User, str | None]:
        """Operator provisioning from the console: adds any role the company may hold, no rank check.
        Audited as ``tenancy.member.create`` by the system."""
        await set_tenant(session, company.id)
        added = await self._add_member(session, readable(company.id), None, data)
        await self._audit_member_added(session, Actor(ActorType.SYSTEM, company.id), added)
        return added

    async def members_of(
        self, session: AsyncSession, company: Company, limit: int
    ) -> list[tuple[Membership, User]]:
        """Members of ``company`` for the operator's console."""
        await set_tenant(session, company.id)
        return await repo.list_members(session, readable(company.id), limit, 0)

    async def update_budget(self, session: AsyncSession, actor: Principal, data: BudgetUpdate) -> Company:
        """Set the company's monthly budget, alert thresholds and webhook (ADMIN or OWNER).
        Audited as ``tenancy.budget.update``."""
        actor.require(Role.ADMIN)
        company = await self.get_company(session, actor.company_id)
        before = snapshot(company, BUDGET_FIELDS)
        if data.clear_budget:
            company.monthly_budget_micro_usd = None
        elif data.monthly_budget_usd is not None:
            company.monthly_budget_micro_usd = usd_to_micro(data.monthly_budget_usd)
        if data.alert_thresholds is not None:
            company.budget_alert_thresholds = data.alert_thresholds
        if "webhook_url" in data.model_fields_set:
            company.budget_webhook_url = data.webhook_url
        await session.flush()
        self._changed(company)
        after = snapshot(company, BUDGET_FIELDS)
        await self._audit.record(
            session, actor, "tenancy.budget.update", "company", company.id, before=before, after=after
        )
        return company

    async def budget_view(
        self, session: AsyncSession, company_id: CompanyId, usage: UsageReader
    ) -> dict[str, Any]:
        """Budget, spend and reservations of the current period, in USD."""
        company = await self.get_company(session, company_id)
        period = current_period(ZoneInfo(company.time_zone)).month
        totals = await usage.period_totals(session, company_id, period)
        budget = company.monthly_budget_micro_usd
        used = totals["cost_micro_usd"] + totals["reserved_micro_usd"]
        return {
            "period": period,
            "monthly_budget_usd": micro_to_usd(budget) if budget is not None else None,
            "spent_usd": micro_to_usd(totals["cost_micro_usd"]),
            "reserved_usd": micro_to_usd(totals["reserved_micro_usd"]),
            "remaining_usd": micro_to_usd(max(0, budget - used)) if budget is not None else None,
            "requests": totals["requests"],
            "alert_thresholds": list(company.budget_alert_thresholds),
            "webhook_url": company.budget_webhook_url,
        }

    @staticmethod
    async def platform_company(session: AsyncSession) -> Company | None:
        """The operator's own company (None until ``aipair init`` ran)."""
        return await repo.platform_company(session)

    async def list_plans(self, session: AsyncSession) -> list[Plan]:
        """The plans on offer, cheapest first."""
        return await repo.list_plans(session)

    async def effective_limits(self, session: AsyncSession, company_id: CompanyId) -> dict[str, Any]:
        """Limits as resolved (override → custom → plan) with current usage."""
        limits = await repo.effective_limits(session, company_id)
        if limits is None:
            raise CompanyNotFound()
        return limits


def _apply_working_hours(company: Company, data: CompanyUpdate) -> None:
    if data.work_start is not None:
        company.work_start = data.work_start
    if data.work_end is not None:
        company.work_end = data.work_end
    if data.work_days is not None:
        company.work_days = data.work_days


def _check_update_rights(actor: Principal, company: Company, data: CompanyUpdate) -> None:
    is_super = actor.platform_role == Role.SUPER_ADMIN
    is_owner = not actor.platform_role and company.id == actor.company_id and actor.role == Role.OWNER
    if not is_super and not is_owner:
        raise RoleRequired("Only the company's OWNER can edit it")
    platform_fields = (
        data.plan is not None or data.custom_limits is not None or data.monthly_budget_usd is not None
    )
    if platform_fields and not is_super:
        raise RoleRequired("Plan, limits and budget changes need a SUPER_ADMIN")
    if data.require_support_approval is not None and not is_owner:
        raise RoleRequired("Only the company's OWNER decides whether support access needs approval")


def _apply_limits(company: Company, limits: CustomLimits | None) -> None:
    if limits is None:
        return
    for name, value in limits.model_dump(exclude_unset=True).items():
        setattr(company, f"custom_{name}", value)


__all__ = ["CUSTOMER_ROLES", "TenancyService"]
