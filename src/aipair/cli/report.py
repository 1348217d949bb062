"""``aipair report``: operational reports, read as the owner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from aipair.config import SupportSettings
    from aipair.observability.db_report import ReportSection
    from aipair.security.report import Section

app = typer.Typer(help="Operational reports.", no_args_is_help=True)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _print(section: Section) -> None:
    typer.echo(f"\n== {section.title}: {len(section.rows)} rows")
    if not section.rows:
        return
    typer.echo(" | ".join(section.columns))
    for row in section.rows:
        typer.echo(" | ".join(_cell(v) for v in row))


async def _report(owner_url: str, thresholds: SupportSettings) -> list[Section]:
    from aipair.db.raw import direct_connection
    from aipair.security.report import security_report

    async with direct_connection(owner_url) as conn:
        return await security_report(
            conn, thresholds.actions_per_day_threshold, thresholds.large_increase_threshold
        )


@app.command("security")
def security() -> None:
    """The runbook's suspicious-activity views: failed logins, support actions, probes, staff activity."""
    import asyncio

    from aipair.cli.support import database, settings

    config = settings()
    with database(config) as urls:
        sections = asyncio.run(_report(urls.owner, config.support))
    for section in sections:
        _print(section)


@app.command("keys")
def keys() -> None:
    """Key age: API keys older than a quarter, and the last rotation of the database password
    (bi-annually) and of the secrets key (annually) against the runbook's rotation schedule."""
    import psycopg

    from aipair.cli.support import database, settings
    from aipair.composition import secret_box
    from aipair.db.urls import libpq
    from aipair.ops.keys.report import key_report

    config = settings()
    with database(config) as urls, psycopg.connect(libpq(urls.owner)) as conn:
        sections = key_report(conn, secret_box(config))
    for section in sections:
        _print(section)


def _print_report(section: ReportSection) -> None:
    typer.echo(f"\n== {section.title}")
    if section.rows:
        typer.echo(" | ".join(section.columns))
        for row in section.rows:
            typer.echo(" | ".join(_cell(v) for v in row))
    if section.note:
        typer.echo(section.note)


@app.command("db")
def db() -> None:
    """Connections (total, active, idle: the runbook's query), connections per application and state,
    pool capacity, and the slowest statements (pg_stat_statements, or how to enable it)."""
    import psycopg

    from aipair.cli.support import database, settings
    from aipair.db.urls import libpq
    from aipair.observability.db_report import database_report

    config = settings()
    with database(config) as urls, psycopg.connect(libpq(urls.owner)) as conn:
        sections = database_report(conn, config)
    for section in sections:
        _print_report(section)


USAGE_COLUMNS = ["slug", "plan", "status", "users", "ai_requests", "ai_requests_limit", "tokens", "cost_usd"]


@app.command("usage")
def usage(
    over: int = typer.Option(0, min=0, help="Only companies with more AI requests this month"),
    as_json: bool = typer.Option(False, "--json", help="One JSON array instead of a table"),
) -> None:
    """Companies above a number of AI requests this month, most first (the runbook's capacity query,
    compared as numbers), with members, limit, tokens and cost."""
    import json

    from aipair.cli.support import run_async, settings, system_session
    from aipair.composition import Runtime
    from aipair.kit.money import micro_to_usd
    from aipair.observability.db_report import ReportSection
    from aipair.usage.platform import PlatformUsageService

    async def work(runtime: Runtime) -> list[dict[str, Any]]:
        async with system_session(runtime) as (session, principal):
            return await PlatformUsageService().companies_over(session, principal, over)

    rows = [
        {
            **{k: v for k, v in row.items() if not k.endswith("micro_usd")},
            "cost_usd": micro_to_usd(row["cost_micro_usd"]),
        }
        for row in run_async(settings(), work)
    ]
    if as_json:
        typer.echo(json.dumps(rows, default=str))
        return
    table = [tuple(row[c] for c in USAGE_COLUMNS) for row in rows]
    _print_report(ReportSection(f"Companies over {over} AI requests this month", USAGE_COLUMNS, table))
    typer.echo(f"{len(rows)} companies")
