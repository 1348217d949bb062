"""Who was active lately: every user and API key a request acted as, written about every 15 seconds.

Requests only add an id to a set in memory; a background task writes the set in one statement, so the
active-users gauge (distinct users and keys in the last five minutes, across every process and replica)
costs nothing on the request path.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog

from aipair.db.failures import failure_kind
from aipair.kit.background import cancel_and_wait
from aipair.observability import repository as repo

log = structlog.get_logger("aipair.metrics")
FLUSH_EVERY_S = 15.0


def acting_principal(state: dict[str, Any]) -> tuple[str, uuid.UUID] | None:
    """The user or key a request acted as (its principal, or the gateway's caller), if any."""
    actor = state.get("principal") or state.get("caller")
    if actor is None:
        return None
    key_id = getattr(actor, "api_key_id", None) or getattr(actor, "key_id", None)
    if isinstance(key_id, uuid.UUID):
        return "key", key_id
    user_id = getattr(actor, "user_id", None)
    return ("user", user_id) if isinstance(user_id, uuid.UUID) else None


class ActivityRecorder:
    """Remembers who acted since the last flush and writes it in the background."""

    def __init__(self, flush_every_s: float = FLUSH_EVERY_S) -> None:
        self._seen: dict[tuple[str, uuid.UUID], float] = {}
        self._flush_every = flush_every_s
        self._pool: asyncpg.Pool | None = None
        self._task: asyncio.Task[None] | None = None

    def seen(self, principal: tuple[str, uuid.UUID]) -> None:
        """Note that ``principal`` acted now."""
        self._seen[principal] = time.time()

    def start(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._task = asyncio.create_task(self._run(), name="activity-flush")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self.flush()

    async def flush(self) -> None:
        """Write what was seen since the last flush (kept for the next one when the database is down)."""
        if not self._seen or self._pool is None:
            return
        seen, self._seen = self._seen, {}
        try:
            rows = [(k, i, datetime.fromtimestamp(at, UTC)) for (k, i), at in seen.items()]
            await repo.record_activity(self._pool, rows, 5.0)
        except Exception as exc:  # a background write: kept and retried, reported by the database watch
            if failure_kind(exc) is None:
                log.exception("activity_not_recorded")
            for principal, at in seen.items():
                self._seen.setdefault(principal, at)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._flush_every)
            await self.flush()
