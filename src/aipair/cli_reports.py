"""``aipair report db`` and ``aipair report usage``: the database's connections and slow statements, and
this month's usage across companies."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import typer

from aipair.cli_support import database, run_async, settings, system_session
from aipair.db.urls import libpq
from aipair.kit.money import micro_to_usd
from aipair.observability.db_report import ReportSection, database_report
from aipair.runtime import Runtime
from aipair.usage.platform import PlatformUsageService

USAGE_COLUMNS = ["slug", "plan", "status", "users", "ai_requests", "ai_requests_limit", "tokens", "cost_usd"]


def _print(section: ReportSection) -> None:
    typer.echo(f"\n== {section.title}")
    if section.rows:
        typer.echo(" | ".join(section.columns))
        for row in section.rows:
            typer.echo(" | ".join("" if v is None else str(v) for v in row))
    if section.note:
        typer.echo(section.note)


def report_db() -> None:
    """Connections (total, active, idle: the runbook's query), connections per application and state,
    pool capacity, and the slowest statements (pg_stat_statements, or how to enable it)."""
    config = settings()
    with database(config) as urls, psycopg.connect(libpq(urls.owner)) as conn:
        sections = database_report(conn, config)
    for section in sections:
        _print(section)


def report_usage(
    over: int = typer.Option(0, min=0, help="Only companies with more AI requests this month"),
    as_json: bool = typer.Option(False, "--json", help="One JSON array instead of a table"),
) -> None:
    """Companies above a number of AI requests this month, most first (the runbook's capacity query,
    compared as numbers), with members, limit, tokens and cost."""
    config = settings()

    async def work(runtime: Runtime) -> list[dict[str, Any]]:
        async with system_session(runtime) as (session, principal):
            return await PlatformUsageService().companies_over(session, principal, over)

    rows = [_usage_row(row) for row in run_async(config, work)]
    if as_json:
        typer.echo(json.dumps(rows, default=str))
        return
    _print(ReportSection(f"Companies over {over} AI requests this month", USAGE_COLUMNS,
                         [tuple(row[c] for c in USAGE_COLUMNS) for row in rows]))  # fmt: skip
    typer.echo(f"{len(rows)} companies")


def _usage_row(row: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in row.items() if k not in ("cost_micro_usd", "budget_micro_usd")}
    values["cost_usd"] = micro_to_usd(row["cost_micro_usd"])
    return values
