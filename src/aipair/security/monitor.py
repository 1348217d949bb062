"""The background side of the key-use signals: written every few seconds, spikes looked for every few
minutes, both off the requests' path.

Each flush is one transaction with one savepoint per company (in its tenant context): the aggregated
refusals and unusual events in one ``INSERT`` per company, the key sources the process did not know
in one ``INSERT ... ON CONFLICT DO NOTHING RETURNING``. The spike check reads, for each company that
used the gateway in the last hour, the hour's spend and failed calls per key against the trailing
days' roll-up. Started and stopped by the application's lifespan; stopping flushes what is buffered.
A crash loses at most the last flush interval of signals (never usage: that is written exactly by
the usage service).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.config import SecuritySignalSettings
from aipair.db.engine import DbContext, apply_context
from aipair.db.failures import failure_kind
from aipair.kit.clock import utcnow
from aipair.kit.money import usd_to_micro
from aipair.observability.metrics import SECURITY_EVENTS, UNUSUAL_KEY_USE
from aipair.security import key_repository as repo
from aipair.security import rules
from aipair.security.rules import EventRow, SpikeThresholds, WorkingHours
from aipair.security.signals import KeySignals, KeyUse, Rejection, SignalBatch, SourceSighting

log = structlog.get_logger("aipair.security")
Written = list[tuple[str, str | None]]
"""(kind, reason) of each event row inserted."""
MAX_REMEMBERED = 100_000


@dataclass(slots=True)
class CompanySignals:
    """One company's share of a flush."""

    company_id: uuid.UUID
    rejections: list[Rejection] = field(default_factory=list)
    uses: list[KeyUse] = field(default_factory=list)
    new_sources: list[SourceSighting] = field(default_factory=list)
    seen_sources: list[SourceSighting] = field(default_factory=list)


class KeySignalMonitor:
    """Write what :class:`KeySignals` gathered and raise the unusual-use events."""

    def __init__(
        self,
        signals: KeySignals,
        sessions: async_sessionmaker[AsyncSession],
        settings: SecuritySignalSettings,
        clock: Callable[[], datetime] = utcnow,
    ):
        self._signals = signals
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._hours: dict[uuid.UUID, tuple[float, WorkingHours | None]] = {}
        self._active: dict[uuid.UUID, datetime] = {}
        self._off_hours_seen: set[tuple[uuid.UUID, date]] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        """Flush every ``flush_interval_s`` and check for spikes every ``spike_check_interval_s``."""
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name="key-signal-monitor")

    async def stop(self) -> None:
        """Stop the loop (a write in progress completes), then write whatever is still buffered."""
        if self._task is not None:
            self._stopping.set()
            await self._task
            self._task = None
        await self._guarded(self.flush)

    async def flush(self) -> int:
        """Write the buffered refusals, new key sources and off-hours use; how many events were recorded."""
        batch = self._signals.drain()
        groups = _by_company(batch)
        if not groups:
            return 0
        now = self._clock()
        self._active.update((use.company_id, now) for use in batch.uses)
        written: Written = []
        stored: list[SourceSighting] = []
        async with self._sessions() as session, session.begin():
            for company_id in sorted(groups):
                group = groups[company_id]
                done = await self._isolated(session, company_id, partial(self._flush_company, session, group))
                if done is not None:
                    written += done
                    stored += (*group.new_sources, *group.seen_sources)
        # Only pairs now in the database: those of a failed flush stay unknown, their next call retries.
        self._signals.learn(stored)
        return _counted(written)

    async def check_spikes(self) -> int:
        """Record spend and error spikes of the keys of companies active in the last hour; how many."""
        now = self._clock()
        since = now - timedelta(hours=1)
        self._active = {company: at for company, at in self._active.items() if at >= since}
        if not self._active:
            return 0
        written: Written = []
        async with self._sessions() as session, session.begin():
            for company_id in sorted(self._active):
                check = partial(self._company_spikes, session, company_id, now)
                written += await self._isolated(session, company_id, check) or []
        return _counted(written)

    async def _run(self) -> None:
        settings = self._settings
        next_check = time.monotonic() + settings.spike_check_interval_s
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), settings.flush_interval_s)
            await self._guarded(self.flush)
            if time.monotonic() >= next_check and not self._stopping.is_set():
                next_check = time.monotonic() + settings.spike_check_interval_s
                await self._guarded(self.check_spikes)

    @staticmethod
    async def _guarded(step: Callable[[], Awaitable[int]]) -> None:
        # The loop outlives any one failure (database restarting, network): the signals of that
        # interval are lost, the next interval is written.
        try:
            await step()
        except Exception as exc:  # a background loop, like the job runner: it must outlive any failure
            if failure_kind(exc) is None:  # a database outage is logged once, by the database watch
                log.exception("key_signals_failed", step=step.__name__)

    @staticmethod
    async def _isolated(
        session: AsyncSession, company_id: uuid.UUID, work: Callable[[], Awaitable[Written]]
    ) -> Written | None:
        """One company's statements in a savepoint, in its tenant context: a failure costs only its own
        signals (None)."""
        try:
            async with session.begin_nested():
                await apply_context(session, DbContext(company_id=company_id))
                return await work()
        except SQLAlchemyError:
            log.exception("key_signals_company_failed", company_id=str(company_id))
            return None

    async def _flush_company(self, session: AsyncSession, batch: CompanySignals) -> Written:
        company_id = batch.company_id
        rows = [rules.rejection(r) for r in batch.rejections]
        sources = [s for s in batch.new_sources if rules.valid_ip(s.ip) is not None]
        for key_id, ip, first_seen in await repo.add_sources(session, company_id, sources):
            rows.append(rules.new_ip(key_id, ip, first_seen))
        seen = [s for s in batch.seen_sources if rules.valid_ip(s.ip) is not None]
        await repo.refresh_sources(session, company_id, seen)
        rows += await self._off_hours(session, company_id, batch.uses)
        return await repo.insert_events(session, company_id, rows)

    async def _off_hours(
        self, session: AsyncSession, company_id: uuid.UUID, uses: list[KeyUse]
    ) -> list[EventRow]:
        """Uses outside working hours, once per key and local day (remembered here, deduplicated in SQL)."""
        hours = await self._working_hours(session, company_id) if uses else None
        if hours is None:
            return []
        if len(self._off_hours_seen) > MAX_REMEMBERED:
            self._off_hours_seen.clear()
        rows = []
        for use in uses:
            for at in dict.fromkeys((use.first_at, use.last_at)):
                moment = datetime.fromtimestamp(at, UTC)
                day = (use.api_key_id, hours.local_day(moment))
                if day not in self._off_hours_seen and not hours.covers(moment):
                    self._off_hours_seen.add(day)
                    rows.append(rules.off_hours(use.api_key_id, moment, hours))
        return rows

    async def _company_spikes(self, session: AsyncSession, company_id: uuid.UUID, now: datetime) -> Written:
        hours = await self._working_hours(session, company_id)
        if hours is None:
            return []
        limits = self._thresholds()
        since = now - timedelta(hours=1)
        today = hours.local_day(now)
        periods = sorted({hours.local_day(since).replace(day=1), today.replace(day=1)})
        trailing = (today - timedelta(days=limits.trailing_days), today)
        found = await repo.key_hours(session, company_id, since, periods, trailing)
        rows = [event for key_hour in found for event in rules.spikes(key_hour, limits, now)]
        return await repo.insert_events(session, company_id, rows)

    async def _working_hours(self, session: AsyncSession, company_id: uuid.UUID) -> WorkingHours | None:
        """The company's working hours, cached for ``working_hours_cache_s``."""
        cached = self._hours.get(company_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        row = await repo.working_hours(session, company_id)
        hours = None
        if row is not None:
            days = frozenset(row["work_days"])
            hours = WorkingHours(ZoneInfo(row["time_zone"]), row["work_start"], row["work_end"], days)
        if len(self._hours) > MAX_REMEMBERED:
            self._hours.clear()
        self._hours[company_id] = (time.monotonic() + self._settings.working_hours_cache_s, hours)
        return hours

    def _thresholds(self) -> SpikeThresholds:
        s = self._settings
        return SpikeThresholds(
            factor=s.spike_factor,
            spend_floor_micro_usd=usd_to_micro(s.spend_spike_floor_usd),
            error_floor=s.error_spike_floor,
            trailing_days=s.spike_trailing_days,
        )


def _by_company(batch: SignalBatch) -> dict[uuid.UUID, CompanySignals]:
    groups: dict[uuid.UUID, CompanySignals] = {}

    def group(company_id: uuid.UUID) -> CompanySignals:
        found = groups.get(company_id)
        if found is None:
            found = groups[company_id] = CompanySignals(company_id)
        return found

    for rejection in batch.rejections:
        group(rejection.company_id).rejections.append(rejection)
    for use in batch.uses:
        group(use.company_id).uses.append(use)
    for source in batch.new_sources:
        group(source.company_id).new_sources.append(source)
    for source in batch.seen_sources:
        group(source.company_id).seen_sources.append(source)
    return groups


def _counted(written: Written) -> int:
    for kind, reason in written:
        SECURITY_EVENTS.labels(kind=kind).inc()
        if reason is not None:
            UNUSUAL_KEY_USE.labels(reason=reason).inc()
    return len(written)
