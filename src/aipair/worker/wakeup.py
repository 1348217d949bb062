"""Workers wake up as soon as a job is ready, not at their next poll.

Every change that makes a job ready (enqueue, retry) sends ``NOTIFY aipair_jobs`` in its own
transaction, so PostgreSQL delivers it exactly when the job becomes visible, at commit. Each worker
``LISTEN``s on a connection of its own (pooled connections never hold session state). Polling stays the
safety net: for delayed jobs and retries coming due, and whenever the listening connection is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
import structlog

log = structlog.get_logger("aipair.worker")

CHANNEL = "aipair_jobs"


class QueueWakeup:
    """An event set whenever a job is announced on :data:`CHANNEL`."""

    def __init__(self, dsn: str | None) -> None:
        self._dsn = dsn
        self._conn: Any = None
        self.ready = asyncio.Event()

    async def start(self) -> None:
        """Start listening; without a DSN, or on failure, the worker just polls (logged, not raised)."""
        if self._dsn is None:
            return
        try:
            self._conn = await asyncpg.connect(
                self._dsn, server_settings={"application_name": "aipair-worker"}
            )
            await self._conn.add_listener(CHANNEL, self._announced)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("worker_listen_unavailable", error=type(exc).__name__)
            await self.close()

    @property
    def listening(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    def _announced(self, *_: object) -> None:
        self.ready.set()

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await conn.close(timeout=5)
