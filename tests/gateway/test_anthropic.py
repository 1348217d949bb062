"""The Anthropic adapter: OpenAI chat ⇄ Messages API, plain and streaming, over a scripted upstream on
loopback (real HTTP)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from aipair.gateway.errors import (
    ProviderAuthFailed,
    ProviderError,
    UnsupportedOperation,
    UpstreamRateLimited,
)
from aipair.gateway.providers.anthropic import AnthropicProvider
from aipair.gateway.providers.anthropic_translate import to_anthropic_request

from .fakes import ANTHROPIC_KEY, ANTHROPIC_PATH, anthropic_sse
from .loopback import LoopbackUpstream

MESSAGES_URL = f"{ANTHROPIC_PATH}/v1/messages"
BODY: dict[str, Any] = {
    "model": "claude-sonnet-4",
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Name a colour."},
    ],
}


def message(text: str = "Blue.", *, stop_reason: str = "end_turn", **extra: Any) -> dict[str, Any]:
    """A minimal Messages API response."""
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-20250514",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "usage": {"input_tokens": 14, "output_tokens": 3},
        **extra,
    }


def test_request_moves_system_prompt_out_and_always_sets_max_tokens() -> None:
    request = to_anthropic_request(BODY, model="claude-sonnet-4-20250514", max_tokens=1024)

    assert request["system"] == "You are terse."
    assert request["max_tokens"] == 1024
    assert request["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Name a colour."}]}]


def test_request_maps_stop_temperature_and_user() -> None:
    body = {**BODY, "stop": "END", "temperature": 1.7, "top_p": 0.9, "user": "u-1"}

    request = to_anthropic_request(body, model="m", max_tokens=10)

    assert request["stop_sequences"] == ["END"]
    assert request["temperature"] == 1.0  # Anthropic's range is 0-1
    assert request["top_p"] == 0.9
    assert request["metadata"] == {"user_id": "u-1"}


def test_request_maps_tools_tool_calls_and_tool_results() -> None:
    body = {
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
        ],
        "tools": [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}],
        "tool_choice": "required",
    }

    request = to_anthropic_request(body, model="m", max_tokens=10)

    assert request["tools"] == [{"name": "weather", "description": "", "input_schema": {"type": "object"}}]
    assert request["tool_choice"] == {"type": "any"}
    assert request["messages"][1]["content"] == [
        {"type": "tool_use", "id": "call_1", "name": "weather", "input": {"city": "Paris"}}
    ]
    assert request["messages"][2] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "18C"}],
    }


def test_request_merges_consecutive_user_turns_and_translates_images() -> None:
    body = {
        "messages": [
            {"role": "user", "content": "First."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "And this:"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0"}},
                ],
            },
        ]
    }

    request = to_anthropic_request(body, model="m", max_tokens=10)

    assert len(request["messages"]) == 1
    assert request["messages"][0]["content"][2] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0"},
    }


def test_request_in_json_mode_asks_for_json_in_the_system_prompt() -> None:
    request = to_anthropic_request(
        {**BODY, "response_format": {"type": "json_object"}}, model="m", max_tokens=10
    )

    assert request["system"].startswith("You are terse.")
    assert "JSON" in request["system"]


async def test_chat_translates_the_answer_to_openai_shape(
    upstream: LoopbackUpstream, anthropic: AnthropicProvider
) -> None:
    route = upstream.post(MESSAGES_URL).respond(json=message("Blue."))

    result = await anthropic.chat(BODY, model="claude-sonnet-4-20250514", timeout_s=5)

    sent = route.calls.last.request
    assert sent.headers["x-api-key"] == ANTHROPIC_KEY
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert orjson.loads(sent.content)["max_tokens"] == 4096  # default, below the model's 64k maximum
    response = result.response
    assert response["object"] == "chat.completion"
    assert response["choices"][0]["message"] == {"role": "assistant", "content": "Blue."}
    assert response["choices"][0]["finish_reason"] == "stop"
    assert response["usage"] == {"prompt_tokens": 14, "completion_tokens": 3, "total_tokens": 17}
    assert (result.usage.input_tokens, result.usage.output_tokens) == (14, 3)


async def test_chat_translates_tool_use_and_length_stop(
    upstream: LoopbackUpstream, anthropic: AnthropicProvider
) -> None:
    tool = {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}}
    upstream.post(MESSAGES_URL).respond(json=message(stop_reason="tool_use", content=[tool]))

    result = await anthropic.chat({**BODY, "max_tokens": 50}, model="m", timeout_s=5)

    choice = result.response["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    assert choice["message"]["tool_calls"] == [
        {
            "id": "toolu_1",
            "type": "function",
            "function": {"name": "weather", "arguments": '{"city":"Paris"}'},
        }
    ]


async def test_stream_events_become_openai_chunks_with_final_usage(
    upstream: LoopbackUpstream, anthropic: AnthropicProvider
) -> None:
    events = anthropic_sse(
        {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "model": "claude-x",
                "usage": {"input_tokens": 25, "output_tokens": 1},
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " world"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {"output_tokens": 9}},
        {"type": "message_stop"},
    )
    upstream.post(MESSAGES_URL).respond(content=events, headers={"content-type": "text/event-stream"})

    request = {**BODY, "stream": True, "stream_options": {"include_usage": True}}
    stream = await anthropic.stream_chat(request, model="claude-x", timeout_s=5)
    chunks = [c async for c in stream]

    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert (
        "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"]) == "Hello world"
    )
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 9
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == "msg_1" for c in chunks)
    assert (stream.usage.input_tokens, stream.usage.output_tokens) == (25, 9)
    assert stream.accumulator.completed


async def test_stream_tool_use_becomes_tool_call_deltas(
    upstream: LoopbackUpstream, anthropic: AnthropicProvider
) -> None:
    events = anthropic_sse(
        {
            "type": "message_start",
            "message": {"id": "msg_2", "usage": {"input_tokens": 5, "output_tokens": 0}},
        },
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "toolu_9", "name": "f"},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '{"a":'},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": "1}"},
        },
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 4}},
        {"type": "message_stop"},
    )
    upstream.post(MESSAGES_URL).respond(content=events)

    stream = await anthropic.stream_chat(BODY, model="m", timeout_s=5)
    chunks = [c async for c in stream]

    calls = [
        c["choices"][0]["delta"]["tool_calls"][0] for c in chunks if "tool_calls" in c["choices"][0]["delta"]
    ]
    assert calls[0] == {
        "index": 0,
        "id": "toolu_9",
        "type": "function",
        "function": {"name": "f", "arguments": ""},
    }
    assert "".join(call["function"]["arguments"] for call in calls) == '{"a":1}'
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert all(c["choices"] for c in chunks), "no usage chunk without include_usage"


async def test_stream_cut_short_bills_reported_input_and_delivered_output(
    upstream: LoopbackUpstream, anthropic: AnthropicProvider
) -> None:
    events = anthropic_sse(
        {"type": "message_start", "message": {"id": "m", "usage": {"input_tokens": 40, "output_tokens": 1}}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "12345678"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "more"}},
    )
    upstream.post(MESSAGES_URL).respond(content=events)

    stream = await anthropic.stream_chat(BODY, model="m", timeout_s=5)
    await anext(stream)
    await anext(stream)
    await stream.aclose()

    assert (stream.usage.input_tokens, stream.usage.output_tokens) == (40, 2)


async def test_stream_error_event_before_any_chunk_raises_at_open(
    upstream: LoopbackUpstream, anthropic: AnthropicProvider
) -> None:
    events = anthropic_sse({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    upstream.post(MESSAGES_URL).respond(content=events)

    with pytest.raises(ProviderError):
        await anthropic.stream_chat(BODY, model="m", timeout_s=5)


@pytest.mark.parametrize(
    ("status", "error_type", "expected"),
    [
        (401, "authentication_error", ProviderAuthFailed),
        (429, "rate_limit_error", UpstreamRateLimited),
        (529, "overloaded_error", ProviderError),
    ],
)
async def test_anthropic_error_statuses_are_translated(
    upstream: LoopbackUpstream,
    anthropic: AnthropicProvider,
    status: int,
    error_type: str,
    expected: type[Exception],
) -> None:
    upstream.post(MESSAGES_URL).respond(
        status, json={"type": "error", "error": {"type": error_type, "message": "x"}}
    )

    with pytest.raises(expected):
        await anthropic.chat(BODY, model="m", timeout_s=5)


async def test_embeddings_and_transcription_are_clear_unsupported_errors(
    anthropic: AnthropicProvider,
) -> None:
    with pytest.raises(UnsupportedOperation) as embeddings:
        await anthropic.embeddings({"input": "x"}, model="m", timeout_s=5)
    with pytest.raises(UnsupportedOperation) as transcription:
        await anthropic.transcribe(b"", "a.wav", {}, model="m", timeout_s=5)

    assert embeddings.value.status_code == 400
    assert "embeddings" in embeddings.value.message
    assert "transcribe" in transcription.value.message


def test_anthropic_key_is_not_in_repr(anthropic: AnthropicProvider) -> None:
    assert ANTHROPIC_KEY not in repr(anthropic)
