"""The calls of the other dialects (Anthropic Messages, OpenAI Responses, legacy completions), each
made as a governed chat completion: same limits, budget reservation, routing, usage and cost."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from aipair.gateway.admission import Caller
from aipair.gateway.dialects.anthropic_messages import (
    MessageEvents,
    PassedThroughEvents,
    chat_to_message,
    messages_to_chat,
)
from aipair.gateway.dialects.base import StreamDialect
from aipair.gateway.dialects.completions import CompletionChunks, chat_to_completion, completion_to_chat
from aipair.gateway.dialects.responses import ResponseEvents, chat_to_response, responses_to_chat
from aipair.gateway.errors import InvalidRequest, ModelNotFound
from aipair.gateway.providers.base import ChatResult, JsonObject, Provider, SpeaksMessages, Usage
from aipair.gateway.providers.streaming import ChatStream
from aipair.gateway.service import GatewayAnswer, GatewayService, GatewayStream
from aipair.gateway.tokens import estimate_chat_input_tokens
from aipair.gateway.validation import validate_completion, validate_messages_api, validate_responses

__all__ = ["completion", "count_tokens", "message", "model_detail", "response"]

BETA_FEATURES = re.compile(r"[A-Za-z0-9._-]+(?: *, *[A-Za-z0-9._-]+)*")


def _model(body: JsonObject) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("'model' is required and must be a string", param="model")
    return model


def _beta(header: str | None) -> str | None:
    """The client's ``anthropic-beta`` header (feature names, comma-separated), or 400."""
    if header is None or BETA_FEATURES.fullmatch(header):
        return header
    raise InvalidRequest(
        "'anthropic-beta' must list feature names separated by commas", param="anthropic-beta"
    )


async def message(
    gateway: GatewayService, caller: Caller, body: JsonObject, request_id: str, beta: str | None = None
) -> GatewayAnswer | GatewayStream:
    """``POST /v1/messages``: Anthropic's Messages API, passed through to a provider that speaks it (with
    the client's ``anthropic-beta`` header) and translated for any other (governed and billed alike:
    limits and budget count the request once)."""
    model = _model(body)
    validate_messages_api(body)
    beta = _beta(beta)
    chat = messages_to_chat(body)
    if chat.get("stream"):

        async def open_stream(provider: Provider, upstream: str, timeout_s: float) -> ChatStream:
            if isinstance(provider, SpeaksMessages):
                return await provider.stream_messages(body, model=upstream, timeout_s=timeout_s, beta=beta)
            return await provider.stream_chat(chat, model=upstream, timeout_s=timeout_s)

        def events(stream: ChatStream, tokens: int) -> StreamDialect:
            return PassedThroughEvents(model) if stream.native else MessageEvents(model, tokens)

        return await gateway.stream_chat(caller, chat, request_id, "messages", events, open_stream)

    async def create(provider: Provider, upstream: str, timeout_s: float) -> ChatResult:
        if isinstance(provider, SpeaksMessages):
            return await provider.messages(body, model=upstream, timeout_s=timeout_s, beta=beta)
        result = await provider.chat(chat, model=upstream, timeout_s=timeout_s)
        return ChatResult(chat_to_message(result.response, result.usage, model), result.usage)

    return await gateway.chat(caller, chat, request_id, "messages", create)


async def count_tokens(gateway: GatewayService, caller: Caller, body: JsonObject) -> JsonObject:
    """``POST /v1/messages/count_tokens``: the input tokens a Messages request would use (free, not
    counted against any limit)."""
    model = _model(body)
    probe: dict[str, Any] = {**body, "max_tokens": 1, "stream": False}
    validate_messages_api(probe)
    await gateway.check_model(caller, model)
    return {"input_tokens": estimate_chat_input_tokens(messages_to_chat(probe))}


async def response(
    gateway: GatewayService, caller: Caller, body: JsonObject, request_id: str
) -> GatewayAnswer | GatewayStream:
    """``POST /v1/responses``: OpenAI's Responses API."""
    model = _model(body)
    validate_responses(body)
    chat = responses_to_chat(body)
    if chat.get("stream"):
        return await gateway.stream_chat(
            caller, chat, request_id, "responses", lambda _stream, _tokens: ResponseEvents(model, body)
        )
    answer = await gateway.chat(caller, chat, request_id, "responses")
    reply = chat_to_response(answer.body, answer.usage or Usage(), model, body)
    return replace(answer, body=reply)


async def completion(
    gateway: GatewayService, caller: Caller, body: JsonObject, request_id: str
) -> GatewayAnswer | GatewayStream:
    """``POST /v1/completions``: OpenAI's legacy completions."""
    model = _model(body)
    validate_completion(body)
    chat = completion_to_chat(body)
    if chat.get("stream"):
        return await gateway.stream_chat(
            caller, chat, request_id, "completion", lambda _stream, _tokens: CompletionChunks(model)
        )
    answer = await gateway.chat(caller, chat, request_id, "completion")
    return replace(answer, body=chat_to_completion(answer.body, model))


async def model_detail(gateway: GatewayService, caller: Caller, model: str) -> JsonObject:
    """``GET /v1/models/{model}``: one model the company may use, or 404 ``model_not_found``."""
    listed = await gateway.models(caller)
    for entry in listed["data"]:
        if entry["id"] == model:
            found: JsonObject = entry
            return found
    raise ModelNotFound(f"The model '{model}' does not exist", param="model")
