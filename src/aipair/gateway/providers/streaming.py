"""Streaming chat: the OpenAI-shaped chunk stream every provider returns, and its usage accumulator.

A :class:`ChatStream` wraps a provider's async generator of ``chat.completion.chunk`` dicts. It counts
what it hands to the caller in a :class:`StreamAccumulator`, which stays readable after the stream
ends, fails or is cancelled (a client that disconnects mid-stream is billed for what it was sent):
the upstream's own usage when the stream got that far, an estimate from the delivered text otherwise.

Upstream usage is always requested; the final usage-only chunk is passed to the caller only when the
client asked for it (``stream_options.include_usage``), as OpenAI does.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from aipair.gateway.errors import GatewayError, ProviderError
from aipair.gateway.providers.payloads import JsonObject, Usage

__all__ = ["ChatStream", "StreamAccumulator", "wants_stream_usage"]


def wants_stream_usage(body: JsonObject) -> bool:
    """Whether the client asked for the final usage chunk (``stream_options.include_usage``)."""
    options = body.get("stream_options")
    return isinstance(options, dict) and bool(options.get("include_usage"))


class StreamAccumulator:
    """Tokens of one stream so far: upstream-reported when available, else estimated from delivered text.

    ``input_tokens`` starts as the request estimate and is replaced by the upstream's count when one
    arrives (Anthropic reports it at the start). Output is estimated like
    :func:`aipair.gateway.tokens.estimate_text_tokens`, from the text actually handed to the caller.
    """

    __slots__ = (
        "_ascii_chars",
        "_other_bytes",
        "chunks_delivered",
        "completed",
        "finish_reason",
        "input_tokens",
        "upstream_usage",
    )

    def __init__(self, input_tokens_estimate: int) -> None:
        self.input_tokens = input_tokens_estimate
        self.upstream_usage: Usage | None = None
        self.finish_reason: str | None = None
        self.completed = False
        self.chunks_delivered = 0
        self._ascii_chars = 0
        self._other_bytes = 0

    def _count_text(self, text: str) -> None:
        if text.isascii():
            self._ascii_chars += len(text)
        else:
            self._other_bytes += len(text.encode("utf-8"))

    def _count_tool_calls(self, tool_calls: list[Any]) -> None:
        for call in tool_calls:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                self._count_text(function.get("name") or "")
                self._count_text(function.get("arguments") or "")

    def record_delivered(self, chunk: JsonObject) -> None:
        """Count the text (content, reasoning, tool-call arguments) of a chunk handed to the caller."""
        self.chunks_delivered += 1
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta")
            if delta:
                content = delta.get("content")
                if content:
                    self._count_text(content)
                reasoning = delta.get("reasoning_content")
                if reasoning:
                    self._count_text(reasoning)
                if delta.get("tool_calls"):
                    self._count_tool_calls(delta["tool_calls"])
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]

    def record_usage(self, usage: JsonObject) -> None:
        """Take the upstream's final usage (OpenAI ``usage`` object) as authoritative."""
        self.upstream_usage = Usage(
            int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        )

    @property
    def output_tokens_estimate(self) -> int:
        """Estimated completion tokens of everything delivered so far."""
        return (self._ascii_chars + 3) // 4 + (self._other_bytes + 2) // 3

    @property
    def usage_is_estimated(self) -> bool:
        """True until the upstream reported its own usage."""
        return self.upstream_usage is None

    @property
    def usage(self) -> Usage:
        """What to bill: the upstream's usage if it arrived, else the estimate of what was delivered."""
        if self.upstream_usage is not None:
            return self.upstream_usage
        return Usage(self.input_tokens, self.output_tokens_estimate)


class ChatStream:
    """An async iterator of OpenAI ``chat.completion.chunk`` dicts from one provider.

    Always ``await stream.aclose()`` when done (it is idempotent and also runs when the stream ends or
    fails). Mid-stream upstream failures are raised as :class:`GatewayError`, stored in ``error`` and
    reported to ``on_error`` (the router uses it to feed the circuit breaker).
    """

    __slots__ = (
        "_chunks",
        "_closed",
        "_first",
        "_include_usage",
        "_on_close",
        "accumulator",
        "error",
        "native",
        "on_error",
    )

    def __init__(
        self,
        chunks: AsyncGenerator[JsonObject, None],
        accumulator: StreamAccumulator,
        *,
        include_usage: bool,
        on_close: Callable[[], Awaitable[None]] | None = None,
        native: bool = False,
    ) -> None:
        self._chunks = chunks
        self.native = native
        """The items are the provider's own events (``{"event", "data", "raw"}``), not chat chunks."""
        self._include_usage = include_usage
        self._on_close = on_close
        self._first: JsonObject | None = None
        self._closed = False
        self.accumulator = accumulator
        self.error: GatewayError | None = None
        self.on_error: Callable[[GatewayError], None] | None = None

    @property
    def usage(self) -> Usage:
        """Usage to bill so far (see :attr:`StreamAccumulator.usage`)."""
        return self.accumulator.usage

    async def prime(self) -> None:
        """Wait for the first chunk and buffer it, so failures before the first byte still raise here.

        An upstream that ends without any chunk is a :class:`ProviderError`. Closes the stream on error.
        """
        primed = False
        try:
            self._first = await anext(self._chunks)
            primed = True
        except StopAsyncIteration:
            raise ProviderError("The upstream provider returned an empty stream") from None
        finally:
            if not primed:
                await self.aclose()

    def __aiter__(self) -> ChatStream:
        return self

    async def __anext__(self) -> JsonObject:
        while True:
            if self._first is not None:
                chunk, self._first = self._first, None
            else:
                chunk = await self._next_upstream()
            usage = chunk.get("usage")
            if usage:
                self.accumulator.record_usage(usage)
            if not self._include_usage:
                if usage and not chunk.get("choices"):
                    continue  # the usage-only chunk the client did not ask for
                chunk.pop("usage", None)
            self.accumulator.record_delivered(chunk)
            return chunk

    async def _next_upstream(self) -> JsonObject:
        if self._closed:
            raise StopAsyncIteration
        try:
            return await anext(self._chunks)
        except StopAsyncIteration:
            self.accumulator.completed = True
            await self.aclose()
            raise
        except GatewayError as exc:
            self.error = exc
            if self.on_error is not None:
                self.on_error(exc)
            await self.aclose()
            raise

    async def aclose(self) -> None:
        """Stop reading and release the upstream connection. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._chunks.aclose()
        finally:
            if self._on_close is not None:
                await self._on_close()
