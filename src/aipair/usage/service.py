"""Usage accounting: reserve the worst case before a provider call, settle to the real cost after.

Each step is one statement (``gateway_reserve`` / ``gateway_settle``), never a transaction held
across the provider call. Concurrent requests of the process share that statement: reservations (and
settlements) that arrive while the previous one is in flight go together in the next (one transaction,
one WAL flush and one lock of the company's counter row for all of them), each still checked exactly.
Budget alerts fire once per period and threshold, recorded in ``budget_alerts`` and sent to the
company's webhook.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import asyncpg
import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.errors import Conflict
from aipair.gateway.errors import BudgetExceeded, QuotaExceeded
from aipair.kit.batching import Coalescer
from aipair.usage import repository as repo

log = structlog.get_logger("aipair.usage")
T = TypeVar("T")


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
    day: date


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
        self._reservations = Coalescer(self._reserve_batch)
        self._settlements = Coalescer(self._settle_batch)

    async def reserve(self, r: Reservation) -> None:
        """Admit the request against quota and budgets, or raise 429 (or 409 for a reused request id).

        A caller cancelled while its reservation is in flight does not leave it behind: once made, it is
        settled as failed (nothing billed).
        """
        pending = self._reservations.submit(r)
        try:
            outcome = await asyncio.shield(pending)
        except asyncio.CancelledError:
            pending.add_done_callback(lambda done: self._release_if_reserved(r, done))
            raise
        if isinstance(outcome, asyncpg.PostgresError):
            raise outcome
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
        crossed = await self._settlements.submit((r, s))
        if isinstance(crossed, asyncpg.PostgresError):
            raise crossed
        if crossed:
            self._spawn(self._send_alerts(r, crossed))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _release_if_reserved(
        self, r: Reservation, outcome: asyncio.Future[str | asyncpg.PostgresError]
    ) -> None:
        if outcome.cancelled() or outcome.exception() is not None or outcome.result() != "ok":
            return
        released = Settlement("failed", None, None, 0, 0, 0, None, "cancelled", r.day)
        self._spawn(self.settle(r, released))

    async def _reserve_batch(self, batch: Sequence[Reservation]) -> list[str | asyncpg.PostgresError]:
        rows = [_reserve_args(r) for r in batch]
        try:
            return list(await repo.reserve_batch(self._pool, rows))
        except asyncpg.PostgresError as exc:
            if len(rows) == 1:
                return [exc]
        # Run them one by one, so one item's database error is only that item's.
        return [await _one_by_one(repo.reserve, self._pool, row) for row in rows]

    async def _settle_batch(
        self, batch: Sequence[tuple[Reservation, Settlement]]
    ) -> list[list[int] | asyncpg.PostgresError | None]:
        rows = [_settle_args(r, s) for r, s in batch]
        try:
            return list(await repo.settle_batch(self._pool, rows))
        except asyncpg.PostgresError as exc:
            if len(rows) == 1:
                return [exc]
        return [await _one_by_one(repo.settle, self._pool, row) for row in rows]

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
        """Wait for queued reservations and settlements and background alert deliveries (shutdown, tests)."""
        await self._reservations.aclose()
        await self._settlements.aclose()
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


def _reserve_args(r: Reservation) -> tuple[Any, ...]:
    return (
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


def _settle_args(r: Reservation, s: Settlement) -> tuple[Any, ...]:
    return (
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


async def _one_by_one(
    statement: Callable[..., Awaitable[T]], pool: asyncpg.Pool, row: Sequence[Any]
) -> T | asyncpg.PostgresError:
    try:
        return await statement(pool, *row)
    except asyncpg.PostgresError as exc:
        return exc
