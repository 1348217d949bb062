"""The routes the fast path serves: every governed AI call of every company (``POST`` only)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from aipair.gateway.dialect_endpoints import messages, responses
from aipair.gateway.endpoints import chat_completions, embeddings

__all__ = ["HOT_ROUTES", "Endpoint"]

Endpoint = Callable[[Request], Awaitable[Response]]
HOT_ROUTES: dict[str, Endpoint] = {
    "/v1/chat/completions": chat_completions,
    "/v1/embeddings": embeddings,
    "/v1/messages": messages,
    "/v1/responses": responses,
}
"""POST routes served directly (every other request goes through FastAPI, which still documents these)."""
