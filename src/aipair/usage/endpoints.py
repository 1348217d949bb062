"""Usage reports and the company's budget."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from aipair.auth.dependencies import AdminPrincipal, TenantSession, UsageReader
from aipair.errors import ValidationFailed
from aipair.kit.pagination import Pagination
from aipair.tenancy.dependencies import Tenancy
from aipair.tenancy.schemas import BudgetUpdate
from aipair.usage.dependencies import Budgets, Usage
from aipair.usage.schemas import BudgetAlertRead, BudgetRead, GroupBy, UsageReport

router = APIRouter(prefix="/api", tags=["usage and budget"])
MAX_RANGE_DAYS = 731


@router.get("/usage", response_model=UsageReport)
async def usage(
    principal: UsageReader,
    session: TenantSession,
    usage_service: Usage,
    start: Annotated[date | None, Query(alias="from", description="First day (default: 30 days ago)")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day, inclusive (default: today)")] = None,
    group_by: Annotated[
        GroupBy,
        Query(
            description="model (as the caller named it), provider_model (the provider's model that served"
            " it), day, key or provider"
        ),
    ] = "model",
) -> UsageReport:
    """Requests, errors, tokens and cost between two days, grouped; served from daily roll-ups, so it
    costs the same whatever the number of requests behind it."""
    end = end or date.today()
    start = start or end - timedelta(days=30)
    if start > end or (end - start).days > MAX_RANGE_DAYS:
        raise ValidationFailed("'from' must not be after 'to', and the range is at most two years")
    return await usage_service.report(session, principal.company_id, start, end, group_by)


@router.get("/budget", response_model=BudgetRead)
async def budget(
    principal: UsageReader,
    session: TenantSession,
    tenancy: Tenancy,
    usage_service: Usage,
) -> BudgetRead:
    """This period's budget, spend, open reservations and alert settings."""
    return BudgetRead(**await tenancy.budget_view(session, principal.company_id, usage_service))


@router.put("/budget", response_model=BudgetRead)
async def update_budget(
    body: BudgetUpdate,
    principal: AdminPrincipal,
    session: TenantSession,
    tenancy: Tenancy,
    budgets: Budgets,
    usage_service: Usage,
) -> BudgetRead:
    """Set the monthly budget (USD), alert thresholds (percent) and the alert webhook (ADMIN or OWNER).

    The webhook URL must use https (outside development) and resolve only to public addresses (422
    `webhook_target_refused` otherwise). The first time a webhook is set, `webhook_secret` carries the
    secret its deliveries are signed with, shown once (`POST /api/webhooks/secret` makes a new one)."""
    secret = await budgets.update(session, principal, body)
    view = await tenancy.budget_view(session, principal.company_id, usage_service)
    return BudgetRead(**view, webhook_secret=secret)


@router.get("/budget/alerts", response_model=list[BudgetAlertRead])
async def budget_alerts(
    principal: UsageReader, session: TenantSession, usage_service: Usage, page: Pagination
) -> list[BudgetAlertRead]:
    """Budget alerts fired for the company (once per period and threshold), newest first."""
    rows = await usage_service.alerts(session, principal.company_id, page.limit, page.offset)
    return [BudgetAlertRead.of(r) for r in rows]
