"""``aipair report db``: the database as an operator sees it, run as the owner.

Connections (the runbook's query, verbatim), connections per application and state, the pools' capacity
against ``max_connections``, and the slowest statements when ``pg_stat_statements`` is available.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from aipair.config import Settings
from aipair.observability import report_repository as repo
from aipair.observability.report_repository import RUNBOOK_SLOWEST

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


def _pools(conn: psycopg.Connection[Any], settings: Settings) -> ReportSection:
    max_connections = repo.max_connections(conn)
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
    found = repo.slowest_statements(conn)
    if found is None:
        return ReportSection(title, [], [], ENABLE_STATEMENTS)
    return ReportSection(title, *found, RUNBOOK_NOTE)


def database_report(conn: psycopg.Connection[Any], settings: Settings) -> list[ReportSection]:
    """Every section of the report, from the owner's connection ``conn``."""
    return [
        ReportSection("Connections (runbook)", *repo.runbook_connections(conn)),
        ReportSection("Connections by application, role and state", *repo.connections_by_application(conn)),
        _pools(conn, settings),
        _slowest(conn),
    ]
