"""What every process knows about maintenance, kept in memory so checking costs next to nothing.

``MaintenanceState.window`` holds the window in progress or the next one as epoch seconds; a request
compares it with the clock. A :class:`MaintenanceWatcher` keeps it current: it ``LISTEN``s on
``aipair_maintenance`` (a trigger notifies every change at commit) and re-reads the state every
``refresh_s`` seconds as well, in case a notification is lost with its connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import structlog

from aipair.config import Settings
from aipair.db.connector import Connector
from aipair.db.failures import DatabaseUnavailable, failure_kind
from aipair.ops.maintenance import repository as repo

log = structlog.get_logger("aipair.maintenance")
CHANNEL = "aipair_maintenance"


class MaintenanceState:
    """The window in progress or next (``(start, end)`` in epoch seconds) and the platform company."""

    __slots__ = ("platform_company_id", "window")

    def __init__(self) -> None:
        self.window: tuple[float, float] | None = None
        self.platform_company_id: uuid.UUID | None = None

    def retry_after(self, now: float | None = None) -> int | None:
        """Seconds until the window in progress ends, or None outside maintenance."""
        window = self.window
        if window is None:
            return None
        moment = time.time() if now is None else now
        if window[0] <= moment < window[1]:
            return max(1, math.ceil(window[1] - moment))
        return None

    @property
    def active(self) -> bool:
        return self.retry_after() is not None


class MaintenanceWatcher:
    """Keeps a :class:`MaintenanceState` current from the database (NOTIFY, and a periodic re-read)."""

    def __init__(
        self,
        state: MaintenanceState,
        connect: Callable[[], Awaitable[Any]],
        platform_slug: str,
        refresh_s: float,
        listen: bool,
    ) -> None:
        self.state = state
        self._connect = connect
        self._slug = platform_slug
        self._refresh_s = refresh_s
        self._listen = listen
        self._conn: Any = None
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self) -> None:
        """Read the state once, then keep it current in the background."""
        await self._reload()
        self._task = asyncio.create_task(self._run(), name="maintenance-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._disconnect()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), self._refresh_s)
            self._changed.clear()
            await self._reload()

    async def _reload(self) -> None:
        try:
            conn = await self._connection()
            row = await repo.current_or_next_window(conn)
            if self.state.platform_company_id is None:
                self.state.platform_company_id = await repo.platform_company_id(conn, self._slug)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, DatabaseUnavailable) as exc:
            if failure_kind(exc) is None:  # a database outage is logged once, by the database watch
                log.warning("maintenance_state_unavailable", error=type(exc).__name__)
            await self._disconnect()
            return
        self.state.window = (row["starts"], row["ends"]) if row else None

    async def _connection(self) -> Any:
        if self._conn is None or self._conn.is_closed():
            self._conn = await self._connect()
            if self._listen:
                await self._conn.add_listener(CHANNEL, self._notified)
        return self._conn

    def _notified(self, *_: object) -> None:
        self._changed.set()

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()  # nothing to flush; a paused server must not hold the watcher


def maintenance_watcher(
    settings: Settings, connector: Connector, state: MaintenanceState
) -> MaintenanceWatcher:
    """A watcher of ``state`` on a connection of the application role (polling only behind a transaction
    pooler, which gives no session to ``LISTEN`` on)."""
    return MaintenanceWatcher(
        state,
        lambda: connector.connect("aipair-maintenance"),
        settings.platform.company_slug,
        settings.maintenance.refresh_s,
        listen=settings.db_pooler != "transaction",
    )
