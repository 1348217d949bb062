"""Request middleware (pure ASGI): request id, body size limit, access log line, HTTP metrics."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable

import orjson
import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aipair.errors import PayloadTooLarge
from aipair.observability.activity import ActivityRecorder, acting_principal
from aipair.observability.http_metrics import HttpMetrics, route_template

log = structlog.get_logger("aipair.http")
ACCESS_LOG = logging.getLogger("aipair.http")
UPLOAD_PATHS = ("/api/meetings", "/v1/audio/transcriptions", "/v1/audio/translations")
AI_PATHS = ("/v1/chat/completions", "/v1/responses", "/v1/messages", "/v1/completions", "/v1/embeddings")


class BodyTooLarge(HTTPException):
    """Raised inside ``receive`` when a streamed body passes the limit (rendered as 413)."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Request body too large")


class RequestContextMiddleware:
    """Give every request an id, refuse oversized bodies with 413, log one line per request, count it in
    the HTTP metrics and note who it acted as (when ``metrics`` and ``activity`` are given)."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        max_upload_bytes: int,
        max_ai_body_bytes: int | None = None,
        metrics: HttpMetrics | None = None,
        activity: ActivityRecorder | None = None,
    ):
        self.app = app
        self.max_body = max_body_bytes
        self.max_upload = max_upload_bytes
        self.max_ai_body = max_ai_body_bytes or max_body_bytes
        self.metrics = metrics
        self.activity = activity

    def _limit(self, path: str) -> int:
        """The body limit of a route: audio and meeting uploads, AI calls (images inline), the rest."""
        if path.startswith(UPLOAD_PATHS):
            return self.max_upload
        return self.max_ai_body if path.startswith(AI_PATHS) else self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_id, length = _id_and_length(scope["headers"])
        request_id = raw_id.decode("latin-1")[:64] or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["request_id_chosen_by_client"] = bool(raw_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        limit = self._limit(scope["path"])
        started = time.perf_counter()
        status = {"code": 500}
        metrics = self.metrics
        if metrics is not None:
            metrics.in_flight += 1

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            declared = int(length or 0)
        except ValueError:
            declared = 0
        try:
            if declared > limit:
                await _reject(send_with_id, PayloadTooLarge(limit_bytes=limit), request_id, scope["path"])
            else:
                await self.app(scope, _limited(receive, limit), send_with_id)
        except BodyTooLarge:
            await _reject(send_with_id, PayloadTooLarge(limit_bytes=limit), request_id, scope["path"])
        finally:
            self._finished(scope, status["code"], time.perf_counter() - started)

    def _finished(self, scope: Scope, status: int, elapsed: float) -> None:
        """Count, note and log the answered request."""
        metrics = self.metrics
        if metrics is not None:
            metrics.in_flight -= 1
            metrics.observe(metrics.label(scope), scope["method"], status, elapsed)
        if self.activity is not None and (actor := acting_principal(scope.get("state") or {})):
            self.activity.seen(actor)
        if ACCESS_LOG.isEnabledFor(logging.INFO):  # checked first: a dropped line still costs
            _access_line(scope, status, elapsed)
        structlog.contextvars.clear_contextvars()


def _access_line(scope: Scope, status: int, elapsed: float) -> None:
    """The request's one log line: route template, path, status, duration, company (request id bound)."""
    state = scope.get("state") or {}
    actor = state.get("principal") or state.get("caller")
    company = getattr(actor, "company_id", None)
    log.info(
        "request",
        method=scope["method"],
        route=route_template(scope),
        path=scope["path"],
        status=status,
        duration_ms=round(elapsed * 1000, 2),
        company_id=str(company) if company else None,
    )


def _too_large_body(path: str, error: PayloadTooLarge, request_id: str) -> dict[str, object]:
    """The 413 in the shape the route's clients read: Anthropic's, OpenAI's or the platform's."""
    if path.startswith("/v1/messages"):
        return {"type": "error", "error": {"type": "request_too_large", "message": error.message}}
    if path.startswith("/v1/"):
        return {
            "error": {
                "message": error.message,
                "type": "invalid_request_error",
                "param": None,
                "code": error.code,
            }
        }
    body = error.to_body()
    body["error"]["request_id"] = request_id
    return body


def _id_and_length(headers: Iterable[tuple[bytes, bytes]]) -> tuple[bytes, bytes]:
    """The ``x-request-id`` and ``content-length`` header values (empty when absent)."""
    request_id = length = b""
    for name, value in headers:
        if name == b"x-request-id":
            request_id = value
        elif name == b"content-length":
            length = value
    return request_id, length


def _limited(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge()
        return message

    return wrapped


async def _reject(send: Send, error: PayloadTooLarge, request_id: str, path: str) -> None:
    payload = orjson.dumps(_too_large_body(path, error, request_id))
    await send(
        {
            "type": "http.response.start",
            "status": error.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
