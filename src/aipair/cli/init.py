"""``aipair init``: the platform company and its first SUPER_ADMIN."""

from __future__ import annotations

import typer


def init(
    reset_admin_password: bool = typer.Option(
        False,
        "--reset-admin-password",
        help="Set the SUPER_ADMIN's password to AIPAIR_PLATFORM__ADMIN_PASSWORD (or a generated one) and "
        "end their sessions",
    ),
) -> None:
    """Create the platform company and its SUPER_ADMIN (idempotent). A generated password is shown once."""
    from aipair.cli.support import run_async, settings
    from aipair.composition import Runtime
    from aipair.db.engine import DbContext, transaction
    from aipair.tenancy.models import Role
    from aipair.tenancy.platform import AdminPasswordReset, PlatformInit
    from aipair.tenancy.platform import reset_admin_password as reset

    config = settings()

    async def work(runtime: Runtime) -> tuple[PlatformInit, AdminPasswordReset | None]:
        async with transaction(runtime.sessions, DbContext(platform_role=Role.SUPER_ADMIN)) as session:
            done = await runtime.platform.initialise(session, config.platform)
            if not reset_admin_password or done.created_admin:
                return done, None
            return done, await reset(session, config.platform, runtime.auth, runtime.audit)

    result, reset_done = run_async(config, work)
    verb = "created" if result.created_company else "exists"
    typer.echo(f"platform company {result.company.slug}: {verb}")
    typer.echo(f"super admin {result.admin.email}: {'created' if result.created_admin else 'exists'}")
    generated = reset_done.generated_password if reset_done else result.generated_password
    if reset_done:
        typer.echo(f"super admin {result.admin.email}: password reset, sessions ended")
    elif not result.created_admin and config.platform.admin_password is not None:
        typer.echo(
            "note: AIPAIR_PLATFORM__ADMIN_PASSWORD is set but the super admin already exists, so it was not"
            " applied; run `aipair init --reset-admin-password` to apply it"
        )
    if generated:
        typer.echo(f"generated password (shown once): {generated}")
