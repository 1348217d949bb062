"""Workers wake up as soon as a job is ready, not at their next poll.

Every change that makes a job ready (enqueue, retry) sends ``NOTIFY aipair_jobs`` in its own
transaction, so PostgreSQL delivers it exactly when the job becomes visible, at commit. Each worker
``LISTEN``s on a connection of its own (pooled connections never hold session state). Polling stays the
safety net: for delayed jobs and retries coming due, and whenever the listening connection is lost
(the worker listens again at its next poll, at most every ``RELISTEN_EVERY_S``: after a database
outage it is woken up on NOTIFY again without a restart).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import structlog

from aipair.db.connector import Connector
from aipair.db.failures import DatabaseUnavailable

log = structlog.get_logger("aipair.worker")

CHANNEL = "aipair_jobs"
RELISTEN_EVERY_S = 5.0


class QueueWakeup:
    """An event set whenever a job is announced on :data:`CHANNEL`."""

    def __init__(self, connector: Connector | None) -> None:
        self._connector = connector
        self._conn: Any = None
        self._next_try = 0.0
        self.ready = asyncio.Event()

    async def start(self) -> None:
        """Start listening; without a connector (behind a transaction pooler), or on failure, the worker
        just polls (logged, not raised)."""
        if self._connector is None:
            return
        self._next_try = time.monotonic() + RELISTEN_EVERY_S
        try:
            self._conn = await self._connector.connect("aipair-worker")
            await self._conn.add_listener(CHANNEL, self._announced)
        except (OSError, asyncpg.PostgresError, DatabaseUnavailable) as exc:
            log.warning("worker_listen_unavailable", error=type(exc).__name__)
            await self.close()

    async def ensure(self) -> None:
        """Listen again when the connection was lost (quietly: an outage is logged by the database watch)."""
        if self._connector is None or self.listening or time.monotonic() < self._next_try:
            return
        await self.close()
        self._next_try = time.monotonic() + RELISTEN_EVERY_S
        try:
            conn = await self._connector.connect("aipair-worker")
            await conn.add_listener(CHANNEL, self._announced)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, DatabaseUnavailable):
            return
        self._conn = conn
        self.ready.set()  # jobs may have been announced while nobody listened

    @property
    def listening(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    def _announced(self, *_: object) -> None:
        self.ready.set()

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()  # nothing to flush on a listening connection; a paused server must not block
