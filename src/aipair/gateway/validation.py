"""Checks of the parameters OpenAI validates, run before anything is counted, reserved or forwarded.

A lax upstream (a local model server, a proxy) answers ``temperature: 5`` or a message without a
``role`` with 200, and a strict one refuses it only after the gateway took a rate-limit slot and a
budget reservation. So the gateway refuses them itself, as OpenAI does: 400 ``invalid_request_error``
naming the ``param``. Parameters it does not know pass through untouched (providers add their own).
``null`` is accepted wherever OpenAI accepts it (an optional parameter left unset).

The checks are a table of small functions keyed by parameter name; a body costs one dict walk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aipair.gateway.errors import InvalidRequest

__all__ = [
    "InvalidParameter",
    "MissingParameter",
    "validate_chat",
    "validate_completion",
    "validate_embeddings",
    "validate_messages_api",
    "validate_responses",
]

MESSAGE_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
TOOL_CHOICES = frozenset({"none", "auto", "required"})
RESPONSE_FORMATS = frozenset({"text", "json_object", "json_schema"})
ENCODING_FORMATS = frozenset({"float", "base64"})
MAX_STOP_SEQUENCES = 4


class InvalidParameter(InvalidRequest):
    """A parameter has the wrong type or a value outside its range."""

    code = "invalid_value"


class MissingParameter(InvalidRequest):
    """A required parameter is missing."""

    code = "missing_required_parameter"


Check = Callable[[str, Any], None]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def number(low: float, high: float) -> Check:
    """A number (not a string, not a boolean) between ``low`` and ``high``."""

    def check(param: str, value: Any) -> None:
        if not _is_number(value):
            raise InvalidParameter(f"Invalid type for '{param}': expected a number", param=param)
        if not low <= value <= high:
            raise InvalidParameter(
                f"Invalid value for '{param}': {value} is outside [{low:g}, {high:g}]", param=param
            )

    return check


def integer(low: int, high: int | None = None) -> Check:
    """An integer of at least ``low`` (and at most ``high``)."""

    def check(param: str, value: Any) -> None:
        if not _is_int(value):
            raise InvalidParameter(f"Invalid type for '{param}': expected an integer", param=param)
        if value < low or (high is not None and value > high):
            bound = f"[{low}, {high}]" if high is not None else f"at least {low}"
            raise InvalidParameter(f"Invalid value for '{param}': {value} is not {bound}", param=param)

    return check


def one_of(choices: frozenset[str]) -> Check:
    def check(param: str, value: Any) -> None:
        if value not in choices:
            raise InvalidParameter(
                f"Invalid value for '{param}': expected one of {', '.join(sorted(choices))}", param=param
            )

    return check


def of_type(kind: type | tuple[type, ...], name: str) -> Check:
    def check(param: str, value: Any) -> None:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise InvalidParameter(f"Invalid type for '{param}': expected {name}", param=param)

    return check


def _stop(param: str, value: Any) -> None:
    if isinstance(value, str):
        return
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise InvalidParameter(f"Invalid type for '{param}': expected a string or strings", param=param)
    if len(value) > MAX_STOP_SEQUENCES:
        raise InvalidParameter(f"'{param}' takes at most {MAX_STOP_SEQUENCES} sequences", param=param)


def _tools(param: str, value: Any) -> None:
    if not isinstance(value, list):
        raise InvalidParameter(f"Invalid type for '{param}': expected an array", param=param)
    for i, tool in enumerate(value):
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            raise InvalidParameter(f"'{param}[{i}]' must be an object with a 'type'", param=f"{param}[{i}]")
        if tool["type"] == "function":
            function = tool.get("function", tool)  # Responses API tools carry the name at the top
            if not isinstance(function, dict) or not isinstance(function.get("name"), str):
                raise MissingParameter(f"'{param}[{i}]' needs a function name", param=f"{param}[{i}]")


def _tool_choice(param: str, value: Any) -> None:
    if isinstance(value, str):
        one_of(TOOL_CHOICES)(param, value)
    elif not isinstance(value, dict):
        raise InvalidParameter(f"Invalid type for '{param}': expected a string or an object", param=param)


def _response_format(param: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise InvalidParameter(f"Invalid type for '{param}': expected an object", param=param)
    one_of(RESPONSE_FORMATS)(f"{param}.type", value.get("type"))


SAMPLING: dict[str, Check] = {
    "temperature": number(0, 2),
    "top_p": number(0, 1),
    "presence_penalty": number(-2, 2),
    "frequency_penalty": number(-2, 2),
    "seed": integer(-(2**63), 2**63 - 1),
    "stream": of_type(bool, "a boolean"),
    "user": of_type(str, "a string"),
    "metadata": of_type(dict, "an object"),
}
CHAT: dict[str, Check] = {
    **SAMPLING,
    "n": integer(1, 128),
    "max_tokens": integer(1),
    "max_completion_tokens": integer(1),
    "stop": _stop,
    "logprobs": of_type(bool, "a boolean"),
    "top_logprobs": integer(0, 20),
    "logit_bias": of_type(dict, "an object"),
    "tools": _tools,
    "tool_choice": _tool_choice,
    "parallel_tool_calls": of_type(bool, "a boolean"),
    "response_format": _response_format,
    "stream_options": of_type(dict, "an object"),
}
COMPLETION: dict[str, Check] = {
    **SAMPLING,
    "n": integer(1, 128),
    "best_of": integer(1, 20),
    "max_tokens": integer(1),
    "stop": _stop,
    "logprobs": integer(0, 5),
    "echo": of_type(bool, "a boolean"),
    "suffix": of_type(str, "a string"),
    "logit_bias": of_type(dict, "an object"),
}
RESPONSES: dict[str, Check] = {
    **SAMPLING,
    "max_output_tokens": integer(1),
    "instructions": of_type(str, "a string"),
    "tools": _tools,
    "tool_choice": _tool_choice,
    "parallel_tool_calls": of_type(bool, "a boolean"),
    "store": of_type(bool, "a boolean"),
}
MESSAGES_API: dict[str, Check] = {
    "temperature": number(0, 1),
    "top_p": number(0, 1),
    "top_k": integer(0),
    "max_tokens": integer(1),
    "stream": of_type(bool, "a boolean"),
    "stop_sequences": of_type(list, "an array"),
    "system": of_type((str, list), "a string or an array"),
    "metadata": of_type(dict, "an object"),
}
EMBEDDINGS: dict[str, Check] = {
    "encoding_format": one_of(ENCODING_FORMATS),
    "dimensions": integer(1),
    "user": of_type(str, "a string"),
}


def _check(body: Mapping[str, Any], checks: Mapping[str, Check]) -> None:
    for param, value in body.items():
        check = checks.get(param)
        if check is not None and value is not None:
            check(param, value)


def _message(i: int, message: Any) -> None:
    where = f"messages[{i}]"
    if not isinstance(message, dict):
        raise InvalidParameter(f"'{where}' must be an object", param=where)
    role = message.get("role")
    if role is None:
        raise MissingParameter(f"Missing required parameter: '{where}.role'", param=f"{where}.role")
    if role not in MESSAGE_ROLES:
        raise InvalidParameter(
            f"Invalid value for '{where}.role': expected one of {', '.join(sorted(MESSAGE_ROLES))}",
            param=f"{where}.role",
        )
    content = message.get("content")
    if content is None and role in ("system", "developer", "user", "tool"):
        raise MissingParameter(f"Missing required parameter: '{where}.content'", param=f"{where}.content")
    if content is not None and not isinstance(content, str | list):
        raise InvalidParameter(
            f"Invalid type for '{where}.content': expected a string or an array", param=f"{where}.content"
        )
    if role == "tool" and not isinstance(message.get("tool_call_id"), str):
        raise MissingParameter(
            f"Missing required parameter: '{where}.tool_call_id'", param=f"{where}.tool_call_id"
        )


def validate_chat(body: Mapping[str, Any]) -> None:
    """Refuse a chat completion body OpenAI would refuse (400 with ``param``)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("'messages' must be a non-empty array", param="messages")
    for i, message in enumerate(messages):
        _message(i, message)
    _check(body, CHAT)


def validate_completion(body: Mapping[str, Any]) -> None:
    """Refuse a legacy completion body OpenAI would refuse."""
    prompt = body.get("prompt")
    if not isinstance(prompt, str | list):
        raise MissingParameter("'prompt' must be a string or an array of strings", param="prompt")
    _check(body, COMPLETION)


def validate_responses(body: Mapping[str, Any]) -> None:
    """Refuse a Responses API body OpenAI would refuse."""
    if not isinstance(body.get("input"), str | list):
        raise MissingParameter("'input' must be a string or an array of input items", param="input")
    _check(body, RESPONSES)


def validate_messages_api(body: Mapping[str, Any]) -> None:
    """Refuse an Anthropic Messages API body Anthropic would refuse (its own ranges)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("'messages' must be a non-empty array", param="messages")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise InvalidParameter(
                f"'messages[{i}].role' must be 'user' or 'assistant'", param=f"messages[{i}].role"
            )
    if not _is_int(body.get("max_tokens")):
        raise MissingParameter("'max_tokens' is required and must be an integer", param="max_tokens")
    _check(body, MESSAGES_API)


def validate_embeddings(body: Mapping[str, Any]) -> None:
    """Refuse an embeddings body OpenAI would refuse (``input`` itself is checked by the estimate)."""
    _check(body, EMBEDDINGS)
