"""Bodies of the usage and budget routes. Money leaves as Decimal USD strings, never float."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aipair.kit.money import micro_to_usd

GroupBy = Literal["model", "provider_model", "day", "key", "provider"]
"""``model``: as the caller named it (an alias such as ``local``); ``provider_model``: the provider's model
that served it."""


class UsageRow(BaseModel):
    key: str | None
    name: str | None = Field(default=None, description="Grouped by key: the API key's name")
    prefix: str | None = Field(default=None, description="Grouped by key: the API key's visible prefix")
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
    webhook_secret: str | None = Field(
        default=None,
        description="Set once: the secret webhook deliveries are signed with, when this change made it",
    )


class BudgetAlertRead(BaseModel):
    period: date
    threshold_percent: int
    spent_usd: Decimal
    budget_usd: Decimal
    fired_at: datetime
    webhook_status: str | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> BudgetAlertRead:
        """An alert as recorded (micro-USD) in USD."""
        return cls(
            period=row["period"],
            threshold_percent=row["threshold_percent"],
            spent_usd=micro_to_usd(row["spent_micro_usd"]),
            budget_usd=micro_to_usd(row["budget_micro_usd"]),
            fired_at=row["fired_at"],
            webhook_status=row["webhook_status"],
        )
