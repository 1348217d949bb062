"""``Annotated`` dependencies of the console pages: the signed-in person, their transaction, guards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.auth.dependencies import Auth, Client, Staff
from aipair.auth.errors import InvalidToken, RoleRequired
from aipair.auth.principal import Principal
from aipair.db.dependencies import Sessions
from aipair.db.engine import transaction
from aipair.kit.clock import utcnow
from aipair.kit.injection import provided
from aipair.support.dependencies import Support
from aipair.support.service import SupportService
from aipair.tenancy.dependencies import Tenancy
from aipair.tenancy.models import Role
from aipair.tenancy.service import TenancyService
from aipair.web.context import Acting, Console
from aipair.web.csrf import csrf_binding
from aipair.web.errors import SignInRequired
from aipair.web.routing import ACTING_COOKIE
from aipair.web.sessions import SESSION_COOKIE, ConsoleSession, ConsoleSessions

ConsoleAuth = Annotated[ConsoleSessions, provided(ConsoleSessions)]


def _wanted(request: Request) -> str:
    """Where to come back after signing in: this page (or, after a form, the page that sent it)."""
    if request.method == "GET":
        query = f"?{request.url.query}" if request.url.query else ""
        return request.url.path + query
    return "/"


async def console_session(
    request: Request, sign_ins: ConsoleAuth, staff: Staff, client: Client
) -> ConsoleSession:
    """The person signed in to the console, acting where their cookies say; else back to sign-in."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise SignInRequired(_wanted(request))
    try:
        session = await sign_ins.resolve(cookie)
    except InvalidToken:
        raise SignInRequired(_wanted(request)) from None
    principal = replace(session.principal, origin=client)
    request.state.principal = principal
    if session.renewed:
        request.state.renewed_session = session.renewed
    acting = request.cookies.get(ACTING_COOKIE)
    if acting and principal.in_platform_context:
        principal = await staff.enter_company(principal, acting)
        request.state.principal = principal
        staff.check_access(principal, request.method)
    return replace(session, principal=principal)


SignedIn = Annotated[ConsoleSession, Depends(console_session)]


async def console_db(sessions: Sessions, session: SignedIn) -> AsyncIterator[AsyncSession]:
    """The request's one transaction in the person's tenant (or support) context."""
    async with transaction(sessions, session.principal.db_context()) as db:
        yield db


ConsoleDb = Annotated[AsyncSession, Depends(console_db, scope="function")]


async def _acting(
    tenancy: TenancyService,
    support: SupportService,
    sessions: async_sessionmaker[AsyncSession],
    session: ConsoleSession,
    db: AsyncSession,
) -> Acting | None:
    principal = session.principal
    if principal.support is None:
        return None
    company = await tenancy.get_company(db, principal.company_id)
    home = replace(principal, company_id=principal.support.home_company_id, support=None)
    async with transaction(sessions, home.db_context()) as staff_db:
        grants = await support.staff_grants(staff_db, home, company.id, 20, 0)
    now = utcnow()
    open_grants = [g for g in grants if g.status == "active" and g.expires_at > now]
    expires = max((g.expires_at for g in open_grants), default=None)
    return Acting(str(company.id), company.name, principal.support.scope or "", expires)


async def console(
    request: Request,
    session: SignedIn,
    db: ConsoleDb,
    auth: Auth,
    tenancy: Tenancy,
    support: Support,
    sessions: Sessions,
    sign_ins: ConsoleAuth,
) -> Console:
    """The page context: the person, their companies, the banner when acting for a customer."""
    principal = session.principal
    home = principal if principal.support is None else None
    user, memberships = await auth.account(db, home) if home else (None, [])
    acting = await _acting(tenancy, support, sessions, session, db)
    company = acting.company_name if acting else _company_name(memberships, principal)
    staff_name = None
    if acting is not None:
        staff_name = "platform staff"
    return Console(
        request=request,
        principal=principal,
        db=db,
        csrf=sign_ins.csrf_token(csrf_binding(request, sign_ins)),
        user_name=user.name if user else staff_name,
        user_email=user.email if user else None,
        memberships=memberships,
        company_name=company,
        acting=acting,
    )


def _company_name(memberships: Sequence[object], principal: Principal) -> str:
    for m in memberships:
        if getattr(m, "company_id", None) == principal.company_id:
            return str(getattr(m, "company_slug", ""))
    return ""


ConsolePage = Annotated[Console, Depends(console)]


def require(minimum: Role) -> object:
    """A guard admitting ``minimum`` role or above (platform staff inside a grant pass; RLS decides)."""

    async def guard(page: ConsolePage) -> Console:
        if not page.principal.at_least(minimum):
            raise RoleRequired(f"This page needs the {minimum.value} role or above")
        return page

    return Depends(guard)


def require_staff(super_admin: bool = False) -> object:
    """A guard admitting platform staff signed in to the platform company (and not acting elsewhere)."""

    async def guard(page: ConsolePage) -> Console:
        role = page.principal.platform_role
        if not page.principal.in_platform_context or (super_admin and role != Role.SUPER_ADMIN):
            raise RoleRequired("This page is for platform staff")
        return page

    return Depends(guard)


ManagerPage = Annotated[Console, require(Role.MANAGER)]
AdminPage = Annotated[Console, require(Role.ADMIN)]
StaffPage = Annotated[Console, require_staff()]
SuperAdminPage = Annotated[Console, require_staff(super_admin=True)]
