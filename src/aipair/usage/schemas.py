"""Bodies of the usage and budget routes. Money leaves as Decimal USD strings, never float."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

GroupBy = Literal["model", "day", "key", "provider"]


class UsageRow(BaseModel):
    key: str | None
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


class UsageReport(BaseModel):
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    group_by: GroupBy
    items: list[UsageRow]
    totals: UsageRow

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class BudgetRead(BaseModel):
    period: date
    monthly_budget_usd: Decimal | None
    spent_usd: Decimal
    reserved_usd: Decimal
    remaining_usd: Decimal | None
    requests: int
    alert_thresholds: list[int]
    webhook_url: str | None


class BudgetAlertRead(BaseModel):
    period: date
    threshold_percent: int
    spent_usd: Decimal
    budget_usd: Decimal
    fired_at: datetime
    webhook_status: str | None
