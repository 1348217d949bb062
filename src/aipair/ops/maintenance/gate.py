"""The maintenance gate: during a window, customer traffic gets 503 ``maintenance`` with
``Retry-After`` set to the window's end; health checks, metrics, the maintenance notice, sign-in and
platform staff pass. Outside a window it costs one attribute read and, with a window known, a clock
read per request."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from aipair.auth.errors import InvalidToken
from aipair.auth.tokens import AccessTokens
from aipair.ops.maintenance.errors import InMaintenance
from aipair.ops.maintenance.state import MaintenanceState

if TYPE_CHECKING:
    from collections.abc import Callable

OPEN_PATHS = (
    "/health",
    "/metrics",
    "/api/maintenance",
    "/auth/login",
    "/auth/refresh",
    "/sign-in",
    "/static/",
)
SESSION_COOKIE = b"aipair_session="
"""The web console's session cookie: platform staff keep using the console during maintenance."""


class MaintenanceGate:
    """ASGI middleware in front of every route (the ``/v1`` fast path included)."""

    def __init__(
        self,
        app: ASGIApp,
        state: MaintenanceState,
        tokens: Callable[[], AccessTokens],
        page: Callable[[Scope, int], bytes | None] | None = None,
    ) -> None:
        self.app = app
        self._page = page
        self.state = state
        self._tokens = tokens
        self._verifier: AccessTokens | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        window = self.state.window
        if window is None or scope["type"] != "http" or not window[0] <= time.time() < window[1]:
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(OPEN_PATHS) or self._platform_staff(scope):
            await self.app(scope, receive, send)
            return
        retry_after = self.state.retry_after() or 1
        html = self._page(scope, retry_after) if self._page is not None else None
        if html is not None:
            await _send(send, 503, b"text/html; charset=utf-8", html, retry_after)
            return
        await _refuse(scope, send, retry_after)

    def _platform_staff(self, scope: Scope) -> bool:
        """A valid access token of a member of the platform company (its staff)."""
        platform = self.state.platform_company_id
        bearer, console = _bearer(scope), _console_cookie(scope)
        if platform is None or (bearer is None and console is None):
            return False
        if self._verifier is None:
            self._verifier = self._tokens()
        try:
            if bearer is not None:
                return self._verifier.verify(bearer).company_id == platform
            return (
                console is not None and self._verifier.verify(console, kind="console").company_id == platform
            )
        except InvalidToken:
            return False


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


def _console_cookie(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"cookie":
            for part in value.split(b";"):
                if part.strip().startswith(SESSION_COOKIE):
                    return str(part.strip()[len(SESSION_COOKIE) :].decode("latin-1"))
    return None


async def _send(send: Send, status: int, content_type: bytes, payload: bytes, retry_after: int) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(payload)).encode()),
        (b"retry-after", str(retry_after).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _refuse(scope: Scope, send: Send, retry_after: int) -> None:
    error = InMaintenance(f"The platform is in maintenance; try again in {retry_after} s")
    if scope["path"].startswith("/v1/"):
        body = {"error": {"message": error.message, "type": "api_error", "param": None, "code": error.code}}
    else:
        body = error.to_body()
        body["error"]["request_id"] = scope.get("state", {}).get("request_id")
    await _send(send, error.status_code, b"application/json", orjson.dumps(body), retry_after)
