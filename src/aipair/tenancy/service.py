"""Companies, members and limits: the rules of tenancy.

Every method runs inside the caller's transaction (the boundary commits). Authorisation is
checked here; RLS underneath makes a forgotten check harmless.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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
from aipair.auth.principal import CompanyId, Principal, readable
from aipair.db.engine import set_tenant
from aipair.kit.clock import utcnow
from aipair.kit.money import micro_to_usd, usd_to_micro
from aipair.kit.periods import current_period
from aipair.tenancy import repository as repo
from aipair.tenancy.errors import CompanyNotFound, SlugTaken
from aipair.tenancy.invitations import Added, InvitationService
from aipair.tenancy.members import check_role_change
from aipair.tenancy.models import CUSTOMER_ROLES, Company, CompanyStatus, Membership, Plan, Role
from aipair.tenancy.policy_cache import CompanyPolicyCache
from aipair.tenancy.schemas import (
    BudgetUpdate,
    CompanyCreate,
    CompanyUpdate,
    CustomLimits,
    MemberAdd,
    MemberProvision,
)

TRIAL_DAYS = 14
BUDGET_FIELDS = ("monthly_budget_micro_usd", "budget_alert_thresholds", "budget_webhook_url")


class UsageReader(Protocol):
    """The part of the usage service the budget view needs."""

    async def period_totals(
        self, session: AsyncSession, company_id: uuid.UUID, period: date
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class NewCompany:
    """A company just created, and its first OWNER's invitation token (shown once) when invited."""

    company: Company
    owner_invitation_token: str | None


class TenancyService:
    """Create and manage companies and their members."""

    def __init__(
        self, passwords: Passwords, policies: CompanyPolicyCache | None = None, *, audit: AuditService
    ):
        self._passwords = passwords
        self._policies = policies
        self._audit = audit
        self.invitations = InvitationService(passwords, audit)

    def _changed(self, company: Company) -> None:
        """Let the gateway see a status, plan, limit or budget change at once in this process."""
        if self._policies is not None:
            self._policies.forget(company.id)

    async def create_company(
        self, session: AsyncSession, actor: Principal, data: CompanyCreate
    ) -> NewCompany:
        """Create a company (SUPER_ADMIN only), optionally with its first OWNER: created with the given
        password when the address has no account, otherwise invited (the token is returned once)."""
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
        owner_token: str | None = None
        if data.owner is not None:
            await set_tenant(session, company.id, actor.user_id)
            owner = MemberProvision(
                email=data.owner.email, name=data.owner.name, role="OWNER", password=data.owner.password
            )
            owner_token = (await self.invitations.provision(session, readable(company.id), owner)).token
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
        return NewCompany(company, owner_token)

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

    async def add_member(self, session: AsyncSession, actor: Principal, data: MemberAdd) -> Added:
        """Invite a person with a role below the caller's; they join when they accept.
        Audited as ``tenancy.member.create``."""
        check_role_change(actor, None, Role(data.role))
        added = await self.invitations.invite(session, actor.company_id, actor.user_id, data)
        await self._audit_member_added(session, actor, added)
        return added

    async def _audit_member_added(
        self, session: AsyncSession, actor: Principal | Actor, added: Added
    ) -> None:
        membership = added.membership
        after = {
            **(snapshot(membership) or {}),
            "email": added.user.email,
            "invited": added.token is not None,
        }
        await self._audit.record(
            session,
            actor,
            "tenancy.member.create",
            "membership",
            membership.id,
            after=after,
            company_id=membership.company_id,
        )

    async def company_by_slug(self, session: AsyncSession, slug: str) -> Company:
        """A visible company by slug."""
        company = await repo.company_by_slug(session, slug)
        if company is None:
            raise CompanyNotFound()
        return company

    async def provision_member(
        self, session: AsyncSession, company: Company, data: MemberProvision
    ) -> tuple[Membership, User, str | None]:
        """Operator provisioning from the console: any role the company may hold, no rank check; an
        existing account is invited like anywhere else. Audited as ``tenancy.member.create`` by the system."""
        await set_tenant(session, company.id)
        added = await self.invitations.provision(session, readable(company.id), data)
        await self._audit_member_added(session, Actor(ActorType.SYSTEM, company.id), added)
        return added.membership, added.user, added.token

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
