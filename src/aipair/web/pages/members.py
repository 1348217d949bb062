"""Members and roles: invite or add, change role, deactivate (only roles below your own)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from aipair.kit.pagination import Pagination
from aipair.tenancy.dependencies import Members, Tenancy
from aipair.tenancy.models import CUSTOMER_ROLES, Role
from aipair.tenancy.schemas import MemberAdd
from aipair.web.context import Console, redirect
from aipair.web.dependencies import AdminPage
from aipair.web.forms import form_values, parse
from aipair.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def _assignable(page: Console) -> list[str]:
    """Roles the person may give (OWNERs any customer role, ADMINs the roles below theirs)."""
    principal = page.principal
    return [r.value for r in CUSTOMER_ROLES if principal.role == Role.OWNER or principal.outranks(r)]


async def _members_page(
    page: Console, members: Members, pages: Pagination, invited: str | None = None
) -> Response:
    rows = await members.list(page.db, page.principal, pages.limit, pages.offset)
    return page.page(
        "members.html",
        title="Members",
        members=rows,
        roles=_assignable(page),
        invited=invited,
        pages=pages,
        more=len(rows) == pages.limit,
    )


@router.get("/members")
async def members(page: AdminPage, members: Members, pages: Pagination) -> Response:
    """The company's members, oldest first, and the form to add one."""
    return await _members_page(page, members, pages)


@router.post("/members")
async def add_member(
    request: Request, page: AdminPage, tenancy: Tenancy, members: Members, pages: Pagination
) -> Response:
    """Invite a person with a role below yours; the invitation code is shown once."""
    data = parse(MemberAdd, await form_values(request))
    added = await tenancy.add_member(page.db, page.principal, data)
    if added.token is None:
        return redirect("/members", "member_added")
    return await _members_page(page, members, pages, invited=added.token)


@router.post("/members/{member_id}/role")
async def change_role(
    member_id: uuid.UUID, page: AdminPage, members: Members, role: Annotated[Role, Form()]
) -> Response:
    """Change a member's role."""
    await members.change_role(page.db, page.principal, member_id, role)
    return redirect("/members", "role_changed")


@router.post("/members/{member_id}/deactivate")
async def deactivate(
    member_id: uuid.UUID,
    page: AdminPage,
    members: Members,
) -> Response:
    """Deactivate a member; their sessions end at once."""
    await members.deactivate(page.db, page.principal, member_id)
    return redirect("/members", "member_deactivated")
