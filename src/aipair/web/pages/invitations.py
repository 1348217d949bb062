"""Accepting an invitation: a new account chooses its name and password; someone who already has an
account signs in and joins with the invitation code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from aipair.auth.dependencies import Client
from aipair.db.dependencies import Sessions
from aipair.db.engine import DbContext, transaction
from aipair.tenancy.dependencies import Tenancy
from aipair.tenancy.errors import SignInToAccept
from aipair.web.context import redirect
from aipair.web.dependencies import ConsoleAuth, ConsolePage
from aipair.web.pages.account import public_page
from aipair.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/invitation")
async def invitation(
    request: Request, sign_ins: ConsoleAuth, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """The invitation link: choose a name and password (or sign in first when you have an account)."""
    return public_page(
        request, sign_ins, "invitation.html", title="Accept an invitation", token=token, error=None
    )


@router.post("/invitation")
async def accept(
    request: Request,
    sign_ins: ConsoleAuth,
    sessions: Sessions,
    tenancy: Tenancy,
    client: Client,
    token: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Create the invited account and join the company; then sign in."""
    try:
        async with transaction(sessions, DbContext()) as session:
            await tenancy.invitations.accept_new_account(session, token, name, password, client)
    except SignInToAccept as exc:
        context = {"title": "Accept an invitation", "token": token, "error": exc.message, "existing": True}
        return public_page(request, sign_ins, "invitation.html", exc.status_code, **context)
    return redirect("/sign-in", "invitation_accepted")


@router.post("/invitation/join")
async def join(
    page: ConsolePage, sessions: Sessions, tenancy: Tenancy, token: Annotated[str, Form(max_length=200)]
) -> Response:
    """Join the inviting company with the account you are signed in with."""
    assert page.principal.user_id is not None
    user = page.principal.user_id
    async with transaction(sessions, DbContext(user_id=user)) as session:
        await tenancy.invitations.join(session, token, user, page.principal.origin)
    return redirect("/account", "invitation_joined")
