"""One process's view of whether the database is usable: a probe, one log line per outage, fast refusals.

A connection of its own runs ``SELECT 1`` every ``interval_s``. When a probe fails, a second one on a
fresh connection decides: both failed (refused, or no answer within ``timeout_s``, as with a paused
server) and the database is declared down. Then, at once:

- one warning is logged (``database_unavailable``), however many requests fail meanwhile;
- every live connection of the process is closed, so queries blocked on a paused server end now;
- new connections are refused without waiting (503 ``database_unavailable`` with ``Retry-After``).

The probe keeps trying; its first success (or any connection the server accepts meanwhile) logs
``database_recovered`` with the outage's length and lets connections through again. A request or job
that meets a failure reports it (:meth:`DatabaseWatch.report`): the probe runs at once, so an outage is
declared as early as possible, while a single dropped connection (the database answering) declares
nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import structlog

from aipair.db.connector import Connector
from aipair.db.failures import DatabaseUnavailable, FailureKind
from aipair.kit.background import cancel_and_wait
from aipair.observability.metrics import DB_ERRORS, DB_UP

log = structlog.get_logger("aipair.db")


class DatabaseWatch:
    """Probes the database and keeps the up/down state of the process."""

    def __init__(self, connector: Connector, *, interval_s: float, timeout_s: float) -> None:
        self._connector = connector
        self._interval = interval_s
        self._timeout = timeout_s
        self._conn: Any = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.up = True
        self.down_since: float | None = None
        connector.available = lambda: self.up
        connector.connected = self._connected
        DB_UP.set(1)

    def start(self) -> None:
        """Start probing in the background (the lifespan of the server or the worker)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="database-watch")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self._close()

    def report(self, kind: FailureKind) -> None:
        """A request or job met a database failure: count it and probe now."""
        DB_ERRORS.labels(kind=kind).inc()
        if self.up:
            self._wake.set()

    def check(self) -> None:
        """Raise :class:`DatabaseUnavailable` at once during an outage (before any work starts)."""
        if not self.up:
            raise DatabaseUnavailable()

    async def _run(self) -> None:
        while True:
            failure = await self._probe()
            if failure is not None:  # one failure may be a dropped connection: ask a fresh one
                failure = await self._probe()
            if failure is None and not self.up:
                self._came_back()
            elif failure is not None and self.up:
                self._went_down(failure)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)

    async def _probe(self) -> str | None:
        """None when the database answered, else what went wrong."""
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await self._open()
            await asyncio.wait_for(self._conn.fetchval("SELECT 1"), self._timeout)
        except Exception as exc:  # the probe reports every failure as a state, never raises
            await self._close()
            cause = exc.__cause__ if isinstance(exc, DatabaseUnavailable) and exc.__cause__ else exc
            return type(cause).__name__
        return None

    async def _open(self) -> Any:
        # The probe bypasses the refusal gate: it is what finds out that the database is back.
        available, self._connector.available = self._connector.available, lambda: True
        try:
            return await asyncio.wait_for(self._connector.connect("aipair-probe"), self._timeout)
        finally:
            self._connector.available = available

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    def _connected(self) -> None:
        # A connection opened before the outage was declared has just been accepted: the server answers
        # again, and the rest of the process must not wait for the next probe to know it.
        if not self.up:
            self._came_back()

    def _went_down(self, cause: str) -> None:
        self.up = False
        self.down_since = time.monotonic()
        DB_UP.set(0)
        closed = self._connector.terminate_all()
        log.warning("database_unavailable", cause=cause, connections_closed=closed)

    def _came_back(self) -> None:
        down_for = time.monotonic() - (self.down_since or time.monotonic())
        self.up = True
        self.down_since = None
        DB_UP.set(1)
        log.warning("database_recovered", outage_s=round(down_for, 1))
