"""``aipair audit``: the tamper-evident audit trail, verified as the owner."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import uuid

    import psycopg

    from aipair.audit.chain import ChainReport

app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


def _company_id(conn: psycopg.Connection, slug: str) -> uuid.UUID:
    from aipair.cli.errors import CliError

    row = conn.execute("SELECT id FROM companies WHERE slug = %s", [slug]).fetchone()
    if row is None:
        raise CliError("not_found", f"no company {slug!r}", exit_code=2)
    company_id: uuid.UUID = row[0]
    return company_id


def _line(report: ChainReport, slugs: dict[uuid.UUID, str]) -> str:
    name = slugs.get(report.company_id, str(report.company_id))
    if report.broken is None:
        return f"ok      {name}: {report.rows} rows, head {report.head}"
    broken = report.broken
    return f"BROKEN  {name}: row {broken.row_id} (seq {broken.seq}): {broken.reason}"


@app.command("verify")
def verify(
    company: str | None = typer.Option(None, help="Slug of one company (default: every company)"),
) -> None:
    """Recompute every company's hash chain and name the first broken row; exits 1 on tampering."""
    import psycopg

    from aipair.audit.chain import verify_chains
    from aipair.cli.support import database, settings
    from aipair.db.urls import libpq

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
