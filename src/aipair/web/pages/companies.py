"""Platform companies (SUPER_ADMIN): create, plan, limits and budget, suspend and reactivate."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from aipair.kit.pagination import Pagination
from aipair.tenancy.dependencies import Tenancy
from aipair.tenancy.models import CompanyStatus
from aipair.tenancy.schemas import CompanyCreate, CompanyUpdate
from aipair.web.context import redirect
from aipair.web.dependencies import SuperAdminPage
from aipair.web.forms import form_values, parse
from aipair.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
PLANS = ("STARTER", "PROFESSIONAL", "ENTERPRISE", "CUSTOM")
LIMITS = ("max_users", "ai_requests_per_month", "storage_mb", "requests_per_minute", "ai_requests_per_hour")


def _nested(values: dict[str, Any], prefix: str, names: tuple[str, ...]) -> dict[str, Any] | None:
    nested = {name: values.pop(f"{prefix}{name}") for name in names if f"{prefix}{name}" in values}
    return nested or None


@router.get("/platform/companies")
async def companies(page: SuperAdminPage, tenancy: Tenancy, pages: Pagination) -> Response:
    """Every company, and the form to create one."""
    rows = await tenancy.list_companies(page.db, pages.limit, pages.offset)
    return page.page(
        "companies.html",
        title="Companies",
        companies=rows,
        plans=PLANS,
        pages=pages,
        more=len(rows) == pages.limit,
    )


@router.post("/platform/companies")
async def create_company(
    request: Request,
    page: SuperAdminPage,
    tenancy: Tenancy,
) -> Response:
    """Create a company, optionally with its first OWNER (invited when no password is given)."""
    values = await form_values(request)
    values["owner"] = _nested(values, "owner_", ("email", "name", "password"))
    created = await tenancy.create_company(page.db, page.principal, parse(CompanyCreate, values))
    if created.owner_invitation_token is not None:
        return await _company_page(page, tenancy, created.company.id, invited=created.owner_invitation_token)
    return redirect(f"/platform/companies/{created.company.id}", "company_created")


@router.get("/platform/companies/{company_id}")
async def company(company_id: uuid.UUID, page: SuperAdminPage, tenancy: Tenancy) -> Response:
    """A company's status, plan and permanent limits."""
    return await _company_page(page, tenancy, company_id)


async def _company_page(
    page: SuperAdminPage, tenancy: Tenancy, company_id: uuid.UUID, invited: str | None = None
) -> Response:
    row = await tenancy.get_company(page.db, company_id)
    plans = {p.code: p for p in await tenancy.list_plans(page.db)}
    custom = {name: getattr(row, f"custom_{name}") for name in LIMITS}
    return page.page(
        "company.html",
        title=row.name,
        company=row,
        plan=plans.get(row.plan_code),
        custom=custom,
        plans=PLANS,
        invited=invited,
    )


@router.post("/platform/companies/{company_id}")
async def update_company(
    company_id: uuid.UUID,
    request: Request,
    page: SuperAdminPage,
    tenancy: Tenancy,
) -> Response:
    """Change plan, permanent custom limits and budget."""
    values = await form_values(request)
    values["custom_limits"] = _nested(values, "limit_", LIMITS)
    data = parse(CompanyUpdate, {k: v for k, v in values.items() if v is not None})
    await tenancy.update_company(page.db, page.principal, company_id, data)
    return redirect(f"/platform/companies/{company_id}", "company_saved")


@router.post("/platform/companies/{company_id}/suspend")
async def suspend(
    company_id: uuid.UUID,
    page: SuperAdminPage,
    tenancy: Tenancy,
) -> Response:
    """Suspend: the company's people and keys can no longer act."""
    await tenancy.set_status(page.db, page.principal, company_id, CompanyStatus.SUSPENDED)
    return redirect(f"/platform/companies/{company_id}", "company_suspended")


@router.post("/platform/companies/{company_id}/activate")
async def activate(
    company_id: uuid.UUID,
    page: SuperAdminPage,
    tenancy: Tenancy,
) -> Response:
    """Reactivate a suspended company."""
    await tenancy.set_status(page.db, page.principal, company_id, CompanyStatus.ACTIVE)
    return redirect(f"/platform/companies/{company_id}", "company_activated")
