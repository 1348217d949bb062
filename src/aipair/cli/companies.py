"""``aipair companies``: customer companies, from the operator's console."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import typer

from aipair.cli.output import JSON, emit
from aipair.cli.passwords import PromptOption, StdinOption, new_password

if TYPE_CHECKING:
    from aipair.composition import Runtime

app = typer.Typer(help="Customer companies.", no_args_is_help=True)


@app.command("create")
def create_company(
    name: str = typer.Option(..., help="Display name"),
    slug: str = typer.Option(..., help="URL-safe identifier: lowercase letters, digits, dashes"),
    plan: str = typer.Option("STARTER", help="STARTER, PROFESSIONAL, ENTERPRISE or CUSTOM"),
    owner_email: str | None = typer.Option(None, help="E-mail of the first OWNER"),
    prompt_password: bool = PromptOption,
    password_stdin: bool = StdinOption,
    time_zone: str = typer.Option("UTC", help="IANA time zone for usage periods"),
    budget_usd: Decimal | None = typer.Option(None, help="Monthly AI budget in USD"),
) -> None:
    """Create a company, optionally with its first OWNER: an address without an account gets one with the
    password given (--prompt-password, --password-stdin or AIPAIR_NEW_PASSWORD); otherwise the OWNER is
    invited and the invitation token is printed once."""
    from aipair.cli.support import run_async, settings, system_session
    from aipair.tenancy.schemas import CompanyCreate, OwnerSpec

    password = new_password(prompt_password, password_stdin) if owner_email else None
    owner = OwnerSpec(email=owner_email, password=password) if owner_email else None
    data = CompanyCreate.model_validate(
        {
            "name": name,
            "slug": slug,
            "plan": plan,
            "owner": owner,
            "time_zone": time_zone,
            "monthly_budget_usd": budget_usd,
        }
    )

    async def work(runtime: Runtime) -> str:
        async with system_session(runtime) as (session, principal):
            created = await runtime.tenancy.create_company(session, principal, data)
            company, token = created.company, created.owner_invitation_token
            suffix = f"  owner invitation token (shown once): {token}" if token else ""
            return f"{company.id}  {company.slug}  {company.status}  {company.plan_code}{suffix}"

    typer.echo(run_async(settings(), work))


@app.command("list")
def list_companies(limit: int = typer.Option(100, min=1, max=10_000), as_json: bool = JSON) -> None:
    """Every company with its status and plan."""
    from aipair.cli.support import run_async, settings, system_session

    async def work(runtime: Runtime) -> list[dict[str, str]]:
        async with system_session(runtime) as (session, _):
            rows = await runtime.tenancy.list_companies(session, limit, 0)
            return [
                {"id": str(c.id), "slug": c.slug, "status": c.status, "plan": c.plan_code, "name": c.name}
                for c in rows
            ]

    found = run_async(settings(), work)
    lines = (f"{c['id']}  {c['slug']:<30} {c['status']:<10} {c['plan']:<13} {c['name']}" for c in found)
    emit(as_json, found, lines)


@app.command("suspend")
def suspend_company(slug: str = typer.Argument(..., help="Slug of the company")) -> None:
    """Suspend a company: its people and keys can no longer act."""
    from aipair.cli.support import run_async, settings, system_session
    from aipair.tenancy.models import CompanyStatus

    typer.confirm(f"Suspend {slug}?", abort=True)

    async def work(runtime: Runtime) -> str:
        async with system_session(runtime) as (session, principal):
            company = await runtime.tenancy.company_by_slug(session, slug)
            await runtime.tenancy.set_status(session, principal, company.id, CompanyStatus.SUSPENDED)
            return f"{slug} suspended"

    typer.echo(run_async(settings(), work))
