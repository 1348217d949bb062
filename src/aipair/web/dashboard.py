"""The company dashboard's figures: usage against each limit, the budget gauge, cost by model and by
day, success rate and top keys, all from the same services (and roll-ups) as the API."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from aipair.auth.api_keys import ApiKeyService
from aipair.tenancy.service import TenancyService
from aipair.usage.schemas import UsageReport
from aipair.usage.service import UsageService
from aipair.web.charts import Chart, Gauge, columns, horizontal
from aipair.web.context import Console
from aipair.web.rendering import number, usd

DAYS = 30
TOP_KEYS = 10


def _limit_gauge(label: str, used: Any, limit: Any, unit: str = "") -> Gauge:
    used_value = Decimal(str(used or 0))
    limit_value = Decimal(limit) if limit is not None else None
    return Gauge(
        label,
        used_value,
        limit_value,
        f"{number(used_value.normalize() if unit else int(used_value))}{unit}",
        f"{number(limit)}{unit}" if limit is not None else "no limit",
    )


def _gauges(limits: dict[str, Any], budget: dict[str, Any]) -> list[Gauge]:
    usage = limits["current_usage"]
    spent = Decimal(budget["spent_usd"])
    cap = budget["monthly_budget_usd"]
    money = Gauge(
        "Budget this month",
        spent,
        Decimal(cap) if cap is not None else None,
        usd(spent),
        usd(cap) if cap is not None else "no budget set",
        marks=list(budget["alert_thresholds"]) if cap is not None else [],
    )
    return [
        money,
        _limit_gauge("AI requests this month", usage.get("ai_requests"), limits["ai_requests_per_month"]),
        _limit_gauge("Active users", usage.get("users"), limits["max_users"]),
        _limit_gauge(
            "Storage", round(Decimal(str(usage.get("storage_mb") or 0)), 1), limits["storage_mb"], " MB"
        ),
    ]


def _by_day(report: UsageReport, start: date) -> Chart:
    costs = {str(r.key): r.cost_usd for r in report.items}
    days = [start + timedelta(days=i) for i in range((report.end - start).days + 1)]
    rows = [
        (d.isoformat(), costs.get(d.isoformat(), Decimal(0)), usd(costs.get(d.isoformat(), 0))) for d in days
    ]
    return columns(f"Cost by day, last {DAYS} days", rows, ("Day", "Cost"))


def _by_model(report: UsageReport) -> Chart:
    rows = [(str(r.key or "unknown"), r.cost_usd, usd(r.cost_usd)) for r in report.items]
    return horizontal("Cost by model this month", rows, ("Model", "Cost"))


def _top_keys(report: UsageReport, names: dict[str, str]) -> Chart:
    rows = [
        (
            names.get(
                str(r.key),
                "signed-in people" if r.key is None or str(r.key).startswith("0000") else "deleted key",
            ),
            Decimal(r.requests),
            f"{r.requests:,} requests · {usd(r.cost_usd)}",
        )
        for r in report.items
    ]
    rows = sorted(rows, key=lambda r: r[1], reverse=True)[:TOP_KEYS]
    return horizontal("Top API keys this month", rows, ("Key", "Requests and cost"))


async def dashboard(
    page: Console, tenancy: TenancyService, usage: UsageService, api_keys: ApiKeyService
) -> dict[str, Any]:
    """Everything the dashboard shows, for the company the page acts in."""
    db, principal = page.db, page.principal
    company = principal.company_id
    budget = await tenancy.budget_view(db, company, usage)
    limits = await tenancy.effective_limits(db, company)
    period: date = budget["period"]
    today = max(date.today(), period)
    start = today - timedelta(days=DAYS - 1)
    month = await usage.report(db, company, period, today, "model")
    days = await usage.report(db, company, start, today, "day")
    keys = await usage.report(db, company, period, today, "key")
    names = {str(k.id): k.name for k in await api_keys.list(db, principal, 200, 0)}
    totals = month.totals
    success = (totals.requests - totals.errors) / totals.requests * 100 if totals.requests else None
    return {
        "period": period,
        "gauges": _gauges(limits, budget),
        "totals": totals,
        "success_rate": success,
        "plan": limits["plan"],
        "by_model": _by_model(month),
        "by_day": _by_day(days, start),
        "top_keys": _top_keys(keys, names),
    }
