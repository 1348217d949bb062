"""``aipair audit``: the tamper-evident audit trail, verified as the owner."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import uuid

    from aipair.audit.chain import ChainReport
    from aipair.db.urls import DatabaseUrls

app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


async def _verify(urls: DatabaseUrls, company: str | None) -> tuple[list[ChainReport], dict[uuid.UUID, str]]:
    from aipair.audit.chain import company_id_by_slug, company_slugs, verify_chains
    from aipair.cli.errors import CliError
    from aipair.db.raw import direct_connection

    async with direct_connection(urls.owner) as conn:
        company_id = await company_id_by_slug(conn, company) if company else None
        if company and company_id is None:
            raise CliError("not_found", f"no company {company!r}", exit_code=2)
        return await verify_chains(conn, company_id), await company_slugs(conn)


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
    import asyncio

    from aipair.cli.support import database, settings

    with database(settings()) as urls:
        reports, slugs = asyncio.run(_verify(urls, company))
    for report in reports:
        typer.echo(_line(report, slugs))
    broken = sum(1 for r in reports if r.broken)
    typer.echo(f"{len(reports)} chains, {sum(r.rows for r in reports)} rows, {broken} broken")
    if broken:
        raise typer.Exit(1)
