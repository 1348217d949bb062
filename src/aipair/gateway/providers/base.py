"""The provider protocol and the plain result types every adapter returns.

Payloads are plain ``dict`` objects in OpenAI's wire shape (parsed with orjson, never validated as a
whole on the hot path): the gateway forwards them as they are and only reads the few fields it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aipair.gateway.providers.payloads import JsonObject, Usage
from aipair.gateway.providers.streaming import ChatStream

__all__ = [
    "ChatResult",
    "EmbeddingsResult",
    "JsonObject",
    "Provider",
    "SpeaksMessages",
    "TranscriptionResult",
    "Usage",
]


@dataclass(frozen=True, slots=True)
class ChatResult:
    """A finished chat completion: the OpenAI ``chat.completion`` object and its usage."""

    response: JsonObject
    usage: Usage


@dataclass(frozen=True, slots=True)
class EmbeddingsResult:
    """An OpenAI ``list`` of embeddings and its usage (input tokens only)."""

    response: JsonObject
    usage: Usage


@dataclass(frozen=True, slots=True)
class TranscriptionResult:
    """A transcription: a JSON object, or text for ``response_format`` text/srt/vtt, plus its media type."""

    content: JsonObject | str
    media_type: str
    usage: Usage


@runtime_checkable
class Provider(Protocol):
    """One upstream AI provider, speaking OpenAI shapes in and out.

    Every method raises only :class:`~aipair.gateway.errors.GatewayError` subclasses for upstream
    problems (HTTP errors, timeouts, broken responses), translated so the router can retry or fall back.
    ``model`` is the upstream model name; ``body["model"]`` (the public name) is ignored. ``timeout_s`` is
    the per-attempt limit in seconds (for streams: the longest silence between two chunks).
    """

    name: str

    async def chat(self, body: JsonObject, *, model: str, timeout_s: float) -> ChatResult:
        """Run a non-streaming chat completion."""
        ...

    async def stream_chat(self, body: JsonObject, *, model: str, timeout_s: float) -> ChatStream:
        """Open a streaming chat completion.

        Returns once the upstream accepted the request and the first chunk arrived (so failures before
        the first byte can still fall back); the returned stream yields ``chat.completion.chunk`` dicts.
        """
        ...

    async def embeddings(self, body: JsonObject, *, model: str, timeout_s: float) -> EmbeddingsResult:
        """Embed ``body["input"]``."""
        ...

    async def transcribe(
        self, file: bytes, filename: str, params: Mapping[str, str], *, model: str, timeout_s: float
    ) -> TranscriptionResult:
        """Transcribe one audio file; ``params`` are the other multipart form fields."""
        ...


@runtime_checkable
class SpeaksMessages(Protocol):
    """A provider that speaks Anthropic's Messages API itself: a Messages call passes through to it as
    the client sent it (only ``model`` becomes the upstream's), and its answer comes back unchanged."""

    async def messages(
        self, body: JsonObject, *, model: str, timeout_s: float, beta: str | None = None
    ) -> ChatResult:
        """Send a Messages request (with the client's ``anthropic-beta`` header, if any); the result's
        ``response`` is Anthropic's ``message``."""
        ...

    async def stream_messages(
        self, body: JsonObject, *, model: str, timeout_s: float, beta: str | None = None
    ) -> ChatStream:
        """Open a streamed Messages request (first event received); its items are Anthropic's events,
        ``{"event": name, "data": parsed, "raw": bytes}`` (``native`` streams)."""
        ...
