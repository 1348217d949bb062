"""The company's audit log (filters, CSV export), what platform staff did in it, and its support grants."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from aipair.audit.dependencies import Audit
from aipair.audit.export import to_csv
from aipair.audit.schemas import AuditEntryRead, AuditFilters
from aipair.kit.pagination import Pagination
from aipair.support.dependencies import Support, SupportActions
from aipair.support.schemas import GrantRead, SupportActionRead
from aipair.tenancy.dependencies import Tenancy
from aipair.tenancy.schemas import CompanyUpdate
from aipair.web.context import redirect
from aipair.web.dependencies import AdminPage
from aipair.web.forms import form_values, parse
from aipair.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
FILTERS = ("action", "actor", "target_type", "target_id", "from", "to")


class AuditQuery(BaseModel):
    """The audit filters of the page's form (blank fields mean no filter, unlike the API's)."""

    action: str | None = Field(default=None, max_length=100)
    actor: uuid.UUID | None = None
    target_type: str | None = Field(default=None, max_length=50)
    target_id: str | None = Field(default=None, max_length=100)
    since: datetime | None = Field(default=None, alias="from")
    until: datetime | None = Field(default=None, alias="to")


def audit_filters(request: Request) -> AuditFilters:
    chosen = {k: v.strip() for k in FILTERS if (v := request.query_params.get(k, "")).strip()}
    query = parse(AuditQuery, chosen)
    return AuditFilters(
        query.action, query.actor, query.target_type, query.target_id, query.since, query.until
    )


Filters = Annotated[AuditFilters, Depends(audit_filters)]


@router.get("/audit")
async def audit(
    request: Request, page: AdminPage, audit: Audit, pages: Pagination, filters: Filters
) -> Response:
    """Every change in the company, newest first, filtered."""
    rows = await audit.entries(page.db, page.principal, filters, pages.limit, pages.offset)
    chosen = {k: v for k in FILTERS if (v := request.query_params.get(k))}
    query = urlencode(chosen)
    return page.page(
        "audit.html",
        title="Audit log",
        entries=[AuditEntryRead.model_validate(r) for r in rows],
        chosen=chosen,
        query=query,
        pages=pages,
        more=len(rows) == pages.limit,
    )


@router.get("/audit/export.csv")
async def audit_csv(page: AdminPage, audit: Audit, filters: Filters) -> Response:
    """The filtered audit log as CSV."""
    rows = await audit.export(page.db, page.principal, filters)
    headers = {"Content-Disposition": 'attachment; filename="audit.csv"'}
    return Response(to_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/audit/support-actions")
async def support_actions(page: AdminPage, actions: SupportActions, pages: Pagination) -> Response:
    """Every request platform staff made inside the company, reads included."""
    rows = await actions.actions(page.db, page.principal, None, pages.limit, pages.offset)
    return page.page(
        "support_actions.html",
        title="Support actions",
        actions=[SupportActionRead.model_validate(r) for r in rows],
        pages=pages,
        more=len(rows) == pages.limit,
    )


@router.get("/support-access")
async def support_access(page: AdminPage, support: Support, tenancy: Tenancy, pages: Pagination) -> Response:
    """Support grants to the company (approve, end) and whether they need the owner's approval."""
    rows = await support.company_grants(page.db, page.principal, pages.limit, pages.offset)
    company = await tenancy.get_company(page.db, page.principal.company_id)
    return page.page(
        "support_access.html",
        title="Support access",
        grants=[GrantRead.of(g) for g in rows],
        company=company,
        pages=pages,
        more=len(rows) == pages.limit,
    )


@router.post("/support-access/approval")
async def require_approval(
    request: Request,
    page: AdminPage,
    tenancy: Tenancy,
) -> Response:
    """The OWNER decides whether platform staff need approval before they see the company's data."""
    values = await form_values(request)
    data = parse(CompanyUpdate, {"require_support_approval": values.get("require") == "yes"})
    await tenancy.update_company(page.db, page.principal, page.principal.company_id, data)
    return redirect("/support-access", "company_saved")


@router.post("/support-access/{grant_id}/approve")
async def approve(
    grant_id: uuid.UUID,
    page: AdminPage,
    support: Support,
) -> Response:
    """Approve a requested grant (OWNER); it runs for its duration from now."""
    await support.approve(page.db, page.principal, grant_id)
    return redirect("/support-access", "grant_approved")


@router.post("/support-access/{grant_id}/revoke")
async def revoke(
    grant_id: uuid.UUID,
    page: AdminPage,
    support: Support,
) -> Response:
    """End a grant at once."""
    await support.revoke_as_company(page.db, page.principal, grant_id)
    return redirect("/support-access", "grant_revoked")
