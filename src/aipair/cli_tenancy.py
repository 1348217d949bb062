"""``aipair companies`` and ``aipair users``: administration from the operator's console."""

from __future__ import annotations

from decimal import Decimal

import typer

from aipair.cli_support import run_async, settings, system_session
from aipair.composition import Runtime
from aipair.tenancy.models import CompanyStatus
from aipair.tenancy.schemas import CompanyCreate, MemberAdd, OwnerSpec

companies_app = typer.Typer(help="Customer companies.", no_args_is_help=True)
users_app = typer.Typer(help="Users and memberships.", no_args_is_help=True)


@companies_app.command("create")
def create_company(
    name: str = typer.Option(..., help="Display name"),
    slug: str = typer.Option(..., help="URL-safe identifier: lowercase letters, digits, dashes"),
    plan: str = typer.Option("STARTER", help="STARTER, PROFESSIONAL, ENTERPRISE or CUSTOM"),
    owner_email: str | None = typer.Option(None, help="E-mail of the first OWNER"),
    owner_password: str | None = typer.Option(None, help="Password for a new OWNER (else an invitation)"),
    time_zone: str = typer.Option("UTC", help="IANA time zone for usage periods"),
    budget_usd: Decimal | None = typer.Option(None, help="Monthly AI budget in USD"),
) -> None:
    """Create a company, optionally with its first OWNER."""
    owner = OwnerSpec(email=owner_email, password=owner_password) if owner_email else None
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
            company = await runtime.tenancy.create_company(session, principal, data)
            return f"{company.id}  {company.slug}  {company.status}  {company.plan_code}"

    typer.echo(run_async(settings(), work))


@companies_app.command("list")
def list_companies(limit: int = typer.Option(100, min=1, max=10_000)) -> None:
    """Every company with its status and plan."""

    async def work(runtime: Runtime) -> list[str]:
        async with system_session(runtime) as (session, _):
            rows = await runtime.tenancy.list_companies(session, limit, 0)
            return [f"{c.id}  {c.slug:<30} {c.status:<10} {c.plan_code:<13} {c.name}" for c in rows]

    for line in run_async(settings(), work):
        typer.echo(line)


@companies_app.command("suspend")
def suspend_company(slug: str = typer.Argument(..., help="Slug of the company")) -> None:
    """Suspend a company: its people and keys can no longer act."""
    typer.confirm(f"Suspend {slug}?", abort=True)

    async def work(runtime: Runtime) -> str:
        async with system_session(runtime) as (session, principal):
            company = await runtime.tenancy.company_by_slug(session, slug)
            await runtime.tenancy.set_status(session, principal, company.id, CompanyStatus.SUSPENDED)
            return f"{slug} suspended"

    typer.echo(run_async(settings(), work))


@users_app.command("create")
def create_user(
    company: str = typer.Option(..., help="Slug of the company"),
    email: str = typer.Option(..., help="E-mail address"),
    role: str = typer.Option(
        "EMPLOYEE", help="OWNER, ADMIN, MANAGER, EMPLOYEE (SUPPORT, SUPER_ADMIN: platform)"
    ),
    name: str = typer.Option("", help="Display name"),
    password: str | None = typer.Option(None, help="Password (else an invitation token is printed)"),
) -> None:
    """Add a user to a company (creating the account when needed)."""
    data = MemberAdd.model_validate({"email": email, "role": role, "name": name, "password": password})

    async def work(runtime: Runtime) -> str:
        async with system_session(runtime) as (session, _):
            target = await runtime.tenancy.company_by_slug(session, company)
            membership, user, token = await runtime.tenancy.provision_member(session, target, data)
            suffix = f"  invitation token (shown once): {token}" if token else ""
            return f"{user.id}  {user.email}  {membership.role} in {company}{suffix}"

    typer.echo(run_async(settings(), work))


@users_app.command("list")
def list_users(company: str = typer.Option(..., help="Slug of the company")) -> None:
    """Members of a company."""

    async def work(runtime: Runtime) -> list[str]:
        async with system_session(runtime) as (session, _):
            target = await runtime.tenancy.company_by_slug(session, company)
            rows = await runtime.tenancy.members_of(session, target, 1000)
            return [f"{u.id}  {u.email:<40} {m.role:<12} {m.status}" for m, u in rows]

    for line in run_async(settings(), work):
        typer.echo(line)
