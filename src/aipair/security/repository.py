"""Every SQL statement of the security signals. Flushes, never commits.

``auth.failed_logins`` has no company and no RLS; ``security_events`` and ``support_actions_log``
show platform staff what their policies allow (see migration 0003).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.security.models import SecurityEvent
from aipair.security.schemas import EventFilter

FAILURES_BY_ACCOUNT = text("""
SELECT user_id, lower(email) AS email, count(*) AS failures, count(DISTINCT ip) AS addresses,
       max(created_at) AS last_attempt,
       (array_agg(created_at ORDER BY created_at DESC))[:threshold] AS nth_latest
FROM auth.failed_logins
WHERE created_at > now() - make_interval(mins => :minutes)
GROUP BY user_id, lower(email)
HAVING count(*) >= :threshold
ORDER BY failures DESC, last_attempt DESC
LIMIT :limit
""")
FAILURES_BY_ADDRESS = text("""
SELECT host(ip) AS ip, count(*) AS failures, count(DISTINCT lower(email)) AS accounts,
       max(created_at) AS last_attempt,
       (array_agg(created_at ORDER BY created_at DESC))[:threshold] AS nth_latest
FROM auth.failed_logins
WHERE created_at > now() - make_interval(mins => :minutes) AND ip IS NOT NULL
GROUP BY ip
HAVING count(*) >= :threshold
ORDER BY failures DESC, last_attempt DESC
LIMIT :limit
""")
ACTIVE_LOCKS = text("""
SELECT user_id, email, failures, locked_at, locked_until
FROM auth.login_locks
WHERE lifted_at IS NULL AND locked_until > now()
ORDER BY locked_at DESC
LIMIT :limit
""")
PROBES = text("""
SELECT company_id, user_id, api_key_id, count(*) AS probes, count(DISTINCT path) AS routes,
       max(created_at) AS last_at, (array_agg(DISTINCT path))[1:5] AS sample_paths
FROM security_events
WHERE kind = 'cross_tenant_probe' AND created_at > now() - make_interval(hours => :hours)
GROUP BY company_id, user_id, api_key_id
ORDER BY probes DESC, last_at DESC
LIMIT :limit
""")
ACTIONS_PER_DAY = text("""
SELECT support_user_id, (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS actions,
       count(DISTINCT target_company_id) AS companies
FROM support_actions_log
WHERE created_at > now() - make_interval(days => :days)
GROUP BY 1, 2
ORDER BY day DESC, actions DESC
""")
INCREASES_PER_WEEK = text("""
SELECT user_id AS support_user_id, date_trunc('week', created_at AT TIME ZONE 'UTC')::date AS week,
       count(*) AS increases, sum((detail->>'extra')::int) AS total_extra,
       max((detail->>'extra')::int) AS largest
FROM security_events
WHERE kind = 'support_limit_increase' AND created_at > now() - make_interval(days => :days)
GROUP BY 1, 2
ORDER BY week DESC, increases DESC
""")
LARGE_INCREASES = text("""
SELECT id, created_at, company_id, user_id AS support_user_id, (detail->>'extra')::int AS extra
FROM security_events
WHERE kind = 'support_limit_increase' AND created_at > now() - make_interval(days => :days)
  AND (detail->>'extra')::int > :large
ORDER BY created_at DESC
""")

# Refusals are stored aggregated (``detail.count`` calls per row, one row per flush interval).
KEY_REJECTIONS = text("""
SELECT company_id, api_key_id, kind, detail->>'limit' AS limit, sum((detail->>'count')::int) AS rejections,
       min((detail->>'first_at')::timestamptz) AS first_at, max((detail->>'last_at')::timestamptz) AS last_at,
       (array_agg(DISTINCT host(ip)) FILTER (WHERE ip IS NOT NULL))[1:5] AS sample_ips
FROM security_events
WHERE kind IN ('rate_limited', 'budget_rejected') AND created_at > now() - make_interval(hours => :hours)
  AND (CAST(:company AS uuid) IS NULL OR company_id = :company)
GROUP BY company_id, api_key_id, kind, detail->>'limit'
ORDER BY rejections DESC, last_at DESC
LIMIT :limit
""")


async def add_event(session: AsyncSession, event: SecurityEvent) -> None:
    session.add(event)
    await session.flush()


async def _rows(session: AsyncSession, query: Any, **params: object) -> list[dict[str, Any]]:
    result = await session.execute(query, params)
    return [dict(row) for row in result.mappings()]


async def failures(
    session: AsyncSession, minutes: int, threshold: int, limit: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Accounts and source addresses with at least ``threshold`` failed logins in ``minutes``."""
    params = {"minutes": minutes, "threshold": threshold, "limit": limit}
    return (
        await _rows(session, FAILURES_BY_ACCOUNT, **params),
        await _rows(session, FAILURES_BY_ADDRESS, **params),
    )


async def probes(session: AsyncSession, hours: int, limit: int) -> list[dict[str, Any]]:
    """Cross-tenant probes per principal in the last ``hours``."""
    return await _rows(session, PROBES, hours=hours, limit=limit)


async def support_activity(
    session: AsyncSession, days: int, large: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Staff actions per day, limit increases per week, and increases larger than ``large``."""
    return (
        await _rows(session, ACTIONS_PER_DAY, days=days),
        await _rows(session, INCREASES_PER_WEEK, days=days),
        await _rows(session, LARGE_INCREASES, days=days, large=large),
    )


async def key_rejections(
    session: AsyncSession, hours: int, company_id: uuid.UUID | None, limit: int
) -> list[dict[str, Any]]:
    """Refused calls per company, key, kind and limit in the last ``hours``, most first."""
    return await _rows(session, KEY_REJECTIONS, hours=hours, company=company_id, limit=limit)


async def list_events(
    session: AsyncSession, where: EventFilter, limit: int, offset: int
) -> list[SecurityEvent]:
    query = select(SecurityEvent)
    if where.kind is not None:
        query = query.where(SecurityEvent.kind == where.kind)
    if where.company_id is not None:
        query = query.where(SecurityEvent.company_id == where.company_id)
    if where.api_key_id is not None:
        query = query.where(SecurityEvent.api_key_id == where.api_key_id)
    if where.reason is not None:
        query = query.where(SecurityEvent.detail["reason"].astext == where.reason)
    query = (
        query.order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc()).limit(limit).offset(offset)
    )
    return list((await session.execute(query)).scalars())


async def active_locks(session: AsyncSession, limit: int) -> list[dict[str, Any]]:
    """Sign-in locks holding now, newest first."""
    result = await session.execute(ACTIVE_LOCKS, {"limit": limit})
    return [dict(row) for row in result.mappings()]
