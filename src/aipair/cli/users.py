"""``aipair users``: users and memberships, from the operator's console."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from aipair.cli.output import JSON, emit
from aipair.cli.passwords import PromptOption, StdinOption, new_password

if TYPE_CHECKING:
    from aipair.composition import Runtime

app = typer.Typer(help="Users and memberships.", no_args_is_help=True)


@app.command("create")
def create_user(
    company: str = typer.Option(..., help="Slug of the company"),
    email: str = typer.Option(..., help="E-mail address"),
    role: str = typer.Option(
        "EMPLOYEE", help="OWNER, ADMIN, MANAGER, EMPLOYEE (SUPPORT, SUPER_ADMIN: platform)"
    ),
    name: str = typer.Option("", help="Display name"),
    prompt_password: bool = PromptOption,
    password_stdin: bool = StdinOption,
) -> None:
    """Add a user to a company. An address without an account gets one, active, with the password given
    (--prompt-password, --password-stdin or AIPAIR_NEW_PASSWORD); any other is invited and the invitation
    token is printed once."""
    from aipair.cli.support import run_async, settings, system_session
    from aipair.tenancy.schemas import MemberProvision

    password = new_password(prompt_password, password_stdin)
    data = MemberProvision.model_validate({"email": email, "role": role, "name": name, "password": password})

    async def work(runtime: Runtime) -> str:
        async with system_session(runtime) as (session, _):
            target = await runtime.tenancy.company_by_slug(session, company)
            membership, user, token = await runtime.tenancy.provision_member(session, target, data)
            suffix = f"  invitation token (shown once): {token}" if token else ""
            return f"{user.id}  {user.email}  {membership.role} in {company}{suffix}"

    typer.echo(run_async(settings(), work))


@app.command("list")
def list_users(company: str = typer.Option(..., help="Slug of the company"), as_json: bool = JSON) -> None:
    """Members of a company: user id, e-mail, role, status."""
    from aipair.cli.support import run_async, settings, system_session

    async def work(runtime: Runtime) -> list[dict[str, str]]:
        async with system_session(runtime) as (session, _):
            target = await runtime.tenancy.company_by_slug(session, company)
            rows = await runtime.tenancy.members_of(session, target, 1000)
            return [
                {"user_id": str(u.id), "email": u.email, "name": u.name, "role": m.role, "status": m.status}
                for m, u in rows
            ]

    members = run_async(settings(), work)
    lines = (f"{m['user_id']}  {m['email']:<40} {m['role']:<12} {m['status']}" for m in members)
    emit(as_json, members, lines)


@app.command("unlock")
def unlock_user(
    email: str = typer.Argument(..., help="E-mail address of the locked account"),
    reason: str = typer.Option(..., help="Why (kept in the audit trail)"),
) -> None:
    """Lift an account's sign-in lock now; the failed sign-ins stay as evidence."""
    from aipair.cli.support import run_async, settings, system_session

    async def work(runtime: Runtime) -> int:
        async with system_session(runtime) as (session, principal):
            return len(await runtime.auth.lift_lock(session, principal, email, reason))

    lifted = run_async(settings(), work)
    typer.echo(f"{email}: lock lifted" if lifted else f"{email}: not locked")


@app.command("reset-password")
def reset_password(
    email: str = typer.Argument(..., help="E-mail address of the account"), as_json: bool = JSON
) -> None:
    """Issue a one-time password reset code for an account (any company's). With SMTP configured it is
    e-mailed to that address and not printed; otherwise it is printed here, once. Earlier codes stop
    working; the person sets a new password with POST /auth/password/reset."""
    from aipair.cli.support import run_async, settings, system_session

    async def work(runtime: Runtime) -> dict[str, str | None]:
        async with system_session(runtime) as (session, principal):
            issued = await runtime.password_life.operator_issues_reset(session, principal, email)
        return {
            "email": issued.email,
            "delivery": issued.delivery,
            "expires_at": issued.expires_at.isoformat(),
            "token": issued.token,
        }

    issued = run_async(settings(), work)
    until = f"valid until {issued['expires_at']}"
    line = (
        f"{issued['email']}: reset code e-mailed ({until})"
        if issued["token"] is None
        else f"{issued['email']}: reset code (shown once, {until}): {issued['token']}"
    )
    emit(as_json, issued, [line])
