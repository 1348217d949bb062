"""Every SQL statement of the usage domain. The hot path uses asyncpg directly (one round trip per batch)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.db.raw import tenant_connection
from aipair.usage.models import NO_KEY

EXPIRE = "SELECT gateway_expire_reservations(make_interval(mins => $1), $2)"
USAGE_APPLY = "SELECT reserved, crossed::text FROM gateway_usage_apply($1::text::jsonb, $2::text::jsonb)"
USAGE_SINGLE = "SELECT settled, reserved FROM gateway_usage_batch($1::text::jsonb, $2::text::jsonb)"
GROUP_COLUMNS = {
    "model": "public_model",
    "provider_model": "model",
    "day": "day::text",
    "key": "api_key_id::text",
    "provider": "provider",
}


async def expire_reservations(pool: asyncpg.Pool, older_than_minutes: int, limit: int) -> int:
    """Close up to ``limit`` reservations older than the given age as abandoned; how many were."""
    closed: int = await pool.fetchval(EXPIRE, older_than_minutes, limit)
    return closed


async def apply_batch(
    db: asyncpg.Connection | asyncpg.Pool,
    settlements: Sequence[Sequence[Any]],
    reservations: Sequence[Sequence[Any]],
) -> tuple[dict[str, list[int]], list[str]]:
    """Settle and reserve a batch in one statement.

    Returns the budget thresholds each company crossed now (by company id) and each reservation's
    outcome ('ok', 'quota', 'budget', 'key_budget', 'duplicate'), in the order given. A batch of
    several items goes through ``gateway_usage_apply`` (set-based, one update per counter row and
    company); a lone item through ``gateway_usage_batch``, the per-request functions, which cost less
    for one. Both take the same locks in the same order and apply the same rules.
    """
    payload = (
        orjson.dumps(settlements, default=str).decode(),
        orjson.dumps(reservations, default=str).decode(),
    )
    if len(settlements) + len(reservations) > 1:
        row = await db.fetchrow(USAGE_APPLY, *payload)
        crossed: dict[str, list[int]] = orjson.loads(row["crossed"])
        return crossed, list(row["reserved"])
    row = await db.fetchrow(USAGE_SINGLE, *payload)
    crossed = {}
    for args, value in zip(settlements, row["settled"], strict=True):
        if thresholds := _thresholds(value):
            crossed[str(args[0])] = thresholds
    return crossed, list(row["reserved"])


def _thresholds(value: str | None) -> list[int]:
    """``'{50,80}'`` (a ``smallint[]`` sent as text) as ``[50, 80]``; None (already settled) as []."""
    inner = (value or "").strip("{}")
    return [int(part) for part in inner.split(",")] if inner else []


REFUSAL_ALERT = """
INSERT INTO budget_alerts
       (company_id, period, api_key_id, threshold_percent, spent_micro_usd, budget_micro_usd)
SELECT $1, $2, $3, 100,
       coalesce((SELECT cost_micro_usd FROM usage_counters
                  WHERE company_id = $1 AND period = $2 AND api_key_id = $3), 0), $4
ON CONFLICT DO NOTHING
RETURNING threshold_percent
"""


async def alert_refusal(
    pool: asyncpg.Pool, company_id: uuid.UUID, period: date, key_id: uuid.UUID | None, budget: int
) -> bool:
    """Record the 100 % alert of a budget that refused a call; True when it had not fired yet."""
    async with tenant_connection(pool, company_id) as conn:
        fired = await conn.fetchval(REFUSAL_ALERT, company_id, period, key_id or NO_KEY, budget)
    return fired is not None


async def webhook_target(pool: asyncpg.Pool, company_id: uuid.UUID) -> str | None:
    async with tenant_connection(pool, company_id) as conn:
        url: str | None = await conn.fetchval(
            "SELECT budget_webhook_url FROM companies WHERE id = $1", company_id
        )
        return url


async def alert_amounts(
    pool: asyncpg.Pool, company_id: uuid.UUID, period: date, threshold: int
) -> tuple[int, int]:
    """Spent and budget micro-USD recorded when the company-wide alert at ``threshold`` fired."""
    async with tenant_connection(pool, company_id) as conn:
        row = await conn.fetchrow(
            "SELECT spent_micro_usd, budget_micro_usd FROM budget_alerts WHERE company_id = $1"
            " AND period = $2 AND api_key_id = $3 AND threshold_percent = $4",
            company_id,
            period,
            NO_KEY,
            threshold,
        )
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def mark_alert(
    pool: asyncpg.Pool, company_id: uuid.UUID, period: date, threshold: int, status: str
) -> None:
    async with tenant_connection(pool, company_id) as conn:
        await conn.execute(
            "UPDATE budget_alerts SET webhook_status = $4 WHERE company_id = $1 AND period = $2"
            " AND api_key_id = '00000000-0000-0000-0000-000000000000' AND threshold_percent = $3",
            company_id,
            period,
            threshold,
            status,
        )


async def summary(
    session: AsyncSession, company_id: uuid.UUID, start: date, end: date, group_by: str
) -> list[dict[str, Any]]:
    """Totals per group from the daily roll-up: cost independent of how many events exist (by key:
    with the key's name and prefix)."""
    if group_by == "key":
        return await _summary_by_key(session, company_id, start, end)
    column = GROUP_COLUMNS[group_by]
    result = await session.execute(
        text(
            f"SELECT {column} AS key, sum(requests) AS requests, sum(errors) AS errors,"
            " sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,"
            " sum(cost_micro_usd) AS cost_micro_usd FROM usage_daily"
            " WHERE company_id = :c AND day BETWEEN :s AND :e GROUP BY 1 ORDER BY 1"
        ),
        {"c": company_id, "s": start, "e": end},
    )
    return [dict(row) for row in result.mappings()]


async def _summary_by_key(
    session: AsyncSession, company_id: uuid.UUID, start: date, end: date
) -> list[dict[str, Any]]:
    result = await session.execute(
        text(
            "SELECT u.api_key_id::text AS key, k.name, k.prefix, sum(u.requests) AS requests,"
            " sum(u.errors) AS errors, sum(u.input_tokens) AS input_tokens,"
            " sum(u.output_tokens) AS output_tokens, sum(u.cost_micro_usd) AS cost_micro_usd"
            " FROM usage_daily u LEFT JOIN api_keys k ON k.id = u.api_key_id AND k.company_id = u.company_id"
            " WHERE u.company_id = :c AND u.day BETWEEN :s AND :e GROUP BY 1, 2, 3 ORDER BY 1"
        ),
        {"c": company_id, "s": start, "e": end},
    )
    return [dict(row) for row in result.mappings()]


async def period_totals(session: AsyncSession, company_id: uuid.UUID, period: date) -> dict[str, Any] | None:
    result = await session.execute(
        text(
            "SELECT requests, reserved_micro_usd, cost_micro_usd, input_tokens, output_tokens"
            " FROM usage_counters"
            " WHERE company_id = :c AND period = :p AND api_key_id = '00000000-0000-0000-0000-000000000000'"
        ),
        {"c": company_id, "p": period},
    )
    row = result.mappings().one_or_none()
    return dict(row) if row else None


async def alerts(
    session: AsyncSession, company_id: uuid.UUID, limit: int, offset: int
) -> list[dict[str, Any]]:
    result = await session.execute(
        text(
            "SELECT period, threshold_percent, spent_micro_usd, budget_micro_usd, fired_at, webhook_status"
            " FROM budget_alerts WHERE company_id = :c ORDER BY fired_at DESC LIMIT :l OFFSET :o"
        ),
        {"c": company_id, "l": limit, "o": offset},
    )
    return [dict(row) for row in result.mappings()]


async def usage_event(session: AsyncSession, company_id: uuid.UUID, request_id: str) -> dict[str, Any] | None:
    result = await session.execute(
        text("SELECT * FROM usage_events WHERE company_id = :c AND request_id = :r"),
        {"c": company_id, "r": request_id},
    )
    row = result.mappings().one_or_none()
    return dict(row) if row else None


async def current_totals(pool: asyncpg.Pool, company_id: uuid.UUID, period: date) -> dict[str, int]:
    """Spent and reserved micro-USD of the company this period (zeros before the first request)."""
    async with tenant_connection(pool, company_id) as conn:
        row = await conn.fetchrow(
            "SELECT cost_micro_usd, reserved_micro_usd FROM usage_counters"
            " WHERE company_id = $1 AND period = $2 AND api_key_id = '00000000-0000-0000-0000-000000000000'",
            company_id,
            period,
        )
    return (
        {"cost_micro_usd": row[0], "reserved_micro_usd": row[1]}
        if row
        else {"cost_micro_usd": 0, "reserved_micro_usd": 0}
    )


async def companies_over(session: AsyncSession, over: int, limit: int) -> list[dict[str, Any]]:
    """Every company's usage this month above ``over`` AI requests (``platform_usage``: staff only)."""
    result = await session.execute(
        text(
            "SELECT company_id, slug, name, plan, status, users, ai_requests, ai_requests_limit, tokens,"
            " cost_micro_usd, budget_micro_usd FROM platform_usage(:over) LIMIT :limit"
        ),
        {"over": over, "limit": limit},
    )
    return [dict(row) for row in result.mappings()]
