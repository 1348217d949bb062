"""``aipair report db``: the database as an operator sees it, run as the owner.

Connections (the runbook's query, verbatim), connections per application and state, the pools' capacity
against ``max_connections``, and the slowest statements when ``pg_stat_statements`` is available.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from aipair.config import Settings

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
RUNBOOK_NOTE = f"The runbook's query (mean_time is mean_exec_time since PostgreSQL 13): {RUNBOOK_SLOWEST}"
ENABLE_STATEMENTS = (
    "pg_stat_statements is not enabled on this server. To see the slowest statements: add"
    " shared_preload_libraries = 'pg_stat_statements' to postgresql.conf, restart PostgreSQL, then run"
    " CREATE EXTENSION pg_stat_statements; as a superuser (managed services enable it in their console;"
    " the embedded server does not ship it)."
)


@dataclass(frozen=True)
class ReportSection:
    """A titled table, or a note instead of rows."""

    title: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    note: str = ""


def _query(conn: psycopg.Connection[Any], title: str, sql: str) -> ReportSection:
    cursor = conn.execute(sql)
    return ReportSection(title, [c.name for c in cursor.description or []], list(cursor.fetchall()))


def _pools(conn: psycopg.Connection[Any], settings: Settings) -> ReportSection:
    row = conn.execute("SELECT current_setting('max_connections')::int").fetchone()
    max_connections = row[0] if row else 0
    orm = settings.db_pool_size + settings.db_max_overflow
    gateway = settings.gateway.pool_size
    rows = [
        ("orm (API, jobs)", settings.db_pool_size, settings.db_max_overflow, orm),
        ("gateway (AI hot path)", gateway, 0, gateway),
        ("per server process", None, None, orm + gateway),
        ("server max_connections", None, None, max_connections),
    ]
    note = (
        f"Each server or worker process opens at most {orm + gateway} connections: "
        f"{max_connections // max(1, orm + gateway)} processes fit in max_connections."
    )
    return ReportSection("Pool capacity (settings)", ["pool", "size", "overflow", "capacity"], rows, note)


def _slowest(conn: psycopg.Connection[Any]) -> ReportSection:
    title = "Slowest statements by mean time (pg_stat_statements)"
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'").fetchone() is None:
        return ReportSection(title, [], [], ENABLE_STATEMENTS)
    found = _query(conn, title, SLOWEST)
    return ReportSection(found.title, found.columns, found.rows, RUNBOOK_NOTE)


def database_report(conn: psycopg.Connection[Any], settings: Settings) -> list[ReportSection]:
    """Every section of the report, from the owner's connection ``conn``."""
    return [
        _query(conn, "Connections (runbook)", RUNBOOK_CONNECTIONS),
        _query(conn, "Connections by application, role and state", BY_APPLICATION),
        _pools(conn, settings),
        _slowest(conn),
    ]
