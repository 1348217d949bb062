"""Usage accounting: reserve the worst case before a provider call, settle to the real cost after.

Never a transaction held across the provider call. Concurrent requests of the process share one
statement: the settlements and reservations that arrive while the previous one is in flight go together
in the next (``gateway_usage_apply``: one transaction, one WAL flush, and per company one lock of its
counter rows and one update of each, whatever the batch holds), each still checked exactly.
Budget alerts fire once per period and threshold, recorded in ``budget_alerts`` and queued for delivery
to the company's webhook (signed, retried, by the job queue: see ``aipair.webhooks``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

import asyncpg
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.auth.principal import CompanyId
from aipair.db.failures import failure_kind
from aipair.errors import Conflict
from aipair.gateway.errors import BudgetExceeded, KeyBudgetExceeded, QuotaExceeded
from aipair.kit.batching import Coalescer
from aipair.kit.money import micro_to_usd
from aipair.observability.metrics import RESERVATIONS_EXPIRED
from aipair.usage import repository as repo
from aipair.usage.schemas import GroupBy, UsageReport, UsageRow
from aipair.webhooks.service import WebhookService

log = structlog.get_logger("aipair.usage")
BUDGET_ALERT_EVENT = "budget.threshold_crossed"


class DuplicateRequest(Conflict):
    """This request id was already used: it is billed once."""

    code = "duplicate_request"
    default_message = "A request with this id was already processed"


@dataclass(frozen=True, slots=True)
class Reservation:
    """The worst case of one AI request, held against quota and budgets until settled."""

    company_id: CompanyId
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
    alert_thresholds: tuple[int, ...] | None = None
    """Budget alert percentages of the company (None: the database reads them)."""


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


_Write: TypeAlias = tuple[Reservation, Settlement | None]
"""A reservation to make (no settlement) or to settle."""
_Outcome: TypeAlias = str | list[int] | Exception | None
"""A reservation's outcome ('ok', 'quota', ...), a settlement's crossed thresholds (None: already settled),
or the database error of that one item."""


class UsageService:
    """Reserve, settle and report usage."""

    def __init__(self, pool: asyncpg.Pool, webhooks: WebhookService):
        self._pool = pool
        self._webhooks = webhooks
        self._background: set[asyncio.Task[None]] = set()
        self._writes: Coalescer[_Write, _Outcome] = Coalescer(self._apply)
        self._writer: Any = None
        """The pooled connection batches go through, held while the process runs (one batch at a time)."""
        self._refusals_alerted: set[tuple[uuid.UUID, date, uuid.UUID | None]] = set()

    async def reserve(self, r: Reservation) -> None:
        """Admit the request against quota and budgets, or raise 429 (or 409 for a reused request id).

        A caller cancelled while its reservation is in flight does not leave it behind: once made, it is
        settled as failed (nothing billed).
        """
        pending = self._writes.submit((r, None))
        try:
            outcome = await asyncio.shield(pending)
        except asyncio.CancelledError:
            pending.add_done_callback(lambda done: self._release_if_reserved(r, done))
            raise
        if isinstance(outcome, Exception):
            raise outcome
        if outcome == "ok":
            return
        if outcome == "duplicate":
            raise DuplicateRequest()
        if outcome == "quota":
            raise QuotaExceeded(retry_after=r.retry_after_s)
        self._alert_refusal(r, str(outcome))
        if outcome == "key_budget":
            raise KeyBudgetExceeded(
                "The API key's monthly budget does not cover this request", retry_after=r.retry_after_s
            )
        raise BudgetExceeded(
            "The company's monthly budget does not cover this request", retry_after=r.retry_after_s
        )

    async def settle(self, r: Reservation, s: Settlement) -> None:
        """Record the real outcome (idempotent); fire budget alerts that this request crossed."""
        crossed = await self._writes.submit((r, s))
        if isinstance(crossed, Exception):
            raise crossed
        if isinstance(crossed, list) and crossed:
            self._spawn(self._send_alerts(r, crossed))

    def _alert_refusal(self, r: Reservation, outcome: str) -> None:
        """A budget that refuses a call has been reached: its 100 % alert fires (once per period), even
        while the recorded spend is just under it (the refused call's worst case did not fit)."""
        key = r.key_id if outcome == "key_budget" else None
        budget = r.key_budget_micro_usd if key is not None else r.budget_micro_usd
        memo = (r.company_id, r.period, key)
        if budget is None or memo in self._refusals_alerted:
            return
        if len(self._refusals_alerted) > 10_000:
            self._refusals_alerted.clear()
        self._refusals_alerted.add(memo)
        self._spawn(self._record_refusal(r, key, budget))

    async def _record_refusal(self, r: Reservation, key: uuid.UUID | None, budget: int) -> None:
        if await repo.alert_refusal(self._pool, r.company_id, r.period, key, budget) and key is None:
            await self._send_alerts(r, [100])

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _release_if_reserved(self, r: Reservation, outcome: asyncio.Future[_Outcome]) -> None:
        if outcome.cancelled() or outcome.exception() is not None or outcome.result() != "ok":
            return
        released = Settlement("failed", None, None, 0, 0, 0, None, "cancelled", r.day)
        self._spawn(self.settle(r, released))

    async def _apply(self, batch: Sequence[_Write]) -> list[_Outcome]:
        """Settle and reserve a batch in one statement; results in batch order.

        A company's crossed budget thresholds go to the first of its settlements in the batch (its
        alerts are sent once); the others get none.
        """
        settles = [i for i, (_, s) in enumerate(batch) if s is not None]
        reserves = [i for i, (_, s) in enumerate(batch) if s is None]
        if self._writer is not None and not _usable(self._writer):
            await self._release_writer()  # lost with the database: this batch takes a fresh one
        if self._writer is None:
            self._writer = await self._pool.acquire()
        try:
            crossed, reserved = await repo.apply_batch(
                self._writer,
                [_settle_args(*_settlement(batch[i])) for i in settles],
                [_reserve_args(batch[i][0]) for i in reserves],
            )
        except asyncpg.PostgresError as exc:
            if failure_kind(exc) is not None:  # the connection, not the items: no point in retrying each
                await self._release_writer()
                raise
            if len(batch) == 1:
                return [exc]
            # Run them one by one, so one item's database error is only that item's.
            return [await self._apply_one(write) for write in batch]
        except BaseException:
            await self._release_writer()  # broken or cancelled mid-statement: the pool recovers it
            raise
        results: list[_Outcome] = [None] * len(batch)
        for i in settles:
            results[i] = crossed.pop(str(batch[i][0].company_id), [])
        for i, outcome in zip(reserves, reserved, strict=True):
            results[i] = outcome
        return results

    async def _release_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            await self._pool.release(writer)

    async def _apply_one(self, write: _Write) -> _Outcome:
        r, s = write
        try:
            if s is None:
                _, [outcome] = await repo.apply_batch(self._pool, [], [_reserve_args(r)])
                return outcome
            crossed, _ = await repo.apply_batch(self._pool, [_settle_args(r, s)], [])
            return crossed.get(str(r.company_id), [])
        except asyncpg.PostgresError as exc:
            error: Exception = exc
            return error

    async def _send_alerts(self, r: Reservation, thresholds: list[int]) -> None:
        url = await repo.webhook_target(self._pool, r.company_id)
        for threshold in thresholds:
            log.warning("budget_alert", company_id=str(r.company_id), threshold=threshold)
            status = "not_configured"
            if url:
                spent, budget = await repo.alert_amounts(self._pool, r.company_id, r.period, threshold)
                data = {
                    "company_id": str(r.company_id),
                    "period": r.period.isoformat(),
                    "threshold_percent": threshold,
                    "budget_usd": str(micro_to_usd(budget)),
                    "spent_usd": str(micro_to_usd(spent)),
                }
                key = f"budget:{r.period.isoformat()}:{threshold}"
                await self._webhooks.enqueue(r.company_id, url, BUDGET_ALERT_EVENT, key, data)
                status = "queued"
            await repo.mark_alert(self._pool, r.company_id, r.period, threshold, status)

    async def drain(self) -> None:
        """Wait for queued reservations and settlements and the alerts being queued (shutdown, tests)."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self._writes.aclose()
        await self._release_writer()

    async def expire_abandoned(self, older_than_minutes: int, batch: int = 1000) -> int:
        """Close reservations no gateway settled within ``older_than_minutes`` (their process died).

        Each is billed at its reserved worst case as ``abandoned`` (``outcome_unknown``); returns how many.
        Runs in bounded batches so that no transaction grows with the backlog.
        """
        total = 0
        while True:
            closed = await repo.expire_reservations(self._pool, older_than_minutes, batch)
            total += closed
            if closed < batch:
                break
        if total:
            RESERVATIONS_EXPIRED.inc(total)
            log.warning("reservations_abandoned", count=total, older_than_minutes=older_than_minutes)
        return total

    async def summary(
        self, session: AsyncSession, company_id: uuid.UUID, start: date, end: date, group_by: str
    ) -> list[dict[str, Any]]:
        """Usage per model, day, key or provider between two days (inclusive), from the daily roll-up."""
        return await repo.summary(session, company_id, start, end, group_by)

    async def report(
        self, session: AsyncSession, company_id: uuid.UUID, start: date, end: date, group_by: GroupBy
    ) -> UsageReport:
        """Requests, errors, tokens and cost per group between two days (inclusive), with totals."""
        rows = await repo.summary(session, company_id, start, end, group_by)
        total = {
            k: sum(int(r[k] or 0) for r in rows)
            for k in ("requests", "errors", "input_tokens", "output_tokens", "cost_micro_usd")
        }
        return UsageReport(
            start=start,
            end=end,
            group_by=group_by,
            items=[_usage_row(r) for r in rows],
            totals=_usage_row({"key": None, **total}),
        )

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


def _usable(conn: Any) -> bool:
    """False once the connection was closed (and handed back to the pool by asyncpg itself)."""
    try:
        return not conn.is_closed()
    except asyncpg.InterfaceError:  # "released back to the pool" when its connection was lost
        return False


def _usage_row(values: dict[str, Any]) -> UsageRow:
    return UsageRow(
        key=values.get("key"),
        name=values.get("name"),
        prefix=values.get("prefix"),
        requests=int(values["requests"] or 0),
        errors=int(values["errors"] or 0),
        input_tokens=int(values["input_tokens"] or 0),
        output_tokens=int(values["output_tokens"] or 0),
        cost_usd=micro_to_usd(int(values["cost_micro_usd"] or 0)),
    )


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
        None if r.alert_thresholds is None else "{" + ",".join(map(str, r.alert_thresholds)) + "}",
        r.key_id,
    )


def _settlement(write: _Write) -> tuple[Reservation, Settlement]:
    r, s = write
    assert s is not None
    return r, s
