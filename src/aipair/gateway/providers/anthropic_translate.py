"""Pure translation between OpenAI chat shapes and Anthropic's Messages API (no I/O).

Request: system/developer messages become ``system``; user/assistant turns become content blocks (text,
images, tool use) with consecutive same-role turns merged; ``tool`` messages become ``tool_result``
blocks; ``max_tokens`` is always set; ``stop`` → ``stop_sequences``; temperature is clamped to
Anthropic's 0-1; tools and ``tool_choice`` are mapped; JSON response formats become a system instruction.
Response and stream events come back as ``chat.completion`` / ``chat.completion.chunk`` objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from aipair.gateway.errors import (
    GatewayError,
    InvalidRequest,
    ProviderError,
    UnsupportedOperation,
    UpstreamRateLimited,
)
from aipair.gateway.providers.base import JsonObject, Usage
from aipair.gateway.providers.streaming import StreamAccumulator

__all__ = ["AnthropicStreamTranslator", "to_anthropic_request", "to_openai_completion"]

FINISH_REASONS: Mapping[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
    "pause_turn": "stop",
}
_JSON_INSTRUCTION = "Respond with a single valid JSON object and nothing else."


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def _image_block(part: JsonObject) -> JsonObject:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str):
        raise InvalidRequest("image_url.url must be a string", param="messages")
    if url.startswith("data:") and ";base64," in url:
        media_type, data = url[5:].split(";base64,", 1)
        return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _content_blocks(content: Any) -> list[JsonObject]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[JsonObject] = []
    for part in content or ():
        if not isinstance(part, dict):
            raise InvalidRequest("Each content part must be an object", param="messages")
        kind = part.get("type")
        if kind == "text" and part.get("text"):
            blocks.append({"type": "text", "text": part["text"]})
        elif kind == "image_url":
            blocks.append(_image_block(part))
        elif kind != "text":
            raise UnsupportedOperation(f"Content parts of type {kind!r} are not supported by this model")
    return blocks


def _tool_use_blocks(tool_calls: Any) -> list[JsonObject]:
    blocks: list[JsonObject] = []
    for call in tool_calls or ():
        function = call.get("function") or {}
        try:
            arguments = orjson.loads(function.get("arguments") or "{}")
        except orjson.JSONDecodeError:
            raise InvalidRequest("tool_calls arguments must be JSON", param="messages") from None
        blocks.append(
            {"type": "tool_use", "id": call.get("id"), "name": function.get("name"), "input": arguments}
        )
    return blocks


def _turn(message: Any) -> tuple[str, list[JsonObject]]:
    if not isinstance(message, dict):
        raise InvalidRequest("Each message must be an object", param="messages")
    role = message.get("role")
    if role == "user":
        return "user", _content_blocks(message.get("content"))
    if role == "assistant":
        return "assistant", _content_blocks(message.get("content")) + _tool_use_blocks(
            message.get("tool_calls")
        )
    if role == "tool":
        result = {
            "type": "tool_result",
            "tool_use_id": message.get("tool_call_id"),
            "content": _text_of(message.get("content")),
        }
        return "user", [result]
    raise InvalidRequest(f"Unsupported message role {role!r}", param="messages")


def _split_messages(messages: list[Any]) -> tuple[str, list[JsonObject]]:
    system: list[str] = []
    turns: list[JsonObject] = []
    for message in messages:
        if isinstance(message, dict) and message.get("role") in ("system", "developer"):
            system.append(_text_of(message.get("content")))
            continue
        role, blocks = _turn(message)
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    return "\n\n".join(s for s in system if s), turns


def _tool_choice(choice: Any, parallel: Any) -> JsonObject | None:
    mapped: JsonObject | None
    if choice == "none":
        return {"type": "none"}
    if choice == "required":
        mapped = {"type": "any"}
    elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        mapped = {"type": "tool", "name": choice["function"].get("name")}
    elif choice == "auto" or parallel is False:
        mapped = {"type": "auto"}
    else:
        return None
    if parallel is False:
        mapped["disable_parallel_tool_use"] = True
    return mapped


def _tools(body: JsonObject) -> list[JsonObject]:
    tools: list[JsonObject] = []
    for tool in body.get("tools") or ():
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict):
            raise UnsupportedOperation("Only function tools are supported by this model", param="tools")
        tools.append(
            {
                "name": function.get("name"),
                "description": function.get("description", ""),
                "input_schema": function.get("parameters") or {"type": "object", "properties": {}},
            }
        )
    return tools


def _sampling(body: JsonObject, request: JsonObject) -> None:
    stop = body.get("stop")
    if stop:
        request["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    temperature = body.get("temperature")
    if isinstance(temperature, int | float):
        request["temperature"] = min(float(temperature), 1.0)
    if isinstance(body.get("top_p"), int | float):
        request["top_p"] = body["top_p"]
    if isinstance(body.get("user"), str):
        request["metadata"] = {"user_id": body["user"]}


def to_anthropic_request(body: JsonObject, *, model: str, max_tokens: int) -> JsonObject:
    """The Messages API request for an OpenAI chat body (``max_tokens`` already resolved by the caller)."""
    if body.get("n") not in (None, 1):
        raise UnsupportedOperation("This model returns one choice per request ('n' must be 1)", param="n")
    system, messages = _split_messages(body.get("messages") or [])
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") in ("json_object", "json_schema"):
        system = f"{system}\n\n{_JSON_INSTRUCTION}" if system else _JSON_INSTRUCTION
    request: JsonObject = {"model": model, "max_tokens": max_tokens, "messages": messages}
    if system:
        request["system"] = system
    _sampling(body, request)
    tools = _tools(body)
    if tools:
        request["tools"] = tools
        choice = _tool_choice(body.get("tool_choice"), body.get("parallel_tool_calls"))
        if choice is not None:
            request["tool_choice"] = choice
    return request


def anthropic_usage(usage: Any) -> Usage:
    """OpenAI-style usage from Anthropic's (cache writes and reads count as input)."""
    if not isinstance(usage, dict):
        return Usage()
    inputs = sum(
        int(usage.get(key) or 0)
        for key in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )
    return Usage(inputs, int(usage.get("output_tokens") or 0))


def _tool_call(block: JsonObject) -> JsonObject:
    arguments = orjson.dumps(block.get("input") or {}).decode()
    return {
        "id": block.get("id"),
        "type": "function",
        "function": {"name": block.get("name"), "arguments": arguments},
    }


def to_openai_completion(data: JsonObject, *, created: int) -> tuple[JsonObject, Usage]:
    """An OpenAI ``chat.completion`` (and its usage) from an Anthropic Messages response."""
    texts: list[str] = []
    tool_calls: list[JsonObject] = []
    for block in data.get("content") or ():
        if block.get("type") == "text":
            texts.append(block.get("text", ""))
        elif block.get("type") == "tool_use":
            tool_calls.append(_tool_call(block))
    message: JsonObject = {
        "role": "assistant",
        "content": "".join(texts) if texts or not tool_calls else None,
    }
    if tool_calls:
        message["tool_calls"] = tool_calls
    usage = anthropic_usage(data.get("usage"))
    choice = {
        "index": 0,
        "message": message,
        "logprobs": None,
        "finish_reason": FINISH_REASONS.get(data.get("stop_reason") or "", "stop"),
    }
    response = {
        "id": data.get("id"),
        "object": "chat.completion",
        "created": created,
        "model": data.get("model"),
        "choices": [choice],
        "usage": usage.to_openai(),
    }
    return response, usage


def _stream_error(event: JsonObject) -> GatewayError:
    error = event.get("error") or {}
    message = str(error.get("message") or "unknown error")[:300]
    if error.get("type") == "rate_limit_error":
        return UpstreamRateLimited(f"Anthropic is rate limiting requests: {message}")
    return ProviderError(f"Anthropic failed mid-stream: {message}")


class AnthropicStreamTranslator:
    """Turns Anthropic stream events into OpenAI chunks, one event at a time.

    ``translate`` returns the chunk to emit (or None). At ``message_stop`` it returns the usage-only
    chunk (``choices: []``) and sets ``finished``; the upstream counts go into the accumulator as they come.
    """

    __slots__ = (
        "_accumulator",
        "_created",
        "_id",
        "_model",
        "_output_tokens",
        "_tool_index",
        "_tools",
        "finished",
    )

    def __init__(self, accumulator: StreamAccumulator, *, created: int, model: str) -> None:
        self._accumulator = accumulator
        self._created = created
        self._id = ""
        self._model = model
        self._output_tokens = 0
        self._tool_index = -1
        self._tools: dict[int, int] = {}
        self.finished = False

    def _chunk(self, delta: JsonObject, finish_reason: str | None = None) -> JsonObject:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
            "choices": [choice],
        }

    def translate(self, event: JsonObject) -> JsonObject | None:
        """The OpenAI chunk for one Anthropic event, or None when it carries nothing to send."""
        kind = event.get("type")
        if kind == "content_block_delta":
            return self._block_delta(event)
        if kind == "message_start":
            return self._message_start(event.get("message") or {})
        if kind == "content_block_start":
            return self._block_start(event)
        if kind == "message_delta":
            return self._message_delta(event)
        if kind == "message_stop":
            return self._message_stop()
        if kind == "error":
            raise _stream_error(event)
        return None  # ping, content_block_stop and future event types

    def _message_start(self, message: JsonObject) -> JsonObject:
        self._id = message.get("id") or ""
        self._model = message.get("model") or self._model
        usage = anthropic_usage(message.get("usage"))
        self._accumulator.input_tokens = usage.input_tokens
        self._output_tokens = usage.output_tokens
        return self._chunk({"role": "assistant", "content": ""})

    def _block_start(self, event: JsonObject) -> JsonObject | None:
        block = event.get("content_block") or {}
        if block.get("type") != "tool_use":
            return None
        self._tool_index += 1
        self._tools[int(event.get("index") or 0)] = self._tool_index
        call = {
            "index": self._tool_index,
            "id": block.get("id"),
            "type": "function",
            "function": {"name": block.get("name"), "arguments": ""},
        }
        return self._chunk({"tool_calls": [call]})

    def _block_delta(self, event: JsonObject) -> JsonObject | None:
        delta = event.get("delta") or {}
        kind = delta.get("type")
        if kind == "text_delta":
            return self._chunk({"content": delta.get("text", "")})
        if kind == "input_json_delta":
            index = self._tools.get(int(event.get("index") or 0), 0)
            call = {"index": index, "function": {"arguments": delta.get("partial_json", "")}}
            return self._chunk({"tool_calls": [call]})
        return None  # thinking and signature deltas are not part of OpenAI's shape

    def _message_delta(self, event: JsonObject) -> JsonObject:
        usage = event.get("usage")
        if isinstance(usage, dict) and usage.get("output_tokens") is not None:
            self._output_tokens = int(usage["output_tokens"])  # cumulative
        stop_reason = (event.get("delta") or {}).get("stop_reason") or ""
        return self._chunk({}, FINISH_REASONS.get(stop_reason, "stop"))

    def _message_stop(self) -> JsonObject:
        self.finished = True
        usage = Usage(self._accumulator.input_tokens, self._output_tokens)
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
            "choices": [],
            "usage": usage.to_openai(),
        }
