"""The runbook's suspicious-activity views (verbatim where the runbook gives them), run as the owner
exactly as an operator's psql would."""

from __future__ import annotations

from typing import Any

import asyncpg

# Verbatim from the operations runbook ("Suspicious Activity Detection").
RUNBOOK_FAILED_LOGINS = """SELECT user_id, count(*) as failed_attempts, max(created_at) as last_attempt
FROM auth.failed_logins
WHERE created_at > NOW() - INTERVAL '1 hour'
GROUP BY user_id
HAVING count(*) > 10;"""
RUNBOOK_SUPPORT_ACTIONS = """SELECT * FROM support_actions_log
WHERE created_at > NOW() - INTERVAL '24 hours'
ORDER BY created_at DESC;"""
FAILED_LOGINS_BY_IP = """SELECT host(ip) AS ip, count(*) AS failed_attempts,
       count(DISTINCT lower(email)) AS accounts, max(created_at) AS last_attempt
FROM auth.failed_logins
WHERE created_at > NOW() - INTERVAL '1 hour' AND ip IS NOT NULL
GROUP BY ip
HAVING count(*) > 10
ORDER BY failed_attempts DESC;"""
PROBES = """SELECT c.slug AS company, e.user_id, e.api_key_id, count(*) AS probes,
       max(e.created_at) AS last_probe, string_agg(DISTINCT e.path, ' ') AS routes
FROM security_events e LEFT JOIN companies c ON c.id = e.company_id
WHERE e.kind = 'cross_tenant_probe' AND e.created_at > NOW() - INTERVAL '24 hours'
GROUP BY c.slug, e.user_id, e.api_key_id
ORDER BY probes DESC;"""
SUPPORT_VOLUME = """SELECT support_user_id, (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS actions,
       count(DISTINCT target_company_id) AS companies
FROM support_actions_log
WHERE created_at > NOW() - INTERVAL '7 days'
GROUP BY 1, 2
HAVING count(*) > $1
ORDER BY day DESC, actions DESC;"""
LIMIT_INCREASES = """SELECT e.user_id AS support_user_id, c.slug AS company,
       (e.detail->>'extra')::int AS extra, e.created_at
FROM security_events e LEFT JOIN companies c ON c.id = e.company_id
WHERE e.kind = 'support_limit_increase' AND e.created_at > NOW() - INTERVAL '7 days'
  AND (e.detail->>'extra')::int > $1
ORDER BY e.created_at DESC;"""

KEY_REJECTIONS = """SELECT c.slug AS company, k.prefix AS key, e.kind, e.detail->>'limit' AS limit,
       sum((e.detail->>'count')::int) AS rejections, max(e.created_at) AS last_at
FROM security_events e LEFT JOIN companies c ON c.id = e.company_id
LEFT JOIN api_keys k ON k.id = e.api_key_id
WHERE e.kind IN ('rate_limited', 'budget_rejected') AND e.created_at > NOW() - INTERVAL '24 hours'
GROUP BY 1, 2, 3, 4
ORDER BY rejections DESC;"""
UNUSUAL_KEY_USE = """SELECT c.slug AS company, k.prefix AS key, e.detail->>'reason' AS reason,
       host(e.ip) AS ip, e.created_at, e.detail - 'reason' AS detail
FROM security_events e LEFT JOIN companies c ON c.id = e.company_id
LEFT JOIN api_keys k ON k.id = e.api_key_id
WHERE e.kind = 'unusual_key_use' AND e.created_at > NOW() - INTERVAL '7 days'
ORDER BY e.created_at DESC;"""


async def view(
    conn: asyncpg.Connection, query: str, *args: object
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """One view's column names and rows."""
    statement = await conn.prepare(query)
    columns = [attribute.name for attribute in statement.get_attributes()]
    return columns, [tuple(row) for row in await statement.fetch(*args)]
