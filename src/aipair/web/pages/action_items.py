"""Action items: confirm, edit or reject one; the list of my action items."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from aipair.kit.pagination import Pagination
from aipair.meetings.dependencies import Meetings
from aipair.meetings.export import action_item_read
from aipair.meetings.schemas import ActionItemUpdate
from aipair.web.context import redirect
from aipair.web.dependencies import ConsolePage
from aipair.web.forms import form_values, parse
from aipair.web.routing import ConsoleRoute, safe_next

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
REVIEW = ("draft", "confirmed", "edited", "rejected")
EDITABLE = ("task", "owner_user_id", "due_date", "priority")


@router.get("/action-items")
async def my_action_items(
    page: ConsolePage,
    meetings: Meetings,
    pages: Pagination,
    status: Annotated[Literal[REVIEW] | None, Query()] = None,  # type: ignore[valid-type]
) -> Response:
    """The action items assigned to you, soonest due first."""
    items, sources = await meetings.list_action_items(
        page.db,
        page.principal,
        owner=page.principal.user_id,
        status=status,
        limit=pages.limit,
        offset=pages.offset,
    )
    return page.page(
        "action_items.html",
        title="My action items",
        items=[action_item_read(i, sources) for i in items],
        statuses=REVIEW,
        status=status or "",
        pages=pages,
        more=len(items) == pages.limit,
    )


@router.post("/action-items/{item_id}")
async def update_action_item(
    item_id: uuid.UUID,
    request: Request,
    page: ConsolePage,
    meetings: Meetings,
    back: Annotated[str, Form(max_length=2000)] = "/action-items",
) -> Response:
    """Confirm or reject (the ``status`` button), or save edits (which mark the item ``edited``)."""
    values = await form_values(request)
    change = {k: v for k, v in values.items() if k in (*EDITABLE, "status")}
    if "owner_user_id" in change and change["owner_user_id"] == "none":
        change["owner_user_id"] = None
    update = parse(ActionItemUpdate, change)
    await meetings.update_action_item(page.db, page.principal, item_id, update)
    return redirect(safe_next(back), "item_updated")
