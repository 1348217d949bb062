"""Support grants for platform staff: open one (reason, ticket, scope, duration), act inside the company
under a banner, leave, end it; temporary limit increases inside a write grant."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from aipair.kit.pagination import Pagination
from aipair.support.dependencies import Support, SupportConfig
from aipair.support.middleware import mark_support_target
from aipair.support.schemas import GrantCreate, GrantRead, LimitIncreaseCreate
from aipair.tenancy.dependencies import Tenancy
from aipair.tenancy.models import Role
from aipair.web.context import Console, redirect
from aipair.web.dependencies import ConsoleAuth, StaffPage
from aipair.web.forms import form_values, parse
from aipair.web.routing import ACTING_COOKIE, ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


async def _grants_page(
    page: Console,
    support: Support,
    tenancy: Tenancy,
    support_settings: SupportConfig,
    pages: Pagination,
    **extra: Any,
) -> Response:
    rows = await support.staff_grants(page.db, page.principal, None, pages.limit, pages.offset)
    companies = []
    if page.principal.platform_role == Role.SUPER_ADMIN:
        companies = [c for c in await tenancy.list_companies(page.db, 500, 0) if not c.is_platform]
    return page.page(
        "grants.html",
        title="Support grants",
        grants=[GrantRead.of(g) for g in rows],
        companies=companies,
        max_minutes=support_settings.grant_max_minutes,
        increase_max=support_settings.limit_increase_max,
        pages=pages,
        more=len(rows) == pages.limit,
        **extra,
    )


@router.get("/platform/grants")
async def grants(
    page: StaffPage, support: Support, tenancy: Tenancy, settings: SupportConfig, pages: Pagination
) -> Response:
    """Your grants (a SUPER_ADMIN: everyone's), the form to open one, and the way into a company."""
    return await _grants_page(page, support, tenancy, settings, pages, increase=None)


@router.post("/platform/grants")
async def open_grant(
    request: Request,
    page: StaffPage,
    support: Support,
) -> Response:
    """Open a grant; it starts ``requested`` when the company's owner must approve it."""
    data = parse(GrantCreate, await form_values(request))
    mark_support_target(request, data.company_id)
    grant = await support.open_grant(page.db, page.principal, data)
    return redirect("/platform/grants", "grant_requested" if grant.status == "requested" else "grant_opened")


@router.post("/platform/grants/{grant_id}/revoke")
async def revoke_grant(
    grant_id: uuid.UUID,
    page: StaffPage,
    support: Support,
) -> Response:
    """End one of your grants at once."""
    await support.revoke_as_staff(page.db, page.principal, grant_id)
    return redirect("/platform/grants", "grant_revoked")


@router.post("/platform/act")
async def act_inside(
    page: StaffPage, sign_ins: ConsoleAuth, company_id: Annotated[uuid.UUID, Form()]
) -> Response:
    """Act inside a customer company: every page from now on is that company's, under your grant
    (without an open grant, the company answers as if it did not exist)."""
    response = redirect("/dashboard")
    response.set_cookie(
        ACTING_COOKIE,
        str(company_id),
        path="/",
        secure=sign_ins.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response


@router.post("/platform/leave")
async def leave(request: Request) -> Response:
    """Stop acting inside a customer company."""
    response = redirect("/platform/grants", "left_company")
    response.delete_cookie(ACTING_COOKIE, path="/")
    return response


@router.post("/platform/limit-increases")
async def increase_limit(
    request: Request,
    page: StaffPage,
    support: Support,
    tenancy: Tenancy,
    settings: SupportConfig,
    pages: Pagination,
) -> Response:
    """Raise a company's monthly AI requests for a while (needs an open write grant)."""
    data = parse(LimitIncreaseCreate, await form_values(request))
    mark_support_target(request, data.company_id)
    applied = await support.increase_limit(page.db, page.principal, data)
    return await _grants_page(page, support, tenancy, settings, pages, increase=applied)
