"""The OpenAI-compatible API: ``/v1/chat/completions``, ``/v1/embeddings``, ``/v1/audio/transcriptions``,
``/v1/models``. Authenticated by company API key (``ai`` scope) or a console session token. Errors use
OpenAI's shape and status codes, so the official SDKs raise their usual exceptions."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import anyio
import orjson
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from starlette.datastructures import UploadFile
from starlette.types import Receive, Scope, Send

from aipair.auth.dependencies import COMPANY_HEADER, bearer_token, client_ip
from aipair.auth.service import AuthService
from aipair.auth.tokens import API_KEY_PREFIX
from aipair.config import AuthSettings
from aipair.errors import InvalidJson
from aipair.gateway.admission import Caller
from aipair.gateway.errors import CompanyHeaderRefused, InvalidRequest
from aipair.gateway.idempotency import fingerprint
from aipair.gateway.service import GatewayAnswer, GatewayService
from aipair.kit.injection import ServiceRegistry, registry_of

router = APIRouter(prefix="/v1", tags=["AI gateway (OpenAI-compatible)"])
AI_SCOPE: dict[str, Any] = {"security": [{"bearer": ["ai"]}]}  # API keys need the ``ai`` scope
JSON_BODY = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
    **AI_SCOPE,
}


async def _caller(request: Request, services: ServiceRegistry, gateway: GatewayService) -> Caller:
    if COMPANY_HEADER in request.headers:
        raise CompanyHeaderRefused()
    token = request.headers.get("x-api-key") or bearer_token(request)  # Anthropic's clients: x-api-key
    if token.startswith(API_KEY_PREFIX + "_"):
        caller = await gateway.caller_from_key(token)
    else:
        principal = await services.get(AuthService).principal_from_access_token(token)
        caller = gateway.caller_from_principal(principal)
    caller = replace(caller, ip=client_ip(request, services.get(AuthSettings).trusted_proxies))
    request.state.caller = caller  # for the request's log line and the active-users gauge
    return caller


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidJson("Request body is not valid JSON (UTF-8)") from exc
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object")
    return body


def _request_id(request: Request) -> str:
    """The id the call is billed under: the request id the gateway made up, or a fresh one when the
    client chose its ``X-Request-ID`` (a correlation id it may well send on every call)."""
    state = request.scope.get("state", {})
    if state.get("request_id_chosen_by_client") or not state.get("request_id"):
        return uuid.uuid4().hex
    return str(state["request_id"])


async def _answer(
    request: Request,
    gateway: GatewayService,
    caller: Caller,
    produce: Callable[[], Awaitable[GatewayAnswer]],
) -> Response:
    """The JSON answer of ``produce()``; under an ``Idempotency-Key``, the first call's answer for
    every repeat (billed once)."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return send_answer(await produce())
    request_print = fingerprint(request.url.path, await request.body())
    raw, headers = await gateway.once(caller, key, request_print, produce)
    return Response(raw, media_type="application/json", headers=headers)


async def _serving(request: Request) -> tuple[GatewayService, Caller]:
    """The gateway service and the authenticated caller. The services are looked up by type directly
    rather than through FastAPI dependencies: these routes are the hot path, served by the fast path
    (``gateway/fastpath.py``) without FastAPI's dependency solving, which costs a measurable share of
    their CPU."""
    services = registry_of(request)
    gateway = services.get(GatewayService)
    return gateway, await _caller(request, services, gateway)


def _json_response(body: dict[str, Any], headers: dict[str, str]) -> Response:
    return Response(orjson.dumps(body), media_type="application/json", headers=headers)


class SettledResponse(Response):
    """A JSON answer whose call is settled once it was sent (the client does not wait for the usage
    write), whether or not the client stayed to read it."""

    media_type = "application/json"

    def __init__(self, answer: GatewayAnswer) -> None:
        super().__init__(orjson.dumps(answer.body), headers=answer.headers)
        self._answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self._answer.settle()


def send_answer(answer: GatewayAnswer) -> Response:
    """The response for ``answer``, settling its call after sending."""
    return (
        SettledResponse(answer) if answer.after is not None else _json_response(answer.body, answer.headers)
    )


@router.post("/chat/completions", openapi_extra=JSON_BODY)
async def chat_completions(request: Request) -> Response:
    """Create a chat completion (OpenAI's request shape). With `"stream": true` the answer is
    server-sent events; `stream_options.include_usage` adds a final usage chunk. Limits, budget and
    usage accounting apply to every call."""
    gateway, caller = await _serving(request)
    body = await _json(request)
    if body.get("stream") is True:
        stream = await gateway.stream_chat(caller, body, _request_id(request))
        return StreamingResponse(stream.events, media_type="text/event-stream", headers=stream.headers)
    return await _answer(request, gateway, caller, lambda: gateway.chat(caller, body, _request_id(request)))


@router.post("/embeddings", openapi_extra=JSON_BODY)
async def embeddings(request: Request) -> Response:
    """Create embeddings for `input` (a string or an array)."""
    gateway, caller = await _serving(request)
    body = await _json(request)
    return await _answer(
        request, gateway, caller, lambda: gateway.embeddings(caller, body, _request_id(request))
    )


@router.post("/audio/transcriptions", openapi_extra=AI_SCOPE)
async def transcriptions(request: Request) -> Response:
    """Transcribe an audio file (multipart: `file`, `model`, optional `language`, `prompt`,
    `response_format`, `temperature`)."""
    gateway, caller = await _serving(request)
    form = await request.form()
    upload, model = form.get("file"), form.get("model")
    if not isinstance(upload, UploadFile):
        raise InvalidRequest("'file' is required", param="file")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("'model' is required", param="model")
    params = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("model", "file")}
    content, media_type, headers = await gateway.transcribe(
        caller, model, await upload.read(), upload.filename or "audio", params, _request_id(request)
    )
    if isinstance(content, str):
        return PlainTextResponse(content, media_type=media_type, headers=headers)
    return _json_response(content, headers)


@router.get("/models", openapi_extra=AI_SCOPE)
async def models(request: Request) -> Response:
    """The models this company may use: the platform's public models (only those of the company's
    allow-list, when it has one) and the company's own aliases, each with a usable provider."""
    gateway, caller = await _serving(request)
    return _json_response(await gateway.models(caller), {})
