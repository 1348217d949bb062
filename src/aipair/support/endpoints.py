"""Support access: staff open and end grants and raise limits for a while; companies see, approve
and end the grants given to them.

Staff act inside a company by sending `X-Aipair-Company: <company id>` with their own token; every
such request is logged in `support_actions_log`, and without an open grant every company route
answers 404.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from aipair.auth.dependencies import AdminCaller, TenantSession
from aipair.kit.pagination import Page, Pagination
from aipair.support.dependencies import Support, SupportActions
from aipair.support.middleware import mark_support_target
from aipair.support.schemas import (
    GrantCreate,
    GrantRead,
    LimitIncreaseCreate,
    LimitIncreaseRead,
    SupportActionRead,
)

staff_router = APIRouter(prefix="/api/support", tags=["support access"])
company_router = APIRouter(prefix="/api/company/support-grants", tags=["support access"])
actions_router = APIRouter(prefix="/api/audit", tags=["audit"])
"""What platform staff did inside companies, beside the company's audit trail."""


@staff_router.post("/grants", response_model=GrantRead, status_code=201)
async def open_grant(
    body: GrantCreate,
    request: Request,
    principal: AdminCaller,
    session: TenantSession,
    support: Support,
) -> GrantRead:
    """Open a support access grant for one company (SUPPORT, SUPER_ADMIN): reason, ticket, scope
    (`read` or `write`) and duration (default 60 min, at most 480). When the company requires its
    owner's approval the grant starts as `requested`."""
    mark_support_target(request, body.company_id)
    return GrantRead.of(await support.open_grant(session, principal, body))


@staff_router.get("/grants", response_model=Page[GrantRead])
async def staff_grants(
    principal: AdminCaller,
    session: TenantSession,
    support: Support,
    page: Pagination,
    company_id: Annotated[uuid.UUID | None, Query(description="Only grants for this company")] = None,
) -> Page[GrantRead]:
    """Your grants (a SUPER_ADMIN sees every staff member's), newest first."""
    rows = await support.staff_grants(session, principal, company_id, page.limit, page.offset)
    return Page.of([GrantRead.of(g) for g in rows], page)


@staff_router.post("/grants/{grant_id}/revoke", response_model=GrantRead)
async def revoke_own_grant(
    grant_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    support: Support,
) -> GrantRead:
    """End your grant at once."""
    return GrantRead.of(await support.revoke_as_staff(session, principal, grant_id))


@staff_router.post("/limit-increases", response_model=LimitIncreaseRead, status_code=201)
async def increase_limit(
    body: LimitIncreaseCreate,
    request: Request,
    principal: AdminCaller,
    session: TenantSession,
    support: Support,
) -> LimitIncreaseRead:
    """Raise a company's monthly AI requests temporarily (needs an open write grant): at most 500
    above the company's own limit, with a reason, expiring by itself (default: end of the month in
    the company's time zone). Permanent changes are for a SUPER_ADMIN (`PATCH /api/companies/{id}`)."""
    mark_support_target(request, body.company_id)
    applied = await support.increase_limit(session, principal, body)
    override = applied.override
    assert override.expires_at is not None
    return LimitIncreaseRead(
        override_id=override.id,
        company_id=override.company_id,
        limit_name=override.limit_name,
        previous_value=applied.previous_value,
        value=override.value,
        extra=override.value - applied.previous_value,
        expires_at=override.expires_at,
        reason=override.reason,
    )


@company_router.get("", response_model=Page[GrantRead])
async def company_grants(
    principal: AdminCaller, session: TenantSession, support: Support, page: Pagination
) -> Page[GrantRead]:
    """Support access grants to your company, newest first (OWNER, ADMIN)."""
    rows = await support.company_grants(session, principal, page.limit, page.offset)
    return Page.of([GrantRead.of(g) for g in rows], page)


@company_router.post("/{grant_id}/approve", response_model=GrantRead)
async def approve_grant(
    grant_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    support: Support,
) -> GrantRead:
    """Approve a requested grant (OWNER); it runs for its duration from now."""
    return GrantRead.of(await support.approve(session, principal, grant_id))


@company_router.post("/{grant_id}/revoke", response_model=GrantRead)
async def revoke_grant(
    grant_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    support: Support,
) -> GrantRead:
    """End a grant to your company at once (OWNER, ADMIN)."""
    return GrantRead.of(await support.revoke_as_company(session, principal, grant_id))


@actions_router.get("/support-actions", response_model=Page[SupportActionRead])
async def support_actions(
    principal: AdminCaller,
    session: TenantSession,
    actions: SupportActions,
    page: Pagination,
    company_id: Annotated[uuid.UUID | None, Query(description="Platform staff: only this company")] = None,
) -> Page[SupportActionRead]:
    """Every request platform staff made inside your company — reads included, failed ones too —
    newest first. Platform staff see their own actions across companies (a SUPER_ADMIN everyone's)."""
    rows = await actions.actions(session, principal, company_id, page.limit, page.offset)
    return Page.of([SupportActionRead.model_validate(r) for r in rows], page)
