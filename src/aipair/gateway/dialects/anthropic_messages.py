"""Anthropic's Messages API (``POST /v1/messages``), what Claude Code and the Anthropic SDKs speak.

To a provider that speaks this API itself (Anthropic), a Messages request passes through as the client
sent it and the answer, events included, comes back unchanged but for ``model`` (the name the caller
used). To any other provider, a Messages request becomes a chat completion request (system, text and
image blocks, tool use and tool results, tools and tool choice, sampling); the chat answer becomes a
``message``, and a chat stream becomes Anthropic's events (``message_start``, content blocks,
``message_delta``, ``message_stop``).
Errors take Anthropic's shape ``{"type": "error", "error": {"type", "message"}}``, so its SDKs raise
their own classes (a provider that cannot serve answers 529 ``overloaded_error``).
"""

from __future__ import annotations

from typing import Any

import orjson

from aipair.errors import AppError
from aipair.gateway.dialects.base import new_id, sse
from aipair.gateway.errors import GatewayError, InvalidRequest
from aipair.gateway.providers.base import JsonObject, Usage

__all__ = [
    "MessageEvents",
    "PassedThroughEvents",
    "anthropic_error",
    "chat_to_message",
    "messages_to_chat",
]

STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "invalid_request_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}
OVERLOADED = 529


def anthropic_error(error: AppError) -> tuple[int, JsonObject]:
    """Status and body of ``error`` as Anthropic sends them (no provider can serve: 529 overloaded)."""
    status = OVERLOADED if error.code == "provider_unavailable" else error.status_code
    kind = ERROR_TYPES.get(status, "api_error")
    return status, {"type": "error", "error": {"type": kind, "message": error.message}}


def _text(blocks: Any) -> str:
    if isinstance(blocks, str):
        return blocks
    if isinstance(blocks, list):
        return "".join(b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text")
    return ""


def _image_part(block: JsonObject) -> JsonObject:
    source = block.get("source") or {}
    url: Any = source.get("url")
    if source.get("type") == "base64":
        url = f"data:{source.get('media_type')};base64,{source.get('data')}"
    if not isinstance(url, str):
        raise InvalidRequest("An image block needs a base64 or url source", param="messages")
    return {"type": "image_url", "image_url": {"url": url}}


def _user_turn(content: Any) -> list[JsonObject]:
    """A user turn: tool results become ``tool`` messages, the rest one user message."""
    if isinstance(content, str):
        return [{"role": "user", "content": content}]
    messages: list[JsonObject] = []
    parts: list[JsonObject] = []
    for block in content or ():
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "tool_result":
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": block.get("tool_use_id"),
                    "content": _text(block.get("content")),
                }
            )
        elif kind == "text":
            parts.append({"type": "text", "text": block.get("text", "")})
        elif kind == "image":
            parts.append(_image_part(block))
        else:
            raise InvalidRequest(f"Content blocks of type {kind!r} are not supported", param="messages")
    if parts:
        messages.append({"role": "user", "content": parts})
    return messages


def _assistant_turn(content: Any) -> JsonObject:
    if isinstance(content, str):
        return {"role": "assistant", "content": content}
    texts, calls = [], []
    for block in content or ():
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            texts.append(block.get("text", ""))
        elif kind == "tool_use":
            arguments = orjson.dumps(block.get("input") or {}).decode()
            calls.append(
                {
                    "id": block.get("id"),
                    "type": "function",
                    "function": {"name": block.get("name"), "arguments": arguments},
                }
            )
    message: JsonObject = {"role": "assistant", "content": "".join(texts) if texts or not calls else None}
    if calls:
        message["tool_calls"] = calls
    return message


def _tool_choice(choice: Any) -> Any:
    kind = choice.get("type") if isinstance(choice, dict) else None
    if kind == "tool":
        return {"type": "function", "function": {"name": choice.get("name")}}
    return {"any": "required", "none": "none"}.get(kind or "", "auto")


def messages_to_chat(body: JsonObject) -> JsonObject:
    """The chat completion request for a Messages API request (already validated)."""
    messages: list[JsonObject] = []
    system = _text(body.get("system"))
    if system:
        messages.append({"role": "system", "content": system})
    for message in body["messages"]:
        if message["role"] == "user":
            messages.extend(_user_turn(message.get("content")))
        else:
            messages.append(_assistant_turn(message.get("content")))
    chat: JsonObject = {"model": body["model"], "messages": messages, "max_tokens": body["max_tokens"]}
    for name in ("temperature", "top_p"):
        if body.get(name) is not None:
            chat[name] = body[name]
    if body.get("stop_sequences"):
        chat["stop"] = body["stop_sequences"]
    if body.get("stream") is True:
        chat["stream"] = True
    user = (body.get("metadata") or {}).get("user_id")
    if isinstance(user, str):
        chat["user"] = user
    _add_tools(body, chat)
    return chat


def _add_tools(body: JsonObject, chat: JsonObject) -> None:
    tools = body.get("tools")
    if not tools:
        return
    chat["tools"] = [
        {
            "type": "function",
            "function": {
                "name": t.get("name"),
                "description": t.get("description", ""),
                "parameters": t.get("input_schema") or {"type": "object", "properties": {}},
            },
        }
        for t in tools
        if isinstance(t, dict)
    ]
    if body.get("tool_choice") is not None:
        chat["tool_choice"] = _tool_choice(body["tool_choice"])


def _usage(usage: Usage) -> JsonObject:
    return {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}


def chat_to_message(completion: JsonObject, usage: Usage, model: str) -> JsonObject:
    """The ``message`` for a chat completion answer."""
    choice = (completion.get("choices") or [{}])[0]
    reply = choice.get("message") or {}
    content: list[JsonObject] = []
    if reply.get("content"):
        content.append({"type": "text", "text": reply["content"]})
    for call in reply.get("tool_calls") or ():
        function = call.get("function") or {}
        try:
            arguments = orjson.loads(function.get("arguments") or "{}")
        except orjson.JSONDecodeError:
            arguments = {}
        content.append(
            {"type": "tool_use", "id": call.get("id"), "name": function.get("name"), "input": arguments}
        )
    return {
        "id": new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": STOP_REASONS.get(choice.get("finish_reason") or "stop", "end_turn"),
        "stop_sequence": None,
        "usage": _usage(usage),
    }


class MessageEvents:
    """A chat stream as Anthropic's events: one content block per text run or tool call."""

    def __init__(self, model: str, input_tokens: int) -> None:
        self._model = model
        self._input_tokens = input_tokens
        self._started = False
        self._index = -1
        self._open: str | None = None
        self._tools: dict[int, int] = {}
        self._stop = "end_turn"

    def _start(self) -> bytes:
        self._started = True
        message: JsonObject = {
            "id": new_id("msg_"),
            "type": "message",
            "role": "assistant",
            "model": self._model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": self._input_tokens, "output_tokens": 0},
        }
        return sse("message_start", {"type": "message_start", "message": message})

    def _close(self) -> bytes:
        if self._open is None:
            return b""
        self._open = None
        return sse("content_block_stop", {"type": "content_block_stop", "index": self._index})

    def _open_block(self, kind: str, block: JsonObject) -> bytes:
        closed = self._close()
        self._index += 1
        self._open = kind
        event = {"type": "content_block_start", "index": self._index, "content_block": block}
        return closed + sse("content_block_start", event)

    def _delta(self, delta: JsonObject) -> bytes:
        return sse(
            "content_block_delta", {"type": "content_block_delta", "index": self._index, "delta": delta}
        )

    def _tool_calls(self, calls: list[Any]) -> bytes:
        out = b""
        for call in calls:
            function = call.get("function") or {}
            if call.get("id"):
                block = {"type": "tool_use", "id": call["id"], "name": function.get("name"), "input": {}}
                out += self._open_block("tool", block)
                self._tools[int(call.get("index") or 0)] = self._index
            if function.get("arguments"):
                out += self._delta({"type": "input_json_delta", "partial_json": function["arguments"]})
        return out

    def chunk(self, chunk: JsonObject) -> bytes:
        out = b"" if self._started else self._start()
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if delta.get("content"):
                if self._open != "text":
                    out += self._open_block("text", {"type": "text", "text": ""})
                out += self._delta({"type": "text_delta", "text": delta["content"]})
            if delta.get("tool_calls"):
                out += self._tool_calls(delta["tool_calls"])
            if choice.get("finish_reason"):
                self._stop = STOP_REASONS.get(choice["finish_reason"], "end_turn")
        return out

    def end(self, usage: Usage) -> bytes:
        delta = {"stop_reason": self._stop, "stop_sequence": None}
        closing = {"type": "message_delta", "delta": delta, "usage": {"output_tokens": usage.output_tokens}}
        return self._close() + sse("message_delta", closing) + sse("message_stop", {"type": "message_stop"})

    def error(self, error: GatewayError) -> bytes:
        return sse("error", anthropic_error(error)[1])


class PassedThroughEvents:
    """A provider's own Messages events, sent on as they came (``message_start`` names the model as the
    caller did); the stream already ends with ``message_stop``."""

    def __init__(self, model: str) -> None:
        self._model = model

    def chunk(self, chunk: JsonObject) -> bytes:
        data = chunk["data"]
        if data.get("type") == "message_start" and isinstance(data.get("message"), dict):
            data["message"]["model"] = self._model
            return sse("message_start", data)
        return b"event: " + bytes(chunk["event"]) + b"\ndata: " + bytes(chunk["raw"]) + b"\n\n"

    def end(self, usage: Usage) -> bytes:
        return b""

    def error(self, error: GatewayError) -> bytes:
        return sse("error", anthropic_error(error)[1])
