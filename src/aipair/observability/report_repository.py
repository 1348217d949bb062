"""Every SQL statement of ``aipair report db``, read as the owner (psycopg)."""

from __future__ import annotations

from typing import Any

import psycopg

RUNBOOK_CONNECTIONS = """SELECT count(*) as total_connections,
       count(*) FILTER (WHERE state = 'active') as active_connections,
       count(*) FILTER (WHERE state = 'idle') as idle_connections
FROM pg_stat_activity;"""
BY_APPLICATION = """SELECT coalesce(nullif(application_name, ''), '(none)') AS application, usename AS role,
       coalesce(state, 'background') AS state, count(*) AS connections
FROM pg_stat_activity WHERE datname = current_database()
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
SLOWEST = """SELECT round(mean_exec_time::numeric, 2) AS mean_ms, calls,
       round(total_exec_time::numeric) AS total_ms,
       left(regexp_replace(query, '\\s+', ' ', 'g'), 120) AS query
FROM pg_stat_statements ORDER BY mean_exec_time DESC LIMIT 10"""
RUNBOOK_SLOWEST = (
    "SELECT query, mean_exec_time, calls FROM pg_stat_statements ORDER BY mean_exec_time DESC LIMIT 10;"
)
"""The runbook's slow-query check as PostgreSQL 13 and later name the column (``mean_time`` before)."""

Table = tuple[list[str], list[tuple[Any, ...]]]


def _table(conn: psycopg.Connection[Any], sql: str) -> Table:
    cursor = conn.execute(sql)
    return [c.name for c in cursor.description or []], list(cursor.fetchall())


def runbook_connections(conn: psycopg.Connection[Any]) -> Table:
    """The runbook's connection query, verbatim: total, active, idle."""
    return _table(conn, RUNBOOK_CONNECTIONS)


def connections_by_application(conn: psycopg.Connection[Any]) -> Table:
    """This database's connections by application, role and state."""
    return _table(conn, BY_APPLICATION)


def max_connections(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT current_setting('max_connections')::int").fetchone()
    return int(row[0]) if row else 0


def slowest_statements(conn: psycopg.Connection[Any]) -> Table | None:
    """The ten statements with the highest mean time, or None without ``pg_stat_statements``."""
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'").fetchone() is None:
        return None
    return _table(conn, SLOWEST)
