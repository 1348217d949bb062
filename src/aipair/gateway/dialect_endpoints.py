"""Routes of the other dialects: Anthropic's ``/v1/messages`` (``x-api-key`` or Bearer, errors in
Anthropic's shape), OpenAI's ``/v1/responses`` and ``/v1/completions``, ``/v1/models/{id}``, and the
OpenAI routes deliberately not offered (answered with OpenAI's 404 shape)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from aipair.gateway import dialect_calls
from aipair.gateway.endpoints import (
    AI_SCOPE,
    JSON_BODY,
    _json,
    _json_response,
    _request_id,
    _serving,
    send_answer,
)
from aipair.gateway.errors import RouteNotOffered
from aipair.gateway.service import GatewayAnswer, GatewayStream

router = APIRouter(prefix="/v1", tags=["AI gateway (other dialects)"])


def _send(result: GatewayAnswer | GatewayStream) -> Response:
    if isinstance(result, GatewayStream):
        return StreamingResponse(result.events, media_type="text/event-stream", headers=result.headers)
    return send_answer(result)


@router.post("/messages", openapi_extra=JSON_BODY)
async def messages(request: Request) -> Response:
    """Create a message (Anthropic's Messages API: system, tools, images, streaming events), governed
    and billed like a chat completion. Authenticate with `x-api-key` or `Authorization: Bearer`. To an
    Anthropic model the request passes through unchanged, with its `anthropic-beta` header."""
    gateway, caller = await _serving(request)
    body = await _json(request)
    beta = request.headers.get("anthropic-beta")
    return _send(await dialect_calls.message(gateway, caller, body, _request_id(request), beta))


@router.post("/messages/count_tokens", openapi_extra=JSON_BODY)
async def count_tokens(request: Request) -> Response:
    """Count the input tokens of a Messages request (free; nothing is counted or billed)."""
    gateway, caller = await _serving(request)
    return _json_response(await dialect_calls.count_tokens(gateway, caller, await _json(request)), {})


@router.post("/responses", openapi_extra=JSON_BODY)
async def responses(request: Request) -> Response:
    """Create a response (OpenAI's Responses API: text, function tools, streaming events). Nothing is
    stored: `store: true` and `previous_response_id` are refused."""
    gateway, caller = await _serving(request)
    body = await _json(request)
    return _send(await dialect_calls.response(gateway, caller, body, _request_id(request)))


@router.post("/completions", openapi_extra=JSON_BODY)
async def completions(request: Request) -> Response:
    """Create a legacy completion (one prompt), served as a chat completion."""
    gateway, caller = await _serving(request)
    body = await _json(request)
    return _send(await dialect_calls.completion(gateway, caller, body, _request_id(request)))


@router.get("/models/{model:path}", openapi_extra=AI_SCOPE)
async def model(request: Request, model: str) -> Response:
    """One model the company may use (404 `model_not_found` otherwise)."""
    gateway, caller = await _serving(request)
    return _json_response(await dialect_calls.model_detail(gateway, caller, model), {})


@router.post("/moderations", openapi_extra=JSON_BODY)
@router.post("/audio/speech", openapi_extra=JSON_BODY)
@router.post("/audio/translations", openapi_extra=AI_SCOPE)
async def not_offered(request: Request) -> Response:
    """Not offered by this gateway: OpenAI's 404 shape, so clients report it plainly."""
    await _serving(request)
    raise RouteNotOffered(f"{request.url.path} is not offered by this gateway")
