"""``aipair init``: the platform company and its first SUPER_ADMIN."""

from __future__ import annotations

import typer


def init() -> None:
    """Create the platform company and its SUPER_ADMIN (idempotent). A generated password is shown once."""
    from aipair.cli.support import run_async, settings
    from aipair.composition import Runtime
    from aipair.db.engine import DbContext, transaction
    from aipair.tenancy.models import Role
    from aipair.tenancy.platform import PlatformInit

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
