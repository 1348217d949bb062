"""``aipair report``: operational reports, read as the owner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from aipair.config import SupportSettings
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
