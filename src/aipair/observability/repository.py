"""Every SQL statement of observability (owner functions: the application role reads no other rows)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

RECORD_ACTIVITY = "SELECT record_activity($1::text[], $2::uuid[], $3::timestamptz[])"
SNAPSHOT = "SELECT name, label, value FROM observability_snapshot()"


async def record_activity(
    pool: asyncpg.Pool, seen: Sequence[tuple[str, uuid.UUID, datetime]], timeout_s: float
) -> None:
    """Move ``last_seen_at`` of each (kind, principal id) forward."""
    kinds, ids, times = zip(*seen, strict=True) if seen else ((), (), ())
    await pool.execute(RECORD_ACTIVITY, list(kinds), list(ids), list(times), timeout=timeout_s)


async def snapshot(pool: asyncpg.Pool, timeout_s: float) -> list[tuple[str, str, float]]:
    """(name, label, value) rows of ``observability_snapshot()``."""
    rows: list[Any] = await pool.fetch(SNAPSHOT, timeout=timeout_s)
    return [(row["name"], row["label"], float(row["value"])) for row in rows]
