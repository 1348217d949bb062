"""The gateway's hot routes served without FastAPI's per-request routing and dependency machinery.

The routes of :data:`~aipair.gateway.fastpath.routes.HOT_ROUTES` are the calls every AI request of
every company makes. FastAPI serves them correctly but spends, per request, more CPU on matching the
path against every route of the application, solving dependencies and wrapping the call than the
gateway spends on governance. :class:`GatewayFastPath` calls the very same endpoint functions
directly and renders their errors with the application's own exception handlers, through Starlette's
``ExceptionMiddleware``, so answers, status codes, headers and error bodies are identical; FastAPI
still documents the routes and serves every other request.

It sits inside the request-context middleware (request id, body limits, access log) and outside the
support-actions middleware, which never logs ``/v1`` calls: those authenticate by key or token and
never set the request's principal. An exception without a handler propagates to the server-error
middleware, as it would from FastAPI's router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from aipair.gateway.fastpath.routes import HOT_ROUTES, Endpoint

__all__ = ["GatewayFastPath", "RequestCheck"]

RequestCheck = Callable[[Request], Awaitable[Response | None]]
"""A check every hot request passes before its endpoint: None to go on, or the response to send instead
(e.g. 503 during maintenance). Checks run in order and must be cheap: they run on every AI call."""


class _DirectEndpoints:
    """Runs the checks, then calls the endpoint of the request's path and sends what it returns."""

    def __init__(self, routes: dict[str, Endpoint], checks: Sequence[RequestCheck]) -> None:
        self._routes = routes
        self._checks = tuple(checks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        for check in self._checks:  # the one place per-request checks of AI calls sit
            refused = await check(request)
            if refused is not None:
                await refused(scope, receive, send)
                return
        response = await self._routes[_route_path(scope)](request)
        await response(scope, receive, send)


class GatewayFastPath:
    """ASGI middleware: hot gateway routes straight to their endpoints, everything else to ``app``."""

    def __init__(
        self, app: ASGIApp, routes: dict[str, Endpoint] | None = None, checks: Sequence[RequestCheck] = ()
    ) -> None:
        self.app = app
        self._routes = dict(HOT_ROUTES if routes is None else routes)
        self._checks = checks
        self._direct: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or _route_path(scope) not in self._routes:
            await self.app(scope, receive, send)
            return
        if self._direct is None:
            self._direct = ExceptionMiddleware(
                _DirectEndpoints(self._routes, self._checks),
                handlers=_handled_errors(scope["app"].exception_handlers),
            )
        await self._direct(scope, receive, send)


def _handled_errors(handlers: dict[Any, Any]) -> dict[Any, Any]:
    """The application's handlers that FastAPI gives its exception middleware (500s go further out)."""
    return {key: handler for key, handler in handlers.items() if key not in (500, Exception)}


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
