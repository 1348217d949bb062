"""Adapter for Anthropic's Messages API: chat completions translated to and from OpenAI's chat shapes,
and Messages calls (``/v1/messages``) passed through in Anthropic's own shapes, streams included.

Only chat is available: Anthropic has no embeddings or transcription API, so those raise
:class:`~aipair.gateway.errors.UnsupportedOperation` (400) with a clear message.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing

import orjson

from aipair.gateway.errors import UnsupportedOperation
from aipair.gateway.providers.anthropic_translate import (
    AnthropicStreamTranslator,
    anthropic_usage,
    to_anthropic_request,
    to_openai_completion,
)
from aipair.gateway.providers.base import ChatResult, EmbeddingsResult, JsonObject, TranscriptionResult
from aipair.gateway.providers.client import Endpoint, UpstreamClient, UpstreamStream, encode_headers
from aipair.gateway.providers.http import CLIENT_HEADERS, iter_sse, open_stream, parse_json_object, post_json
from aipair.gateway.providers.streaming import ChatStream, StreamAccumulator, wants_stream_usage
from aipair.gateway.tokens import DEFAULT_OUTPUT_RESERVATION, estimate_chat_input_tokens

__all__ = ["ANTHROPIC_API_VERSION", "AnthropicProvider"]

ANTHROPIC_API_VERSION = "2023-06-01"


class AnthropicProvider:
    """Anthropic Messages API over the shared :class:`UpstreamClient`.

    ``max_tokens`` (mandatory upstream) is the request's ``max_completion_tokens``/``max_tokens``, else
    ``default_max_tokens`` (every Claude model writes at least 4,096 tokens). The key never appears in
    ``repr`` or errors.
    """

    def __init__(
        self,
        name: str,
        *,
        client: UpstreamClient,
        api_key: str | None,
        base_url: str = "https://api.anthropic.com",
        api_version: str = ANTHROPIC_API_VERSION,
        extra_headers: Mapping[str, str] | None = None,
        default_max_tokens: int = DEFAULT_OUTPUT_RESERVATION,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self._client = client
        base = base_url.rstrip("/")
        self._location = f"{base}/messages" if base.endswith("/v1") else f"{base}/v1/messages"
        self._url = Endpoint.parse(self._location)
        self._secret = api_key or None
        self._default_max_tokens = default_max_tokens
        self._clock = clock
        headers = {
            **dict(CLIENT_HEADERS),
            "content-type": "application/json",
            "accept": "application/json",
            "anthropic-version": api_version,
            **(extra_headers or {}),
        }
        if api_key:
            headers["x-api-key"] = api_key
        self._headers = encode_headers(headers)

    def __repr__(self) -> str:
        return f"AnthropicProvider(name={self.name!r}, url={self._location!r})"

    def _request(self, body: JsonObject, model: str) -> JsonObject:
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        if not isinstance(max_tokens, int):
            max_tokens = self._default_max_tokens
        return to_anthropic_request(body, model=model, max_tokens=max_tokens)

    async def chat(self, body: JsonObject, *, model: str, timeout_s: float) -> ChatResult:
        """POST /v1/messages and translate the answer to a ``chat.completion``."""
        data = await post_json(
            self._client,
            self._url,
            orjson.dumps(self._request(body, model)),
            provider=self.name,
            secret=self._secret,
            headers=self._headers,
            timeout_s=timeout_s,
        )
        response, usage = to_openai_completion(data, created=int(self._clock()))
        return ChatResult(response, usage)

    async def stream_chat(self, body: JsonObject, *, model: str, timeout_s: float) -> ChatStream:
        """POST /v1/messages with ``stream: true``; events are translated to OpenAI chunks."""
        accumulator = StreamAccumulator(estimate_chat_input_tokens(body))
        request = self._request(body, model)
        request["stream"] = True
        response = await open_stream(
            self._client,
            self._url,
            orjson.dumps(request),
            provider=self.name,
            secret=self._secret,
            headers=self._headers,
            timeout_s=timeout_s,
        )
        translator = AnthropicStreamTranslator(accumulator, created=int(self._clock()), model=model)
        stream = ChatStream(
            self._chunks(response, translator),
            accumulator,
            include_usage=wants_stream_usage(body),
            on_close=response.aclose,
        )
        await stream.prime()
        return stream

    async def _chunks(
        self, response: UpstreamStream, translator: AnthropicStreamTranslator
    ) -> AsyncGenerator[JsonObject, None]:
        async with aclosing(iter_sse(response, self.name)) as events:
            async for _event, data in events:
                chunk = translator.translate(parse_json_object(data, self.name))
                if chunk is not None:
                    yield chunk
                if translator.finished:
                    return

    def _native_headers(self, beta: str | None) -> bytes:
        """The provider's headers, with the client's ``anthropic-beta`` (checked by the caller)."""
        return self._headers if beta is None else self._headers + encode_headers({"anthropic-beta": beta})

    async def messages(
        self, body: JsonObject, *, model: str, timeout_s: float, beta: str | None = None
    ) -> ChatResult:
        """POST /v1/messages with the client's own Messages request (and ``anthropic-beta``), passed
        through: the answer is Anthropic's ``message`` as it came."""
        data = await post_json(
            self._client,
            self._url,
            orjson.dumps({**body, "model": model, "stream": False}),
            provider=self.name,
            secret=self._secret,
            headers=self._native_headers(beta),
            timeout_s=timeout_s,
        )
        return ChatResult(data, anthropic_usage(data.get("usage")))

    async def stream_messages(
        self, body: JsonObject, *, model: str, timeout_s: float, beta: str | None = None
    ) -> ChatStream:
        """POST /v1/messages with the client's own streamed request; Anthropic's events come back as they
        are (read along the way for usage: the upstream's counts, or the text delivered if cut short)."""
        accumulator = StreamAccumulator(0)  # message_start, the first event, carries the input tokens
        response = await open_stream(
            self._client,
            self._url,
            orjson.dumps({**body, "model": model, "stream": True}),
            provider=self.name,
            secret=self._secret,
            headers=self._native_headers(beta),
            timeout_s=timeout_s,
        )
        translator = AnthropicStreamTranslator(accumulator, created=int(self._clock()), model=model)
        events = self._native_events(response, translator, accumulator)
        stream = ChatStream(events, accumulator, include_usage=True, on_close=response.aclose, native=True)
        await stream.prime()
        return stream

    async def _native_events(
        self, response: UpstreamStream, translator: AnthropicStreamTranslator, accumulator: StreamAccumulator
    ) -> AsyncGenerator[JsonObject, None]:
        async with aclosing(iter_sse(response, self.name)) as events:
            async for event, data in events:
                parsed = parse_json_object(data, self.name)
                chunk = translator.translate(parsed)  # an error event raises, like a translated stream's
                if chunk is not None and chunk.get("usage"):
                    accumulator.record_usage(chunk["usage"])
                elif chunk is not None:
                    accumulator.record_delivered(chunk)
                yield {"event": event or str(parsed.get("type", "")).encode(), "data": parsed, "raw": data}
                if translator.finished:
                    return

    async def embeddings(self, body: JsonObject, *, model: str, timeout_s: float) -> EmbeddingsResult:
        """Always raises: Anthropic offers no embeddings."""
        raise UnsupportedOperation(
            "Anthropic models do not provide embeddings; use an OpenAI-compatible embeddings model",
            param="model",
        )

    async def transcribe(
        self, file: bytes, filename: str, params: Mapping[str, str], *, model: str, timeout_s: float
    ) -> TranscriptionResult:
        """Always raises: Anthropic offers no audio transcription."""
        raise UnsupportedOperation(
            "Anthropic models do not transcribe audio; use a transcription model such as whisper-1",
            param="model",
        )
