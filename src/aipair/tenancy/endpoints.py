"""Companies, members and limits."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from aipair.auth.dependencies import AdminCaller, AdminPrincipal, TenantSession, UsageReader
from aipair.auth.models import User
from aipair.auth.schemas import LocksLifted, MemberUnlock, PasswordResetIssued
from aipair.kit.money import micro_to_usd
from aipair.kit.pagination import Page, Pagination
from aipair.tenancy.dependencies import Members, Tenancy
from aipair.tenancy.models import CompanyStatus, Membership, MembershipStatus, Role
from aipair.tenancy.schemas import (
    CompanyCreate,
    CompanyCreated,
    CompanyRead,
    CompanyUpdate,
    InvitationRead,
    LimitsRead,
    MemberAdd,
    MemberAdded,
    MemberRead,
    MemberUpdate,
    PlanRead,
)

router = APIRouter(prefix="/api", tags=["tenancy"])


def _member(membership: Membership, user: User) -> MemberRead:
    """A member as the company sees it: until they accept, only the address it invited."""
    invited = membership.status == MembershipStatus.INVITED
    return MemberRead(
        id=membership.id,
        user_id=None if invited else user.id,
        email=user.email,
        name="" if invited else user.name,
        role=membership.role,
        status=membership.status,
        created_at=membership.created_at,
    )


@router.get("/companies", response_model=Page[CompanyRead])
async def list_companies(
    principal: AdminCaller,
    session: TenantSession,
    page: Pagination,
    tenancy: Tenancy,
) -> Page[CompanyRead]:
    """Your companies; a SUPER_ADMIN sees every company."""
    rows = await tenancy.list_companies(session, page.limit, page.offset)
    return Page.of([CompanyRead.model_validate(c) for c in rows], page)


@router.post("/companies", response_model=CompanyCreated, status_code=201)
async def create_company(
    body: CompanyCreate,
    principal: AdminCaller,
    session: TenantSession,
    tenancy: Tenancy,
) -> CompanyCreated:
    """Create a company, optionally with its first OWNER (SUPER_ADMIN only). An OWNER whose address has
    no account is created with the given password; otherwise they are invited and
    `owner_invitation_token` is shown once."""
    created = await tenancy.create_company(session, principal, body)
    return CompanyCreated(
        **CompanyRead.model_validate(created.company).model_dump(),
        owner_invitation_token=created.owner_invitation_token,
    )


@router.get("/companies/{company_id}", response_model=CompanyRead)
async def get_company(
    company_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    tenancy: Tenancy,
) -> CompanyRead:
    """One company you belong to (any company for a SUPER_ADMIN); others answer 404."""
    return CompanyRead.model_validate(await tenancy.get_company(session, company_id))


@router.patch("/companies/{company_id}", response_model=CompanyRead)
async def update_company(
    company_id: uuid.UUID,
    body: CompanyUpdate,
    principal: AdminCaller,
    session: TenantSession,
    tenancy: Tenancy,
) -> CompanyRead:
    """Owners edit name, time zone and working hours (`work_start`, `work_end`, `work_days`: outside
    them a key's use is flagged to platform staff); plan, custom limits and budget need a SUPER_ADMIN."""
    return CompanyRead.model_validate(await tenancy.update_company(session, principal, company_id, body))


@router.post("/companies/{company_id}/suspend", response_model=CompanyRead)
async def suspend_company(
    company_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    tenancy: Tenancy,
) -> CompanyRead:
    """Suspend a company: its people and keys can no longer act (SUPER_ADMIN only)."""
    company = await tenancy.set_status(session, principal, company_id, CompanyStatus.SUSPENDED)
    return CompanyRead.model_validate(company)


@router.post("/companies/{company_id}/activate", response_model=CompanyRead)
async def activate_company(
    company_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    tenancy: Tenancy,
) -> CompanyRead:
    """Reactivate a company (SUPER_ADMIN only)."""
    company = await tenancy.set_status(session, principal, company_id, CompanyStatus.ACTIVE)
    return CompanyRead.model_validate(company)


@router.get("/members", response_model=Page[MemberRead])
async def list_members(
    principal: AdminCaller,
    session: TenantSession,
    page: Pagination,
    members: Members,
) -> Page[MemberRead]:
    """Members of your company."""
    rows = await members.list(session, principal, page.limit, page.offset)
    return Page.of([_member(m, u) for m, u in rows], page)


@router.post("/members", response_model=MemberAdded, status_code=201)
async def add_member(
    body: MemberAdd,
    principal: AdminPrincipal,
    session: TenantSession,
    tenancy: Tenancy,
) -> MemberAdded:
    """Invite a person with a role below yours: they show as `INVITED` until they accept the invitation
    (`invitation_token`, shown once, valid 7 days). Someone without an account accepts at
    `POST /auth/invitations/accept` by choosing a password; someone with an account signs in and accepts
    at `POST /auth/invitations/join`. The answer is the same whether or not the address has an account.
    Inviting a pending member again renews the invitation."""
    added = await tenancy.add_member(session, principal, body)
    return MemberAdded(
        **_member(added.membership, added.user).model_dump(),
        invitation_token=added.token,
        invitation_expires_at=added.invitation.expires_at if added.invitation else None,
    )


@router.get("/invitations", response_model=Page[InvitationRead])
async def list_invitations(
    principal: AdminPrincipal,
    session: TenantSession,
    page: Pagination,
    tenancy: Tenancy,
) -> Page[InvitationRead]:
    """Invitations not yet accepted nor revoked (expired ones included), newest first."""
    rows = await tenancy.invitations.pending(session, principal, page.limit, page.offset)
    return Page.of([InvitationRead.model_validate(i) for i in rows], page)


@router.delete("/invitations/{invitation_id}", response_model=InvitationRead)
async def revoke_invitation(
    invitation_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    tenancy: Tenancy,
) -> InvitationRead:
    """Revoke a pending invitation: its token stops working and the invited member is removed."""
    invitation = await tenancy.invitations.revoke(session, principal, invitation_id)
    return InvitationRead.model_validate(invitation)


@router.get("/members/{member_id}", response_model=MemberRead)
async def get_member(
    member_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    members: Members,
) -> MemberRead:
    """One member of your company."""
    return _member(*await members.get(session, principal, member_id))


@router.patch("/members/{member_id}", response_model=MemberRead)
async def change_member_role(
    member_id: uuid.UUID,
    body: MemberUpdate,
    principal: AdminCaller,
    session: TenantSession,
    members: Members,
) -> MemberRead:
    """Change a member's role (OWNER > ADMIN > MANAGER > EMPLOYEE: only roles below yours)."""
    return _member(*await members.change_role(session, principal, member_id, Role(body.role)))


@router.post("/members/{member_id}/deactivate", response_model=MemberRead)
async def deactivate_member(
    member_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    members: Members,
) -> MemberRead:
    """Deactivate a member; their sessions stop working at once."""
    return _member(*await members.deactivate(session, principal, member_id))


@router.post("/members/{member_id}/unlock", response_model=LocksLifted)
async def unlock_member(
    member_id: uuid.UUID,
    body: MemberUnlock,
    principal: AdminCaller,
    session: TenantSession,
    members: Members,
) -> LocksLifted:
    """Lift a member's sign-in lock (roles below yours); the failed sign-ins stay as evidence. An account
    that other companies share answers 403 `account_shared`: the platform operator lifts its lock."""
    return LocksLifted(lifted=await members.unlock(session, principal, member_id, body.reason))


@router.post("/members/{member_id}/password-reset", response_model=PasswordResetIssued, status_code=201)
async def reset_member_password(
    member_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    members: Members,
) -> PasswordResetIssued:
    """Issue a one-time code with which a member (roles below yours) sets a new password. With SMTP
    configured it is e-mailed to the member's own address and `token` is null; otherwise `token` is shown
    here, once. Issuing another replaces it. An account other companies share answers 403
    `account_shared`: the platform operator resets it."""
    issued = await members.issue_password_reset(session, principal, member_id)
    return PasswordResetIssued.model_validate(issued, from_attributes=True)


@router.get("/limits", response_model=LimitsRead)
async def limits(
    principal: UsageReader,
    session: TenantSession,
    tenancy: Tenancy,
) -> LimitsRead:
    """Your company's effective limits (override → custom → plan) and current usage."""
    row: dict[str, Any] = await tenancy.effective_limits(session, principal.company_id)
    budget = row.pop("monthly_budget_micro_usd")
    return LimitsRead(**row, monthly_budget_usd=micro_to_usd(budget) if budget is not None else None)


@router.get("/plans", response_model=list[PlanRead])
async def plans(
    principal: UsageReader,
    session: TenantSession,
    tenancy: Tenancy,
) -> list[PlanRead]:
    """The plans on offer."""
    return [PlanRead.model_validate(p) for p in await tenancy.list_plans(session)]
