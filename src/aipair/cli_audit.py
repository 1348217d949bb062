"""``aipair audit`` and ``aipair report``: the audit chain and the security views, as the owner."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import typer

from aipair.audit.chain import ChainReport, verify_chains
from aipair.cli_support import database, settings
from aipair.db.urls import libpq
from aipair.security.report import Section, security_report

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
report_app = typer.Typer(help="Operational reports.", no_args_is_help=True)


def _company_id(conn: psycopg.Connection, slug: str) -> uuid.UUID:
    row = conn.execute("SELECT id FROM companies WHERE slug = %s", [slug]).fetchone()
    if row is None:
        typer.echo(f"error: no company {slug!r}", err=True)
        raise typer.Exit(2)
    company_id: uuid.UUID = row[0]
    return company_id


def _line(report: ChainReport, slugs: dict[uuid.UUID, str]) -> str:
    name = slugs.get(report.company_id, str(report.company_id))
    if report.broken is None:
        return f"ok      {name}: {report.rows} rows, head {report.head}"
    broken = report.broken
    return f"BROKEN  {name}: row {broken.row_id} (seq {broken.seq}): {broken.reason}"


@audit_app.command("verify")
def verify(
    company: str | None = typer.Option(None, help="Slug of one company (default: every company)"),
) -> None:
    """Recompute every company's hash chain and name the first broken row; exits 1 on tampering."""
    with database(settings()) as urls, psycopg.connect(libpq(urls.owner)) as conn:
        company_id = _company_id(conn, company) if company else None
        slugs: dict[uuid.UUID, str] = dict(conn.execute("SELECT id, slug FROM companies").fetchall())
        reports = list(verify_chains(conn, company_id))
    for report in reports:
        typer.echo(_line(report, slugs))
    broken = sum(1 for r in reports if r.broken)
    typer.echo(f"{len(reports)} chains, {sum(r.rows for r in reports)} rows, {broken} broken")
    if broken:
        raise typer.Exit(1)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _print(section: Section) -> None:
    typer.echo(f"\n== {section.title}: {len(section.rows)} rows")
    if not section.rows:
        return
    typer.echo(" | ".join(section.columns))
    for row in section.rows:
        typer.echo(" | ".join(_cell(v) for v in row))


@report_app.command("security")
def security() -> None:
    """The runbook's suspicious-activity views: failed logins, support actions, probes, staff activity."""
    config = settings()
    with database(config) as urls, psycopg.connect(libpq(urls.owner)) as conn:
        sections = security_report(
            conn, config.support.actions_per_day_threshold, config.support.large_increase_threshold
        )
    for section in sections:
        _print(section)
