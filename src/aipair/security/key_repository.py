"""Every SQL statement of the key-use signals. Flushes, never commits.

The writes run in one company's tenant context each (RLS decides what they may touch); rows travel as
one JSON array per statement, so a company's signals of a flush interval cost one round trip per table.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.security.rules import EventRow, KeyHour
from aipair.security.signals import SourceSighting

INSERT_EVENTS = text("""
INSERT INTO security_events (company_id, kind, user_id, api_key_id, ip, detail, dedup_key)
SELECT :company, r.kind, r.user_id, r.api_key_id, r.ip, coalesce(r.detail, '{}'), r.dedup_key
FROM jsonb_to_recordset(CAST(:rows AS jsonb))
     AS r(kind text, user_id uuid, api_key_id uuid, ip inet, detail jsonb, dedup_key text)
ON CONFLICT (company_id, dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING
RETURNING kind, detail->>'reason' AS reason
""")
# A pair inserted here is new to the key; it is a *new address* when the key already had another one:
# one recorded before this statement, or one inserted by it earlier in (first_seen_at, ip) order.
ADD_SOURCES = text("""
WITH added AS (
    INSERT INTO api_key_sources (company_id, api_key_id, ip, first_seen_at, last_seen_at)
    SELECT :company, r.api_key_id, r.ip, to_timestamp(r.at), to_timestamp(r.at)
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(api_key_id uuid, ip inet, at double precision)
    WHERE EXISTS (SELECT 1 FROM api_keys k WHERE k.company_id = :company AND k.id = r.api_key_id)
    ON CONFLICT DO NOTHING
    RETURNING api_key_id, ip, first_seen_at
)
SELECT a.api_key_id, host(a.ip) AS ip, a.first_seen_at,
       EXISTS (SELECT 1 FROM api_key_sources s WHERE s.company_id = :company AND s.api_key_id = a.api_key_id)
       OR EXISTS (SELECT 1 FROM added o WHERE o.api_key_id = a.api_key_id
                  AND (o.first_seen_at, o.ip) < (a.first_seen_at, a.ip)) AS had_other
FROM added a
""")
REFRESH_SOURCES = text("""
UPDATE api_key_sources s SET last_seen_at = to_timestamp(r.at)
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(api_key_id uuid, ip inet, at double precision)
WHERE s.company_id = :company AND s.api_key_id = r.api_key_id AND s.ip = r.ip
  AND s.last_seen_at < to_timestamp(r.at)
""")
WORKING_HOURS = text("SELECT time_zone, work_start, work_end, work_days FROM companies WHERE id = :company")
# The last hour of usage_events, bounded by the primary key's (company_id, period) prefix and the BRIN
# index on created_at; the trailing days from the usage_daily roll-up (its key leads with company, day).
KEY_HOURS = text("""
WITH recent AS (
    SELECT api_key_id, sum(cost_micro_usd) AS spend, count(*) FILTER (WHERE status = 'failed') AS errors
    FROM usage_events
    WHERE company_id = :company AND period = ANY(:periods) AND created_at >= :since
      AND api_key_id IS NOT NULL
    GROUP BY api_key_id
), history AS (
    SELECT d.api_key_id, sum(d.cost_micro_usd) AS spend, sum(d.errors) AS errors
    FROM usage_daily d
    WHERE d.company_id = :company AND d.day >= :from_day AND d.day < :to_day
      AND d.api_key_id IN (SELECT api_key_id FROM recent)
    GROUP BY d.api_key_id
)
SELECT r.api_key_id, r.spend, r.errors, coalesce(t.spend, 0) AS trailing_spend,
       coalesce(t.errors, 0) AS trailing_errors
FROM recent r LEFT JOIN history t USING (api_key_id)
""")


def _json(rows: Sequence[Any]) -> str:
    # Ids may arrive as asyncpg's own UUID type (keys resolved on the gateway's raw connections).
    return orjson.dumps(rows, default=str).decode()


async def insert_events(
    session: AsyncSession, company_id: uuid.UUID, rows: Sequence[EventRow]
) -> list[tuple[str, str | None]]:
    """Insert the company's events (a duplicate ``dedup_key`` is skipped); (kind, reason) of each new row."""
    if not rows:
        return []
    result = await session.execute(
        INSERT_EVENTS, {"company": company_id, "rows": _json([asdict(r) for r in rows])}
    )
    return [(row.kind, row.reason) for row in result]


async def add_sources(
    session: AsyncSession, company_id: uuid.UUID, sightings: Sequence[SourceSighting]
) -> list[tuple[uuid.UUID, str, datetime]]:
    """Record (key, address) pairs; those that are a key's additional address: (key, ip, first seen)."""
    if not sightings:
        return []
    rows = [{"api_key_id": s.api_key_id, "ip": s.ip, "at": s.at} for s in sightings]
    result = await session.execute(ADD_SOURCES, {"company": company_id, "rows": _json(rows)})
    return [(row.api_key_id, row.ip, row.first_seen_at) for row in result if row.had_other]


async def refresh_sources(
    session: AsyncSession, company_id: uuid.UUID, sightings: Sequence[SourceSighting]
) -> None:
    """Move ``last_seen_at`` of known pairs forward."""
    if sightings:
        rows = [{"api_key_id": s.api_key_id, "ip": s.ip, "at": s.at} for s in sightings]
        await session.execute(REFRESH_SOURCES, {"company": company_id, "rows": _json(rows)})


async def working_hours(session: AsyncSession, company_id: uuid.UUID) -> dict[str, Any] | None:
    """The company's time zone and working hours (None when it does not exist)."""
    row = (await session.execute(WORKING_HOURS, {"company": company_id})).mappings().first()
    return dict(row) if row else None


async def key_hours(
    session: AsyncSession,
    company_id: uuid.UUID,
    since: datetime,
    periods: Sequence[date],
    trailing: tuple[date, date],
) -> list[KeyHour]:
    """Spend and failed calls of every key of the company since ``since``, with its trailing totals
    over the days ``trailing[0]`` (included) to ``trailing[1]`` (excluded)."""
    params = {
        "company": company_id,
        "since": since,
        "periods": list(periods),
        "from_day": trailing[0],
        "to_day": trailing[1],
    }
    result = await session.execute(KEY_HOURS, params)
    return [
        KeyHour(
            row.api_key_id, int(row.spend), int(row.errors), int(row.trailing_spend), int(row.trailing_errors)
        )
        for row in result
    ]
