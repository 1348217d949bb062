"""The ``aipair`` command line (Typer)."""

from __future__ import annotations

import typer

from aipair.cli_audit import audit_app, report_app
from aipair.cli_db import db_app
from aipair.cli_jobs import jobs_app, worker
from aipair.cli_support import PlatformNotInitialised, run_async, settings
from aipair.cli_tenancy import companies_app, users_app
from aipair.composition import Runtime
from aipair.db.engine import DbContext, transaction
from aipair.tenancy.models import Role
from aipair.tenancy.platform import PlatformInit

app = typer.Typer(
    help="AI Pair Orchestrator: governed AI gateway and meeting processor.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(companies_app, name="companies")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(report_app, name="report")
app.add_typer(jobs_app, name="jobs")
app.command("worker")(worker)


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Interface to bind (default from AIPAIR_HTTP__HOST)"),
    port: int | None = typer.Option(None, help="Port (default from AIPAIR_HTTP__PORT)"),
    workers: int = typer.Option(1, min=1, max=32, help="Worker processes"),
) -> None:
    """Serve the HTTP API (starts the embedded PostgreSQL when no database URL is set)."""
    import uvicorn

    config = settings()
    uvicorn.run(
        "aipair.app:create_app",
        factory=True,
        host=host or config.http.host,
        port=port or config.http.port,
        workers=workers,
        log_level="warning",
        access_log=False,
        proxy_headers=config.auth.trust_forwarded_for,
    )


@app.command()
def init() -> None:
    """Create the platform company and its SUPER_ADMIN (idempotent). A generated password is shown once."""
    config = settings()

    async def work(runtime: Runtime) -> PlatformInit:
        async with transaction(runtime.sessions, DbContext(platform_role=Role.SUPER_ADMIN)) as session:
            return await runtime.platform.initialise(session, config.platform)

    result = run_async(config, work)
    verb = "created" if result.created_company else "exists"
    typer.echo(f"platform company {result.company.slug}: {verb}")
    typer.echo(f"super admin {result.admin.email}: {'created' if result.created_admin else 'exists'}")
    if result.generated_password:
        typer.echo(f"generated password (shown once): {result.generated_password}")


def main() -> None:
    """Entry point of the ``aipair`` command."""
    try:
        app()
    except PlatformNotInitialised as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from exc
