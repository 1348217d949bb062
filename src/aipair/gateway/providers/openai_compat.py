"""Adapter for any OpenAI-compatible HTTP API: OpenAI, Azure OpenAI, Ollama, vLLM and similar.

Requests go out almost as they came in (the public model swapped for the upstream one); responses are
parsed with orjson and passed through as plain dicts. Streams always ask the upstream for usage
(``stream_options.include_usage``) so they can be billed from it.
"""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from urllib.parse import quote

import orjson

from aipair.gateway.errors import ProviderError
from aipair.gateway.providers.base import ChatResult, EmbeddingsResult, JsonObject, TranscriptionResult, Usage
from aipair.gateway.providers.client import Endpoint, UpstreamClient, UpstreamStream, encode_headers
from aipair.gateway.providers.http import (
    CLIENT_HEADERS,
    iter_sse,
    multipart_form,
    open_stream,
    parse_json_object,
    post,
    post_json,
    scrub,
)
from aipair.gateway.providers.streaming import ChatStream, StreamAccumulator, wants_stream_usage
from aipair.gateway.tokens import (
    estimate_chat_input_tokens,
    estimate_embeddings_request,
    estimate_text_tokens,
)

__all__ = ["OpenAICompatProvider"]

_TEXT_TRANSCRIPT_FORMATS = frozenset({"text", "srt", "vtt"})
_OPERATIONS = ("chat/completions", "embeddings", "audio/transcriptions")
AUDIO_BYTES_PER_SECOND = 16_000
"""Used to estimate billable audio seconds when the upstream reports no duration (128 kbit/s)."""


def _chat_usage(data: JsonObject, body: JsonObject) -> Usage:
    usage = data.get("usage")
    if isinstance(usage, dict):
        return Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
    output = 0
    for choice in data.get("choices") or ():
        message = choice.get("message") or {}
        output += estimate_text_tokens(message.get("content") or "")
    return Usage(estimate_chat_input_tokens(body), output)


def _transcription_usage(content: JsonObject | str, file_size: int) -> Usage:
    usage = content.get("usage") if isinstance(content, dict) else None
    if isinstance(usage, dict) and usage.get("type") == "tokens":
        return Usage(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0))
    seconds: object = usage.get("seconds") if isinstance(usage, dict) else None
    if seconds is None and isinstance(content, dict):
        seconds = content.get("duration")
    if isinstance(seconds, int | float):
        return Usage(math.ceil(seconds), 0)
    return Usage(math.ceil(file_size / AUDIO_BYTES_PER_SECOND), 0)


class OpenAICompatProvider:
    """An OpenAI-compatible upstream reached over the shared :class:`UpstreamClient`.

    ``base_url`` includes the version path (``https://api.openai.com/v1``, ``http://localhost:11434/v1``).
    With ``azure=True`` the model is the deployment name (``{base_url}/openai/deployments/{model}/...``)
    and the key goes in the ``api-key`` header; ``api_version`` adds ``?api-version=`` to every URL.
    The key never appears in ``repr``, errors or logs.
    """

    def __init__(
        self,
        name: str,
        *,
        client: UpstreamClient,
        base_url: str,
        api_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        api_version: str | None = None,
        azure: bool = False,
    ) -> None:
        self.name = name
        self._client = client
        self._base = base_url.rstrip("/")
        self._secret = api_key or None
        self._azure = azure
        self._query = f"?api-version={api_version}" if api_version else ""
        auth: dict[str, str] = dict(extra_headers or {})
        if api_key:
            auth["api-key" if azure else "authorization"] = api_key if azure else f"Bearer {api_key}"
        self._form_headers = {**dict(CLIENT_HEADERS), "accept": "application/json", **auth}
        self._json_headers = encode_headers({**self._form_headers, "content-type": "application/json"})
        self._fixed_urls = (
            {}
            if azure
            else {
                operation: Endpoint.parse(f"{self._base}/{operation}{self._query}")
                for operation in _OPERATIONS
            }
        )

    def __repr__(self) -> str:
        return f"OpenAICompatProvider(name={self.name!r}, base_url={self._base!r})"

    def _url(self, operation: str, model: str) -> Endpoint:
        if self._azure:
            return Endpoint.parse(
                f"{self._base}/openai/deployments/{quote(model, safe='')}/{operation}{self._query}"
            )
        return self._fixed_urls[operation]

    async def chat(self, body: JsonObject, *, model: str, timeout_s: float) -> ChatResult:
        """POST /chat/completions without streaming; usage from the response (estimated if absent)."""
        payload = {**body, "model": model}
        payload.pop("stream", None)
        payload.pop("stream_options", None)
        data = await post_json(
            self._client,
            self._url("chat/completions", model),
            orjson.dumps(payload),
            provider=self.name,
            secret=self._secret,
            headers=self._json_headers,
            timeout_s=timeout_s,
        )
        return ChatResult(data, _chat_usage(data, body))

    async def stream_chat(self, body: JsonObject, *, model: str, timeout_s: float) -> ChatStream:
        """POST /chat/completions with ``stream: true`` and upstream usage forced on."""
        accumulator = StreamAccumulator(estimate_chat_input_tokens(body))
        options = body.get("stream_options")
        options = {**options, "include_usage": True} if isinstance(options, dict) else {"include_usage": True}
        payload = {**body, "model": model, "stream": True, "stream_options": options}
        response = await open_stream(
            self._client,
            self._url("chat/completions", model),
            orjson.dumps(payload),
            provider=self.name,
            secret=self._secret,
            headers=self._json_headers,
            timeout_s=timeout_s,
        )
        stream = ChatStream(
            self._chunks(response),
            accumulator,
            include_usage=wants_stream_usage(body),
            on_close=response.aclose,
        )
        await stream.prime()
        return stream

    async def _chunks(self, response: UpstreamStream) -> AsyncGenerator[JsonObject, None]:
        async with aclosing(iter_sse(response, self.name)) as events:
            async for _event, data in events:
                if data == b"[DONE]":
                    return
                chunk = parse_json_object(data, self.name)
                error = chunk.get("error")
                if error is not None:
                    message = error.get("message") if isinstance(error, dict) else None
                    raise ProviderError(
                        scrub(
                            f"Provider '{self.name}' failed mid-stream: {message or 'unknown error'}",
                            self._secret,
                        ),
                        provider=self.name,
                    )
                yield chunk

    async def embeddings(self, body: JsonObject, *, model: str, timeout_s: float) -> EmbeddingsResult:
        """POST /embeddings; usage is the upstream's ``prompt_tokens`` (estimated if absent)."""
        data = await post_json(
            self._client,
            self._url("embeddings", model),
            orjson.dumps({**body, "model": model}),
            provider=self.name,
            secret=self._secret,
            headers=self._json_headers,
            timeout_s=timeout_s,
        )
        usage = data.get("usage")
        if isinstance(usage, dict) and usage.get("prompt_tokens") is not None:
            return EmbeddingsResult(data, Usage(int(usage["prompt_tokens"]), 0))
        return EmbeddingsResult(data, Usage(estimate_embeddings_request(body).input_tokens, 0))

    async def transcribe(
        self, file: bytes, filename: str, params: Mapping[str, str], *, model: str, timeout_s: float
    ) -> TranscriptionResult:
        """POST /audio/transcriptions (multipart); text formats come back as text.

        Usage: the upstream's token usage, else its duration in seconds, else seconds estimated from size.
        """
        content_type, form = multipart_form({**params, "model": model}, "file", filename, file)
        response = await post(
            self._client,
            self._url("audio/transcriptions", model),
            form,
            provider=self.name,
            secret=self._secret,
            headers=encode_headers({**self._form_headers, "content-type": content_type}),
            timeout_s=timeout_s,
        )
        media_type = response.headers.get("content-type", "application/json").split(";")[0].strip()
        content: JsonObject | str
        if params.get("response_format") in _TEXT_TRANSCRIPT_FORMATS or not media_type.endswith("json"):
            content = response.content.decode("utf-8", errors="replace")
        else:
            content = parse_json_object(response.content, self.name)
        return TranscriptionResult(content, media_type, _transcription_usage(content, len(file)))
