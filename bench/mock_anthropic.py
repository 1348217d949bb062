"""Anthropic's Messages API as the mock upstream speaks it (``POST /v1/messages``): a message, or its
stream of events, in Anthropic's own shapes, so a gateway passing such calls through can be tested."""

from __future__ import annotations

import json
from typing import Any

WORDS = ["Hello", " from", " the", " mock", " Claude", "."]
INPUT_TOKENS = 21
OUTPUT_TOKENS = 6


def _usage(output_tokens: int) -> dict[str, int]:
    return {"input_tokens": INPUT_TOKENS, "output_tokens": output_tokens}


def message(request: dict[str, Any], tool: dict[str, str]) -> dict[str, Any]:
    """The answer to a non-streaming request: text, or a call of ``tool`` (``name``, ``arguments``)."""
    content: list[dict[str, Any]] = [{"type": "text", "text": "".join(WORDS)}]
    stop = "end_turn"
    if tool:
        content = [
            {
                "type": "tool_use",
                "id": "toolu_mock1",
                "name": tool["name"],
                "input": json.loads(tool["arguments"]),
            }
        ]
        stop = "tool_use"
    return {
        "id": "msg_mock",
        "type": "message",
        "role": "assistant",
        "model": request.get("model", "mock"),
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": _usage(OUTPUT_TOKENS),
    }


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def stream(request: dict[str, Any], tool: dict[str, str]) -> bytes:
    """The events of a streamed answer, ``message_start`` to ``message_stop``."""
    start = {**message(request, {}), "content": [], "stop_reason": None, "usage": _usage(1)}
    events = [
        _event("message_start", {"type": "message_start", "message": start}),
        _event("ping", {"type": "ping"}),
    ]
    if tool:
        block = {"type": "tool_use", "id": "toolu_mock1", "name": tool["name"], "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": tool["arguments"]}]
        stop = "tool_use"
    else:
        block = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": word} for word in WORDS]
        stop = "end_turn"
    events.append(
        _event("content_block_start", {"type": "content_block_start", "index": 0, "content_block": block})
    )
    events.extend(
        _event("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
        for delta in deltas
    )
    events.append(_event("content_block_stop", {"type": "content_block_stop", "index": 0}))
    closing = {
        "type": "message_delta",
        "delta": {"stop_reason": stop, "stop_sequence": None},
        "usage": {"output_tokens": OUTPUT_TOKENS},
    }
    events.append(_event("message_delta", closing))
    events.append(_event("message_stop", {"type": "message_stop"}))
    return b"".join(events)
