"""Fast request token estimates for budget reservation (worst case = input estimate + output cap).

These are heuristics, not tokenizers: about four ASCII characters per token, and one token per three
UTF-8 bytes otherwise (so CJK text, about one token per character, is not underestimated). They err
high, which is what a reservation needs; settlement uses the provider's real usage.

The estimators also do the minimal shape checks the gateway needs before spending money (``messages``
is a non-empty list of objects, ``max_tokens`` is a sane positive integer) and raise
:class:`~aipair.gateway.errors.InvalidRequest` with OpenAI's ``param`` otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from aipair.gateway.errors import InvalidRequest

__all__ = [
    "DEFAULT_OUTPUT_RESERVATION",
    "UNKNOWN_MODEL_MAX_OUTPUT",
    "RequestEstimate",
    "estimate_chat_input_tokens",
    "estimate_chat_request",
    "estimate_embeddings_request",
    "estimate_text_tokens",
]

MESSAGE_OVERHEAD_TOKENS = 4
"""Role and separators of one chat message."""
REPLY_PRIMING_TOKENS = 3
"""Tokens every chat prompt spends priming the assistant's reply."""
IMAGE_TOKENS_LOW = 85
IMAGE_TOKENS_HIGH = 1105
"""A high-detail image at the largest size OpenAI bills (6 tiles); the worst case."""
AUDIO_PART_TOKENS = 1000

DEFAULT_OUTPUT_RESERVATION = 4096
"""Output tokens reserved when the request names no ``max_tokens`` (capped by the model's maximum)."""
UNKNOWN_MODEL_MAX_OUTPUT = 262_144
"""Largest ``max_tokens`` accepted for a model whose output limit the price catalog does not give."""


@dataclass(frozen=True, slots=True)
class RequestEstimate:
    """What a request may cost at most, in tokens: the basis of a budget reservation.

    ``explicit_output`` says whether the client capped the output itself; when it did not,
    ``output_limit`` is the most the model could produce (a tokens-per-minute limit reserves up to it).
    """

    input_tokens: int
    max_output_tokens: int
    explicit_output: bool = True
    output_limit: int = 0


def estimate_text_tokens(text: str) -> int:
    """Tokens of ``text``: ceil(chars / 4) for ASCII, ceil(UTF-8 bytes / 3) otherwise; 0 for ``""``."""
    if text.isascii():
        return (len(text) + 3) // 4
    return (len(text.encode("utf-8")) + 2) // 3


def _part_tokens(part: Any) -> int:
    if not isinstance(part, dict):
        raise InvalidRequest("Each content part must be an object", param="messages")
    kind = part.get("type")
    if kind == "text":
        text = part.get("text")
        return estimate_text_tokens(text) if isinstance(text, str) else 0
    if kind == "image_url":
        image = part.get("image_url")
        detail = image.get("detail") if isinstance(image, dict) else None
        return IMAGE_TOKENS_LOW if detail == "low" else IMAGE_TOKENS_HIGH
    if kind == "input_audio":
        return AUDIO_PART_TOKENS
    return estimate_text_tokens(orjson.dumps(part).decode())


def _content_tokens(content: Any) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return estimate_text_tokens(content)
    if isinstance(content, list):
        return sum(_part_tokens(part) for part in content)
    raise InvalidRequest("Message content must be a string or a list of parts", param="messages")


def _message_tokens(message: Any) -> int:
    if not isinstance(message, dict):
        raise InvalidRequest("Each message must be an object", param="messages")
    tokens = MESSAGE_OVERHEAD_TOKENS + _content_tokens(message.get("content"))
    name = message.get("name")
    if isinstance(name, str):
        tokens += estimate_text_tokens(name)
    tool_calls = message.get("tool_calls")
    if tool_calls:
        tokens += estimate_text_tokens(orjson.dumps(tool_calls).decode())
    return tokens


def estimate_chat_input_tokens(body: Mapping[str, Any]) -> int:
    """Prompt tokens of a chat body: messages (text, images, tool calls) plus tool definitions.

    Raises ``InvalidRequest`` (param ``messages``) when ``messages`` is missing, empty or malformed.
    """
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("'messages' must be a non-empty array", param="messages")
    total = REPLY_PRIMING_TOKENS
    for message in messages:
        total += _message_tokens(message)
    tools = body.get("tools")
    if tools:
        total += estimate_text_tokens(orjson.dumps(tools).decode())
    return total


def _requested_output_tokens(body: Mapping[str, Any], limit: int) -> int | None:
    for param in ("max_completion_tokens", "max_tokens"):
        value = body.get(param)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InvalidRequest(f"'{param}' must be a positive integer", param=param)
        if value > limit:
            raise InvalidRequest(f"'{param}' is too large: at most {limit} for this model", param=param)
        return value
    return None


def _choice_count(body: Mapping[str, Any]) -> int:
    n = body.get("n", 1)
    if n is None:
        return 1
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 128:
        raise InvalidRequest("'n' must be an integer between 1 and 128", param="n")
    return n


def estimate_chat_request(
    body: Mapping[str, Any],
    *,
    output_limit: int,
    default_output_tokens: int = DEFAULT_OUTPUT_RESERVATION,
) -> RequestEstimate:
    """Worst-case tokens of a chat request to a model that writes at most ``output_limit`` tokens (the
    price catalog's ``max_output_tokens``).

    Output is ``max_completion_tokens``/``max_tokens`` when given, else ``default_output_tokens`` capped
    by the model's maximum, times ``n``. Raises ``InvalidRequest`` for a malformed body or an output
    limit above what the model can produce.
    """
    limit = output_limit
    requested = _requested_output_tokens(body, limit)
    output = requested if requested is not None else min(default_output_tokens, limit)
    choices = _choice_count(body)
    return RequestEstimate(
        estimate_chat_input_tokens(body), output * choices, requested is not None, limit * choices
    )


def _embedding_item_tokens(item: Any) -> int:
    if isinstance(item, str):
        return estimate_text_tokens(item)
    if isinstance(item, int) and not isinstance(item, bool):
        return 1
    if isinstance(item, list) and all(isinstance(t, int) and not isinstance(t, bool) for t in item):
        return len(item)
    raise InvalidRequest("'input' must be a string, an array of strings or token arrays", param="input")


def estimate_embeddings_request(body: Mapping[str, Any]) -> RequestEstimate:
    """Input tokens of an embeddings request (output is always 0).

    ``input`` may be a string, an array of strings, a token array or an array of token arrays.
    """
    data = body.get("input")
    if data is None or data == "" or data == []:
        raise InvalidRequest("'input' must not be empty", param="input")
    if isinstance(data, str):
        return RequestEstimate(estimate_text_tokens(data), 0)
    if not isinstance(data, list):
        raise InvalidRequest("'input' must be a string or an array", param="input")
    if all(isinstance(t, int) and not isinstance(t, bool) for t in data):
        return RequestEstimate(len(data), 0)
    return RequestEstimate(sum(_embedding_item_tokens(item) for item in data), 0)
