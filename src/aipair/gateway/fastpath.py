"""The gateway's hot routes served without FastAPI's per-request routing and dependency machinery.

``POST /v1/chat/completions`` and ``POST /v1/embeddings`` are the calls every AI request of every company
makes. FastAPI serves them correctly but spends, per request, more CPU on matching the path against
every route of the application, solving dependencies and wrapping the call than the gateway spends on
governance. :class:`GatewayFastPath` calls the very same endpoint functions directly and renders their
errors with the application's own exception handlers, through Starlette's ``ExceptionMiddleware``, so
answers, status codes, headers and error bodies are identical; FastAPI still documents the routes and
serves every other request.

It sits inside the request-context middleware (request id, body limits, access log) and outside the
support-actions middleware, which never logs ``/v1`` calls: those authenticate by key or token and
never set the request's principal. An exception without a handler propagates to the server-error
middleware, as it would from FastAPI's router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from aipair.gateway.endpoints import chat_completions, embeddings

__all__ = ["HOT_ROUTES", "GatewayFastPath"]

Endpoint = Callable[[Request], Awaitable[Response]]
HOT_ROUTES: dict[str, Endpoint] = {
    "/v1/chat/completions": chat_completions,
    "/v1/embeddings": embeddings,
}
"""POST routes served directly (every other request goes through FastAPI)."""


class _DirectEndpoints:
    """Calls the endpoint of the request's path and sends what it returns."""

    def __init__(self, routes: dict[str, Endpoint]) -> None:
        self._routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._routes[_route_path(scope)]
        response = await endpoint(Request(scope, receive, send))
        await response(scope, receive, send)


class GatewayFastPath:
    """ASGI middleware: hot gateway routes straight to their endpoints, everything else to ``app``."""

    def __init__(self, app: ASGIApp, routes: dict[str, Endpoint] | None = None) -> None:
        self.app = app
        self._routes = dict(HOT_ROUTES if routes is None else routes)
        self._direct: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or _route_path(scope) not in self._routes:
            await self.app(scope, receive, send)
            return
        if self._direct is None:
            self._direct = ExceptionMiddleware(
                _DirectEndpoints(self._routes), handlers=_handled_errors(scope["app"].exception_handlers)
            )
        await self._direct(scope, receive, send)


def _handled_errors(handlers: dict[Any, Any]) -> dict[Any, Any]:
    """The application's handlers that FastAPI gives its exception middleware (500s go further out)."""
    return {key: handler for key, handler in handlers.items() if key not in (500, Exception)}


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
