"""A batch of reservations and settlements applied at once keeps every rule of a single request: key
budgets, reused request ids, the budget freed by settlements, counters summed exactly."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from aipair.auth.principal import CompanyId
from aipair.composition import Runtime
from aipair.gateway.errors import BudgetExceeded
from aipair.usage.service import DuplicateRequest, Reservation, Settlement
from tests.fixtures.tenants import Tenant
from tests.usage.test_abandoned_reservations import owner_sql

COST = 1_000


def reservation(tenant: Tenant, key: uuid.UUID | None = None, **changes: object) -> Reservation:
    today = datetime.now(UTC).date()
    r = Reservation(
        company_id=CompanyId(tenant.id),
        period=today.replace(day=1),
        request_id=uuid.uuid4().hex,
        user_id=None,
        key_id=key,
        operation="chat_completion",
        model="gpt-4o-mini",
        cost_micro_usd=COST,
        quota=None,
        budget_micro_usd=None,
        key_budget_micro_usd=None,
        retry_after_s=60,
        day=today,
    )
    return replace(r, **changes)  # type: ignore[arg-type]


def served(r: Reservation, cost: int) -> Settlement:
    return Settlement("succeeded", "openai", "gpt-4o-mini", 10, 5, cost, 3, None, r.day)


async def outcomes(runtime: Runtime, batch: list[Reservation]) -> list[object]:
    """The reservations sent at once (one batch), each one's outcome: None or the error's class."""
    results = await asyncio.gather(*(runtime.usage.reserve(r) for r in batch), return_exceptions=True)
    return [type(r).__name__ if isinstance(r, Exception) else r for r in results]


def counters(runtime: Runtime, tenant: Tenant) -> dict[str, tuple[int, int, int]]:
    rows = owner_sql(
        runtime.settings,
        "SELECT api_key_id::text, requests, reserved_micro_usd, cost_micro_usd FROM usage_counters"
        " WHERE company_id = %s",
        tenant.id,
    )
    return {str(k): (int(a), int(b), int(c)) for k, a, b, c in rows}  # type: ignore[call-overload]


async def test_a_key_budget_admits_what_fits_within_one_batch(runtime: Runtime, tenant: Tenant) -> None:
    key = uuid.uuid4()
    batch = [reservation(tenant, key, key_budget_micro_usd=2_500) for _ in range(4)]
    assert await outcomes(runtime, batch) == [None, None, "KeyBudgetExceeded", "KeyBudgetExceeded"]
    nil = str(uuid.UUID(int=0))
    assert counters(runtime, tenant) == {nil: (2, 2_000, 0), str(key): (2, 2_000, 0)}


async def test_a_reused_request_id_is_refused_and_takes_nothing(runtime: Runtime, tenant: Tenant) -> None:
    first = reservation(tenant)
    await runtime.usage.reserve(first)
    again = await outcomes(runtime, [replace(first), reservation(tenant)])
    assert again == ["DuplicateRequest", None]
    assert counters(runtime, tenant)[str(uuid.UUID(int=0))] == (2, 2 * COST, 0)
    with pytest.raises(DuplicateRequest):
        await runtime.usage.reserve(first)


async def test_settlements_in_the_same_batch_free_budget_for_the_reservations_after_them(
    runtime: Runtime, tenant: Tenant
) -> None:
    budget = 3 * COST
    held = [reservation(tenant, budget_micro_usd=budget) for _ in range(3)]
    assert await outcomes(runtime, held) == [None, None, None]
    waiting = reservation(tenant, budget_micro_usd=budget)
    with pytest.raises(BudgetExceeded):  # the company budget is full
        await runtime.usage.reserve(waiting)
    settle = [runtime.usage.settle(r, served(r, 100)) for r in held]
    results = await asyncio.gather(*settle, runtime.usage.reserve(replace(waiting, request_id="later")))
    assert results[-1] is None  # settled at 100 each: 300 spent, the new worst case fits
    nil = str(uuid.UUID(int=0))
    assert counters(runtime, tenant)[nil] == (4, COST, 300)  # the refused one took no request
