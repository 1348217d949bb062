"""Fakes shared by the gateway tests: upstream payload builders, SSE bodies, a fake clock and sleep."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any

import orjson

OPENAI_PATH = "/v1"
BACKUP_PATH = "/backup/v1"
ANTHROPIC_PATH = "/anthropic"
"""Where each fake provider lives on the loopback upstream (its base URL is ``upstream.url + path``)."""
OPENAI_KEY = "sk-upstream-secret-123"
ANTHROPIC_KEY = "sk-ant-upstream-secret-456"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeSleep:
    """Records every requested delay and advances the fake clock instead of waiting."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock.advance(seconds)


def sse(*events: Any, done: bool = True) -> bytes:
    """An OpenAI-style SSE body: one ``data:`` line per event, then ``[DONE]``."""
    body = b"".join(b"data: " + orjson.dumps(e) + b"\n\n" for e in events)
    return body + (b"data: [DONE]\n\n" if done else b"")


def anthropic_sse(*events: dict[str, Any]) -> bytes:
    """An Anthropic-style SSE body (``event:`` and ``data:`` lines)."""
    return b"".join(f"event: {e['type']}\n".encode() + b"data: " + orjson.dumps(e) + b"\n\n" for e in events)


def completion(
    content: str = "Hello!", *, prompt_tokens: int = 12, completion_tokens: int = 3
) -> dict[str, Any]:
    """A minimal OpenAI chat.completion object."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def chunk(content: str | None = None, *, finish: str | None = None, role: bool = False) -> dict[str, Any]:
    """An OpenAI chat.completion.chunk with one delta (``usage: null`` as sent with include_usage)."""
    delta: dict[str, Any] = {}
    if role:
        delta["role"] = "assistant"
    if content is not None:
        delta["content"] = content
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        "usage": None,
    }


def usage_chunk(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    """The final usage-only chunk of an OpenAI stream."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


async def hanging_stream(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    """Yields ``parts`` and then never ends, like an upstream still generating."""
    for part in parts:
        yield part
    await asyncio.Event().wait()
