"""Usage accounting: reserve the worst case before a provider call, settle to the real cost after.

Each step is one statement (``gateway_reserve`` / ``gateway_settle``), never a transaction held
across the provider call. Budget alerts fire once per period and threshold, recorded in
``budget_alerts`` and sent to the company's webhook.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.errors import Conflict
from aipair.gateway.errors import BudgetExceeded, QuotaExceeded
from aipair.usage import repository as repo

log = structlog.get_logger("aipair.usage")


class DuplicateRequest(Conflict):
    """This request id was already used: it is billed once."""

    code = "duplicate_request"
    default_message = "A request with this id was already processed"


@dataclass(frozen=True, slots=True)
class Reservation:
    """The worst case of one AI request, held against quota and budgets until settled."""

    company_id: uuid.UUID
    period: date
    request_id: str
    user_id: uuid.UUID | None
    key_id: uuid.UUID | None
    operation: str
    model: str
    cost_micro_usd: int
    quota: int | None
    budget_micro_usd: int | None
    key_budget_micro_usd: int | None
    retry_after_s: float


@dataclass(frozen=True, slots=True)
class Settlement:
    """What a request really cost."""

    status: str
    provider: str | None
    model: str | None
    input_tokens: int
    output_tokens: int
    cost_micro_usd: int
    latency_ms: int | None
    error_code: str | None
    day: date


class UsageService:
    """Reserve, settle and report usage."""

    def __init__(self, pool: asyncpg.Pool, http: httpx.AsyncClient):
        self._pool = pool
        self._http = http
        self._background: set[asyncio.Task[None]] = set()

    async def reserve(self, r: Reservation) -> None:
        """Admit the request against quota and budgets, or raise 429 (or 409 for a reused request id)."""
        outcome = await repo.reserve(
            self._pool,
            r.company_id,
            r.period,
            r.request_id,
            r.user_id,
            r.key_id,
            r.operation,
            r.model,
            r.cost_micro_usd,
            r.quota,
            r.budget_micro_usd,
            r.key_budget_micro_usd,
        )
        if outcome == "ok":
            return
        if outcome == "duplicate":
            raise DuplicateRequest()
        if outcome == "quota":
            raise QuotaExceeded(retry_after=r.retry_after_s)
        scope = "API key" if outcome == "key_budget" else "company"
        raise BudgetExceeded(
            f"The {scope}'s monthly budget does not cover this request", retry_after=r.retry_after_s
        )

    async def settle(self, r: Reservation, s: Settlement) -> None:
        """Record the real outcome (idempotent); fire budget alerts that this request crossed."""
        crossed = await repo.settle(
            self._pool,
            r.company_id,
            r.period,
            r.request_id,
            s.status,
            s.provider,
            s.model,
            s.input_tokens,
            s.output_tokens,
            s.cost_micro_usd,
            s.latency_ms,
            s.error_code,
            s.day,
            r.budget_micro_usd,
            r.key_budget_micro_usd,
        )
        if crossed:
            task = asyncio.create_task(self._send_alerts(r, crossed))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _send_alerts(self, r: Reservation, thresholds: list[int]) -> None:
        url = await repo.webhook_target(self._pool, r.company_id)
        for threshold in thresholds:
            log.warning("budget_alert", company_id=str(r.company_id), threshold=threshold)
            status = "not_configured"
            if url:
                status = await self._post_webhook(url, r, threshold)
            await repo.mark_alert(self._pool, r.company_id, r.period, threshold, status)

    async def _post_webhook(self, url: str, r: Reservation, threshold: int) -> str:
        payload = {
            "type": "budget.threshold_crossed",
            "company_id": str(r.company_id),
            "period": r.period.isoformat(),
            "threshold_percent": threshold,
            "budget_usd": str((r.budget_micro_usd or 0) / 1_000_000),
        }
        try:
            response = await self._http.post(url, json=payload, timeout=5.0)
        except httpx.HTTPError as exc:
            return f"error:{type(exc).__name__}"[:32]
        return f"http_{response.status_code}"

    async def drain(self) -> None:
        """Wait for background alert deliveries (shutdown, tests)."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def summary(
        self, session: AsyncSession, company_id: uuid.UUID, start: date, end: date, group_by: str
    ) -> list[dict[str, Any]]:
        """Usage per model, day, key or provider between two days (inclusive), from the daily roll-up."""
        return await repo.summary(session, company_id, start, end, group_by)

    async def period_totals(
        self, session: AsyncSession, company_id: uuid.UUID, period: date
    ) -> dict[str, Any]:
        """This period's requests, tokens, cost and open reservations."""
        totals = await repo.period_totals(session, company_id, period)
        empty = {
            "requests": 0,
            "reserved_micro_usd": 0,
            "cost_micro_usd": 0,
            "input_tokens": 0,
            "output_tokens": 0,
        }
        return totals or empty

    async def current_totals(self, company_id: uuid.UUID, period: date) -> dict[str, int]:
        """Spent and reserved micro-USD this period (no session needed: used by workflows)."""
        return await repo.current_totals(self._pool, company_id, period)

    async def alerts(
        self, session: AsyncSession, company_id: uuid.UUID, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        """Budget alerts fired for the company, newest first."""
        return await repo.alerts(session, company_id, limit, offset)
