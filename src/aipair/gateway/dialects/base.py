"""What every streaming dialect does: render chat chunks as its own server-sent events."""

from __future__ import annotations

import uuid
from typing import Protocol

import orjson

from aipair.gateway.errors import GatewayError
from aipair.gateway.providers.base import JsonObject, Usage

__all__ = ["OpenAIChunks", "StreamDialect", "new_id", "sse"]


def new_id(prefix: str) -> str:
    """An id in the style of the API it is shown in (``msg_…``, ``resp_…``)."""
    return f"{prefix}{uuid.uuid4().hex}"


def sse(event: str, data: JsonObject) -> bytes:
    """One named server-sent event."""
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


class StreamDialect(Protocol):
    """Turns a chat completion stream into a dialect's events."""

    def chunk(self, chunk: JsonObject) -> bytes:
        """The events for one ``chat.completion.chunk`` (may be empty)."""
        ...

    def end(self, usage: Usage) -> bytes:
        """The closing events once the stream ended, with what it used."""
        ...

    def error(self, error: GatewayError) -> bytes:
        """The event reporting a failure mid-stream."""
        ...


class OpenAIChunks:
    """OpenAI's own chat stream: ``data:`` lines and ``[DONE]``."""

    def chunk(self, chunk: JsonObject) -> bytes:
        return b"data: " + orjson.dumps(chunk) + b"\n\n"

    def end(self, usage: Usage) -> bytes:
        return b"data: [DONE]\n\n"

    def error(self, error: GatewayError) -> bytes:
        return b"data: " + orjson.dumps(error.to_openai_body()) + b"\n\n"
