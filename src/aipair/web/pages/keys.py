"""API keys: create (the secret shown once, with a copy button), revoke, rotate."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from aipair.auth.dependencies import ApiKeys
from aipair.auth.principal import SCOPES
from aipair.auth.schemas import ApiKeyCreate, RotateRequest
from aipair.kit.pagination import Pagination
from aipair.web.context import redirect
from aipair.web.dependencies import AdminPage
from aipair.web.forms import parse_form
from aipair.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


async def _keys_page(page: AdminPage, api_keys: ApiKeys, pages: Pagination, **extra: Any) -> Response:
    keys = await api_keys.list(page.db, page.principal, pages.limit, pages.offset)
    return page.page(
        "keys.html",
        title="API keys",
        keys=keys,
        scopes=SCOPES,
        pages=pages,
        more=len(keys) == pages.limit,
        **extra,
    )


@router.get("/keys")
async def keys(page: AdminPage, api_keys: ApiKeys, pages: Pagination) -> Response:
    """The company's keys (never their secrets)."""
    return await _keys_page(page, api_keys, pages, created=None)


@router.post("/keys")
async def create_key(request: Request, page: AdminPage, api_keys: ApiKeys, pages: Pagination) -> Response:
    """Create a key and show its secret, once."""
    data = await parse_form(request, ApiKeyCreate, lists=("scopes",))
    created = await api_keys.create(page.db, page.principal, data)
    return await _keys_page(page, api_keys, pages, created=created)


@router.post("/keys/{key_id}/revoke")
async def revoke_key(
    key_id: uuid.UUID,
    page: AdminPage,
    api_keys: ApiKeys,
) -> Response:
    """Revoke a key at once."""
    await api_keys.revoke(page.db, page.principal, key_id)
    return redirect("/keys", "key_revoked")


@router.post("/keys/{key_id}/rotate")
async def rotate_key(
    key_id: uuid.UUID, request: Request, page: AdminPage, api_keys: ApiKeys, pages: Pagination
) -> Response:
    """Issue a successor (shown once); the old key keeps working for the grace period."""
    data = await parse_form(request, RotateRequest)
    created = await api_keys.rotate(page.db, page.principal, key_id, data.grace_hours)
    return await _keys_page(page, api_keys, pages, created=created)
