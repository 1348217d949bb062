"""HTTP plumbing shared by the HTTP adapters: requests, SSE decoding, upstream error translation.

Requests go through the shared :class:`~aipair.gateway.providers.client.UpstreamClient`. Every upstream
failure leaves this module as a :class:`~aipair.gateway.errors.GatewayError`: HTTP error statuses by
:func:`error_from_response`, transport failures and timeouts by :func:`error_from_transport`. Upstream
messages are scrubbed of the provider key before they can reach a client or a log line.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from typing import Any

import orjson

from aipair.gateway.errors import (
    GatewayError,
    InvalidRequest,
    ProviderAuthFailed,
    ProviderError,
    ProviderQuotaExhausted,
    ProviderTimeout,
    ProviderUnreachable,
    UpstreamModelNotFound,
    UpstreamRateLimited,
)
from aipair.gateway.providers.base import JsonObject
from aipair.gateway.providers.client import (
    Endpoint,
    TransportError,
    TransportTimeout,
    UpstreamClient,
    UpstreamResponse,
    UpstreamStream,
)

__all__ = [
    "CLIENT_HEADERS",
    "SSEDecoder",
    "error_from_response",
    "error_from_transport",
    "iter_sse",
    "multipart_form",
    "open_stream",
    "parse_json_object",
    "parse_retry_after",
    "post",
    "post_json",
    "scrub",
]

_MAX_MESSAGE_CHARS = 500
CLIENT_HEADERS: tuple[tuple[str, str], ...] = (
    ("user-agent", "aipair-gateway"),
    ("accept-encoding", "gzip, deflate"),
)
"""Headers every upstream request carries."""


class SSEDecoder:
    """Incremental Server-Sent Events decoder over bytes: feed chunks, get ``(event, data)`` pairs.

    Follows the spec's line rules for ``event:``, ``data:`` (multi-line data joined by ``\\n``),
    comments and blank-line dispatch; other fields are ignored. The event name defaults to ``message``.
    """

    __slots__ = ("_buffer", "_data", "_event")

    def __init__(self) -> None:
        self._buffer = b""
        self._event = b""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[tuple[bytes, bytes]]:
        """Decode ``chunk`` and return every event it completed, in order."""
        lines = (self._buffer + chunk).split(b"\n")
        self._buffer = lines.pop()
        events: list[tuple[bytes, bytes]] = []
        for raw in lines:
            line = raw[:-1] if raw.endswith(b"\r") else raw
            if not line:
                self._dispatch(events)
            elif line.startswith(b"data:"):
                value = line[5:]
                self._data.append(value[1:] if value.startswith(b" ") else value)
            elif line.startswith(b"event:"):
                self._event = line[6:].strip()
        return events

    def flush(self) -> list[tuple[bytes, bytes]]:
        """Events left when the stream ended without a final blank line."""
        events = self.feed(b"\n\n") if self._buffer else []
        self._dispatch(events)
        return events

    def _dispatch(self, events: list[tuple[bytes, bytes]]) -> None:
        if self._data:
            events.append((self._event or b"message", b"\n".join(self._data)))
        self._data = []
        self._event = b""


def scrub(text: str, secret: str | None) -> str:
    """``text`` with ``secret`` masked and cut to a sane length."""
    if secret:
        text = text.replace(secret, "***")
    return text[:_MAX_MESSAGE_CHARS]


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the upstream asked us to wait (``retry-after-ms`` or ``retry-after`` in seconds), or None."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                return max(0.0, float(value) / scale)
            except ValueError:
                continue
    return None


def _error_fields(content: bytes) -> tuple[str, str, str | None]:
    """(message, code-or-type, param) of an OpenAI or Anthropic error body; empty when unparsable."""
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        return "", "", None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return "", "", None
    message = error.get("message")
    kind = error.get("code") or error.get("type")
    param = error.get("param")
    return (
        message if isinstance(message, str) else "",
        kind if isinstance(kind, str) else "",
        param if isinstance(param, str) else None,
    )


def error_from_response(
    provider: str, status: int, content: bytes, headers: Mapping[str, str], secret: str | None
) -> GatewayError:
    """Translate an upstream HTTP error status into the gateway's error tree."""
    message, kind, param = _error_fields(content)
    message = scrub(message, secret)
    where: dict[str, Any] = {"provider": provider, "upstream_status": status}
    if status == 429:
        if kind == "insufficient_quota":
            return ProviderQuotaExhausted(f"Provider '{provider}' is out of quota", **where)
        return UpstreamRateLimited(
            f"Provider '{provider}' is rate limiting requests",
            retry_after=parse_retry_after(headers),
            **where,
        )
    if status in (401, 403):
        return ProviderAuthFailed(f"Provider '{provider}' rejected the gateway's credentials", **where)
    if status == 404:
        return UpstreamModelNotFound(f"Provider '{provider}' does not serve the configured model", **where)
    if status == 408:
        return ProviderTimeout(f"Provider '{provider}' timed out", **where)
    if 400 <= status < 500:
        return InvalidRequest(message or f"Provider '{provider}' rejected the request", param=param, **where)
    return ProviderError(f"Provider '{provider}' failed with HTTP {status}", **where)


def error_from_transport(provider: str, exc: TransportError) -> GatewayError:
    """Translate a timeout or transport failure (never echoing request headers)."""
    if isinstance(exc, TransportTimeout):
        return ProviderTimeout(f"Provider '{provider}' did not answer in time", provider=provider)
    return ProviderUnreachable(f"Provider '{provider}' could not be reached ({exc})", provider=provider)


def parse_json_object(content: bytes, provider: str) -> JsonObject:
    """Parse an upstream JSON object; anything else is a :class:`ProviderError`."""
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        raise ProviderError(f"Provider '{provider}' sent invalid JSON", provider=provider) from None
    if not isinstance(data, dict):
        raise ProviderError(f"Provider '{provider}' sent a non-object JSON value", provider=provider)
    return data


def multipart_form(
    fields: Mapping[str, str], file_field: str, filename: str, file: bytes
) -> tuple[str, bytes]:
    """A ``multipart/form-data`` body: (content type, body)."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\ncontent-disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode()
        )
        parts.append(value.encode() + b"\r\n")
    parts.append(
        f'--{boundary}\r\ncontent-disposition: form-data; name="{_quote(file_field)}"; '
        f'filename="{_quote(filename)}"\r\ncontent-type: application/octet-stream\r\n\r\n'.encode()
    )
    parts.append(file + f"\r\n--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


async def post(
    client: UpstreamClient,
    endpoint: Endpoint,
    body: bytes,
    *,
    provider: str,
    secret: str | None,
    headers: bytes,
    timeout_s: float,
) -> UpstreamResponse:
    """POST and return a successful response; transport failures and error statuses raise translated."""
    try:
        response = await client.request("POST", endpoint, headers, body, timeout_s=timeout_s)
    except TransportError as exc:
        raise error_from_transport(provider, exc) from exc
    if response.status >= 400:
        raise error_from_response(provider, response.status, response.content, response.headers, secret)
    return response


async def post_json(
    client: UpstreamClient,
    endpoint: Endpoint,
    payload: bytes,
    *,
    provider: str,
    secret: str | None,
    headers: bytes,
    timeout_s: float,
) -> JsonObject:
    """POST a JSON payload (already serialised) and return the parsed JSON object answer.

    ``headers`` (from :func:`~aipair.gateway.providers.client.encode_headers`) must hold everything the
    upstream needs, content type included; ``timeout_s`` bounds the whole exchange.
    """
    response = await post(
        client, endpoint, payload, provider=provider, secret=secret, headers=headers, timeout_s=timeout_s
    )
    return parse_json_object(response.content, provider)


async def open_stream(
    client: UpstreamClient,
    endpoint: Endpoint,
    payload: bytes,
    *,
    provider: str,
    secret: str | None,
    headers: bytes,
    timeout_s: float,
) -> UpstreamStream:
    """POST a streaming request and return the open response once its status is known to be good.

    The caller owns the response and must ``aclose()`` it. Error statuses are read, closed and raised.
    ``timeout_s`` bounds the wait for the response head, then each wait for more of the body.
    """
    try:
        stream = await client.open_stream("POST", endpoint, headers, payload, timeout_s=timeout_s)
    except TransportError as exc:
        raise error_from_transport(provider, exc) from exc
    if stream.status < 400:
        return stream
    try:
        content = await stream.aread()
    except TransportError:
        content = b""
    finally:
        await stream.aclose()
    raise error_from_response(provider, stream.status, content, stream.headers, secret)


async def iter_sse(stream: UpstreamStream, provider: str) -> AsyncGenerator[tuple[bytes, bytes], None]:
    """The SSE events of an open streaming response; closes it when done, translating read failures."""
    decoder = SSEDecoder()
    try:
        async with aclosing(stream.aiter_bytes()) as chunks:
            async for chunk in chunks:
                for event in decoder.feed(chunk):
                    yield event
        for event in decoder.flush():
            yield event
    except TransportError as exc:
        raise error_from_transport(provider, exc) from exc
    finally:
        await stream.aclose()
