"""Signing in and out, switching company, the person's own account."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from aipair.auth.dependencies import Client, PasswordChanges
from aipair.auth.errors import (
    CompanyInactive,
    InvalidCredentials,
    InvalidToken,
    SignInThrottled,
    WeakPassword,
    WrongPassword,
)
from aipair.tenancy.models import Role
from aipair.web.context import redirect
from aipair.web.csrf import csrf_binding
from aipair.web.dependencies import ConsoleAuth, ConsolePage, SignedIn
from aipair.web.notices import notice_text
from aipair.web.rendering import render
from aipair.web.routing import ACTING_COOKIE, ConsoleRoute, error_page, safe_next, set_session_cookie
from aipair.web.sessions import PRE_SESSION_COOKIE, SESSION_COOKIE

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def home_for(page_role: Role, platform_role: str) -> str:
    """Where a person lands after signing in."""
    if platform_role == Role.SUPER_ADMIN:
        return "/platform/companies"
    if platform_role:
        return "/platform/grants"
    return "/dashboard" if page_role in (Role.OWNER, Role.ADMIN, Role.MANAGER) else "/meetings"


@router.get("/")
async def root(page: ConsolePage) -> Response:
    """The console's front door: each person's home page."""
    return redirect(home_for(page.principal.role, page.principal.platform_role))


def public_page(
    request: Request, sign_ins: ConsoleAuth, template: str, status: int = 200, **values: Any
) -> Response:
    """A page for people not signed in (yet), its forms bound to a pre-session cookie."""
    pre = request.cookies.get(PRE_SESSION_COOKIE) or sign_ins.new_pre_session()
    request.state.pre_session = pre
    context = {
        "console": None,
        "notice": notice_text(request.query_params.get("notice")),
        "csrf": sign_ins.csrf_token(csrf_binding(request, sign_ins)),
        **values,
    }
    response = render(request.app.state.console_templates, template, context, status)
    response.set_cookie(
        PRE_SESSION_COOKIE,
        pre,
        path="/",
        secure=sign_ins.settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return response


def _sign_in_page(request: Request, sign_ins: ConsoleAuth, status: int = 200, **values: str) -> Response:
    return public_page(
        request,
        sign_ins,
        "sign_in.html",
        status,
        title="Sign in",
        next=safe_next(values.get("next") or request.query_params.get("next")),
        email=values.get("email", ""),
        company=values.get("company", ""),
        error=values.get("error"),
    )


@router.get("/sign-in")
async def sign_in_form(request: Request, sign_ins: ConsoleAuth) -> Response:
    """The sign-in form (``next``: the page to return to)."""
    return _sign_in_page(request, sign_ins)


@router.post("/sign-in")
async def sign_in(
    request: Request,
    sign_ins: ConsoleAuth,
    client: Client,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    company: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password (lockout and audit as for the API) and start a console session."""
    try:
        cookie = await sign_ins.sign_in(email, password, company.strip() or None, client)
    except CompanyInactive as exc:
        return error_page(request, exc)
    except InvalidCredentials as exc:
        values = {"email": email, "company": company, "next": next, "error": exc.message}
        return _sign_in_page(request, sign_ins, exc.status_code, **values)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, cookie)
    response.delete_cookie(ACTING_COOKIE, path="/")
    response.delete_cookie(PRE_SESSION_COOKIE, path="/")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, sign_ins: ConsoleAuth, client: Client) -> Response:
    """End the session (its cookie stops working everywhere) and go back to sign-in."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with suppress(InvalidToken, CompanyInactive):  # already over: only the cookie is left to clear
            await sign_ins.sign_out(await sign_ins.resolve(cookie), client)
    response = redirect("/sign-in", "signed_out")
    set_session_cookie(request, response, None)
    response.delete_cookie(ACTING_COOKIE, path="/")
    return response


@router.post("/switch-company")
async def switch_company(
    request: Request,
    sign_ins: ConsoleAuth,
    client: Client,
    session: SignedIn,
    company: Annotated[str, Form(max_length=64)],
) -> Response:
    """Act in another of your companies (a new session there; this one ends)."""
    cookie = await sign_ins.switch(session, company, client)
    response = redirect("/")
    set_session_cookie(request, response, cookie)
    response.delete_cookie(ACTING_COOKIE, path="/")
    return response


@router.get("/account")
async def account(page: ConsolePage) -> Response:
    """Your account: name, e-mail, companies and roles; the form to change your password."""
    return page.page("account.html", title="Your account", password_error=None)


@router.post("/account/password")
async def change_password(
    page: ConsolePage,
    passwords: PasswordChanges,
    current_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
    new_password_again: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Change your password (the same checks as ``POST /auth/password``): your other sessions end, in
    every company; this one stays. A wrong current password counts as a failed sign-in."""
    if new_password != new_password_again:
        return _account_with_error(page, "The two new passwords differ: type the same one twice.", 422)
    try:
        await passwords.change(page.principal, current_password, new_password)
    except (WrongPassword, WeakPassword, SignInThrottled) as exc:
        return _account_with_error(page, exc.message, exc.status_code)
    return redirect("/account", "password_changed")


def _account_with_error(page: ConsolePage, error: str, status: int) -> Response:
    return page.page("account.html", status_code=status, title="Your account", password_error=error)
