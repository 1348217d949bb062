"""Request token estimates for worst-case budget reservation, and the checks that come with them."""

from __future__ import annotations

from typing import Any

import pytest

from aipair.gateway.errors import InvalidRequest
from aipair.gateway.tokens import (
    DEFAULT_OUTPUT_RESERVATION,
    estimate_chat_input_tokens,
    estimate_chat_request,
    estimate_embeddings_request,
    estimate_text_tokens,
)


def test_ascii_text_is_about_four_characters_per_token() -> None:
    assert estimate_text_tokens("") == 0
    assert estimate_text_tokens("abcd") == 1
    assert estimate_text_tokens("abcde") == 2
    assert estimate_text_tokens("a" * 4000) == 1000


def test_cjk_text_is_not_underestimated() -> None:
    text = "会议决定推迟发布"  # 8 characters, roughly 8 tokens

    assert estimate_text_tokens(text) >= 8


def test_chat_input_counts_messages_and_overheads() -> None:
    body = {"messages": [{"role": "system", "content": "a" * 40}, {"role": "user", "content": "b" * 400}]}

    assert estimate_chat_input_tokens(body) == 3 + (4 + 10) + (4 + 100)


def test_multipart_content_counts_text_and_images() -> None:
    low = {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}}
    high = {"type": "image_url", "image_url": {"url": "https://x/y.png"}}
    body = {"messages": [{"role": "user", "content": [{"type": "text", "text": "a" * 8}, low, high]}]}

    assert estimate_chat_input_tokens(body) == 3 + 4 + 2 + 85 + 1105


def test_tool_definitions_and_tool_calls_count_as_input() -> None:
    plain = {"messages": [{"role": "user", "content": "hi"}]}
    tools = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]

    assert estimate_chat_input_tokens({**plain, "tools": tools}) > estimate_chat_input_tokens(plain)


def test_request_estimate_uses_max_tokens_times_n() -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 100, "n": 3}

    estimate = estimate_chat_request(body, output_limit=16_384)

    assert estimate.max_output_tokens == 300


def test_max_completion_tokens_wins_over_max_tokens() -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": 50, "max_tokens": 999}

    assert estimate_chat_request(body, output_limit=100_000).max_output_tokens == 50


def test_absent_max_tokens_reserves_the_default_capped_by_the_model() -> None:
    body = {"messages": [{"role": "user", "content": "hi"}]}

    assert estimate_chat_request(body, output_limit=16_384).max_output_tokens == DEFAULT_OUTPUT_RESERVATION
    assert (
        estimate_chat_request(body, output_limit=4096, default_output_tokens=10_000).max_output_tokens == 4096
    )


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "messages"),
        ({"messages": []}, "messages"),
        ({"messages": "hi"}, "messages"),
        ({"messages": ["hi"]}, "messages"),
        ({"messages": [{"role": "user", "content": 42}]}, "messages"),
        ({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 10**9}, "max_tokens"),
        ({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}, "max_tokens"),
        ({"messages": [{"role": "user", "content": "hi"}], "max_tokens": "10"}, "max_tokens"),
        ({"messages": [{"role": "user", "content": "hi"}], "n": 0}, "n"),
    ],
    ids=["missing", "empty", "string", "non-object", "bad-content", "absurd", "zero", "string-max", "zero-n"],
)
def test_malformed_chat_bodies_are_invalid_requests_naming_the_param(
    body: dict[str, Any], param: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        estimate_chat_request(body, output_limit=16_384)

    assert caught.value.param == param
    assert caught.value.status_code == 400


def test_max_tokens_above_the_models_limit_is_refused() -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 20_000}

    with pytest.raises(InvalidRequest, match="at most 16384"):
        estimate_chat_request(body, output_limit=16_384)


@pytest.mark.parametrize(
    ("data", "tokens"),
    [("a" * 40, 10), (["a" * 8, "b" * 4], 3), ([1, 2, 3], 3), ([[1, 2], [3]], 3)],
    ids=["string", "strings", "token-array", "token-arrays"],
)
def test_embeddings_input_forms_are_counted(data: Any, tokens: int) -> None:
    estimate = estimate_embeddings_request({"input": data})

    assert (estimate.input_tokens, estimate.max_output_tokens) == (tokens, 0)


@pytest.mark.parametrize("data", [None, "", [], 5, [{"x": 1}]])
def test_empty_or_malformed_embeddings_input_is_refused(data: Any) -> None:
    with pytest.raises(InvalidRequest) as caught:
        estimate_embeddings_request({"input": data})

    assert caught.value.param == "input"
