"""``GET /api/platform/usage``: usage across companies for platform staff (counts only)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from aipair.auth.dependencies import TenantSession, UsageReader
from aipair.kit.money import micro_to_usd
from aipair.usage.platform import PlatformUsageService

router = APIRouter(prefix="/api/platform", tags=["usage and budget"])
PlatformUsage = Annotated[PlatformUsageService, Depends(PlatformUsageService)]


class CompanyUsageRead(BaseModel):
    """One company's usage this month."""

    company_id: uuid.UUID
    slug: str
    name: str
    plan: str
    status: str
    users: int
    ai_requests: int
    ai_requests_limit: int | None
    tokens: int
    cost_usd: Decimal
    budget_usd: Decimal | None


@router.get("/usage", response_model=list[CompanyUsageRead])
async def platform_usage(
    principal: UsageReader,
    session: TenantSession,
    service: PlatformUsage,
    over: Annotated[int, Query(ge=0, description="Only companies with more AI requests this month")] = 0,
) -> list[CompanyUsageRead]:
    """Every company's usage this month with more than `over` AI requests, most first: the runbook's
    capacity query (`current_usage->>'ai_requests' > '8000'`), compared as numbers. Platform staff
    only, no support grant needed: counts, never a company's data."""
    rows = await service.companies_over(session, principal, over)
    return [
        CompanyUsageRead(
            **{k: v for k, v in row.items() if k not in ("cost_micro_usd", "budget_micro_usd")},
            cost_usd=micro_to_usd(row["cost_micro_usd"]),
            budget_usd=None if row["budget_micro_usd"] is None else micro_to_usd(row["budget_micro_usd"]),
        )
        for row in rows
    ]
