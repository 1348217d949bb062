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

OPEN_PATHS = ("/health", "/metrics", "/api/maintenance", "/auth/login", "/auth/refresh")


class MaintenanceGate:
    """ASGI middleware in front of every route (the ``/v1`` fast path included)."""

    def __init__(self, app: ASGIApp, state: MaintenanceState, tokens: Callable[[], AccessTokens]) -> None:
        self.app = app
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
        await _refuse(scope, send, self.state.retry_after() or 1)

    def _platform_staff(self, scope: Scope) -> bool:
        """A valid access token of a member of the platform company (its staff)."""
        platform = self.state.platform_company_id
        token = _bearer(scope)
        if platform is None or token is None:
            return False
        if self._verifier is None:
            self._verifier = self._tokens()
        try:
            return self._verifier.verify(token).company_id == platform
        except InvalidToken:
            return False


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


async def _refuse(scope: Scope, send: Send, retry_after: int) -> None:
    error = InMaintenance(f"The platform is in maintenance; try again in {retry_after} s")
    if scope["path"].startswith("/v1/"):
        body = {"error": {"message": error.message, "type": "api_error", "param": None, "code": error.code}}
    else:
        body = error.to_body()
        body["error"]["request_id"] = scope.get("state", {}).get("request_id")
    payload = orjson.dumps(body)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"retry-after", str(retry_after).encode()),
    ]
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
