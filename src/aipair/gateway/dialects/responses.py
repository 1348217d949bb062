"""OpenAI's Responses API (``POST /v1/responses``), translated to chat completions for every provider.

Supported: ``input`` as text or items (messages with text and image parts, function calls and their
outputs), ``instructions``, function ``tools`` and ``tool_choice``, ``max_output_tokens``, sampling,
``text.format`` (JSON schema), and streaming events. Nothing is stored: ``store: true`` and
``previous_response_id`` are refused with 400 (send the whole conversation instead).
"""

from __future__ import annotations

import time
from typing import Any

from aipair.gateway.dialects.base import new_id, sse
from aipair.gateway.errors import GatewayError, InvalidRequest, UnsupportedOperation
from aipair.gateway.providers.base import JsonObject, Usage

__all__ = ["ResponseEvents", "chat_to_response", "responses_to_chat"]

PASSED = ("temperature", "top_p", "user", "parallel_tool_calls")


def _part(part: Any) -> JsonObject:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind in ("input_text", "output_text", "text"):
        return {"type": "text", "text": part.get("text", "")}
    if kind == "input_image" and isinstance(part.get("image_url"), str):
        return {
            "type": "image_url",
            "image_url": {"url": part["image_url"], "detail": part.get("detail", "auto")},
        }
    raise UnsupportedOperation(f"Input parts of type {kind!r} are not supported", param="input")


def _message(item: JsonObject) -> JsonObject:
    content = item.get("content")
    if isinstance(content, list):
        parts = [_part(p) for p in content]
        if item.get("role") != "user":
            return {"role": item.get("role"), "content": "".join(p.get("text", "") for p in parts)}
        content = parts
    return {"role": item.get("role"), "content": content}


def _input_messages(items: list[Any]) -> list[JsonObject]:
    messages: list[JsonObject] = []
    for item in items:
        if not isinstance(item, dict):
            raise InvalidRequest("Each input item must be an object", param="input")
        kind = item.get("type", "message")
        if kind == "message":
            messages.append(_message(item))
        elif kind == "function_call":
            call = {
                "id": item.get("call_id"),
                "type": "function",
                "function": {"name": item.get("name"), "arguments": item.get("arguments") or "{}"},
            }
            if messages and messages[-1]["role"] == "assistant" and "tool_calls" in messages[-1]:
                messages[-1]["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            messages.append(
                {"role": "tool", "tool_call_id": item.get("call_id"), "content": str(item.get("output", ""))}
            )
        else:
            raise UnsupportedOperation(f"Input items of type {kind!r} are not supported", param="input")
    return messages


def _tools(tools: list[Any]) -> list[JsonObject]:
    converted = []
    for i, tool in enumerate(tools):
        if tool.get("type") != "function":
            raise UnsupportedOperation(
                f"Only function tools are supported (not {tool.get('type')!r})", param=f"tools[{i}]"
            )
        function = {
            "name": tool["name"],
            "parameters": tool.get("parameters") or {"type": "object", "properties": {}},
        }
        if tool.get("description"):
            function["description"] = tool["description"]
        converted.append({"type": "function", "function": function})
    return converted


def _format(text: Any) -> JsonObject | None:
    fmt = text.get("format") if isinstance(text, dict) else None
    if not isinstance(fmt, dict) or fmt.get("type") in (None, "text"):
        return None
    if fmt["type"] == "json_schema":
        schema = {k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}
        return {"type": "json_schema", "json_schema": schema}
    return {"type": fmt["type"]}


def _refuse_state(body: JsonObject) -> None:
    if body.get("store") is True:
        raise InvalidRequest("This gateway does not store responses; send 'store': false", param="store")
    if body.get("previous_response_id"):
        raise InvalidRequest(
            "Responses are not stored here: send the whole conversation in 'input'",
            param="previous_response_id",
        )


def responses_to_chat(body: JsonObject) -> JsonObject:
    """The chat completion request for a Responses API request (already validated)."""
    _refuse_state(body)
    source = body["input"]
    messages = [{"role": "user", "content": source}] if isinstance(source, str) else _input_messages(source)
    if body.get("instructions"):
        messages.insert(0, {"role": "system", "content": body["instructions"]})
    chat: JsonObject = {"model": body["model"], "messages": messages}
    chat.update({name: body[name] for name in PASSED if body.get(name) is not None})
    if body.get("max_output_tokens") is not None:
        chat["max_tokens"] = body["max_output_tokens"]
    if body.get("tools"):
        chat["tools"] = _tools(body["tools"])
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        chat["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
    elif isinstance(choice, str):
        chat["tool_choice"] = choice
    if (fmt := _format(body.get("text"))) is not None:
        chat["response_format"] = fmt
    if body.get("stream") is True:
        chat["stream"] = True
    return chat


def _usage(usage: Usage) -> JsonObject:
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": usage.total_tokens,
    }


def _envelope(response_id: str, model: str, body: JsonObject, status: str) -> JsonObject:
    return {
        "id": response_id,
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "model": model,
        "output": [],
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "store": False,
        "metadata": body.get("metadata") or {},
        "usage": None,
    }


def _message_item(text: str, item_id: str | None = None) -> JsonObject:
    return {
        "id": item_id or new_id("msg_"),
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def _call_item(call_id: str, name: str, arguments: str, item_id: str | None = None) -> JsonObject:
    return {
        "id": item_id or new_id("fc_"),
        "type": "function_call",
        "status": "completed",
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def chat_to_response(completion: JsonObject, usage: Usage, model: str, body: JsonObject) -> JsonObject:
    """The ``response`` object for a chat completion answer."""
    reply = ((completion.get("choices") or [{}])[0]).get("message") or {}
    response = _envelope(new_id("resp_"), model, body, "completed")
    if reply.get("content"):
        response["output"].append(_message_item(reply["content"]))
    for call in reply.get("tool_calls") or ():
        function = call.get("function") or {}
        item = _call_item(str(call.get("id")), str(function.get("name")), function.get("arguments", ""))
        response["output"].append(item)
    response["usage"] = _usage(usage)
    return response


class ResponseEvents:
    """A chat stream as Responses API events (``response.output_text.delta`` and the rest)."""

    def __init__(self, model: str, body: JsonObject) -> None:
        self._response = _envelope(new_id("resp_"), model, body, "in_progress")
        self._sequence = 0
        self._text: JsonObject | None = None
        self._calls: dict[int, JsonObject] = {}
        self._items: list[JsonObject] = []

    def _event(self, kind: str, **fields: Any) -> bytes:
        self._sequence += 1
        return sse(kind, {"type": kind, "sequence_number": self._sequence, **fields})

    def _added(self, item: JsonObject) -> bytes:
        self._items.append(item)
        return self._event("response.output_item.added", output_index=len(self._items) - 1, item=item)

    def _text_delta(self, text: str) -> bytes:
        out = b""
        if self._text is None:
            self._text = {**_message_item(""), "status": "in_progress"}
            out += self._added(self._text)
            part = {"type": "output_text", "text": "", "annotations": []}
            out += self._event(
                "response.content_part.added",
                item_id=self._text["id"],
                output_index=len(self._items) - 1,
                content_index=0,
                part=part,
            )
        self._text["content"][0]["text"] += text
        return out + self._event(
            "response.output_text.delta",
            item_id=self._text["id"],
            output_index=self._items.index(self._text),
            content_index=0,
            delta=text,
        )

    def _call_delta(self, call: JsonObject) -> bytes:
        function = call.get("function") or {}
        index = int(call.get("index") or 0)
        out = b""
        if index not in self._calls:
            item = {
                **_call_item(call.get("id") or new_id("call_"), function.get("name", ""), ""),
                "status": "in_progress",
            }
            self._calls[index] = item
            out += self._added(item)
        item = self._calls[index]
        if function.get("arguments"):
            item["arguments"] += function["arguments"]
            out += self._event(
                "response.function_call_arguments.delta",
                item_id=item["id"],
                output_index=self._items.index(item),
                delta=function["arguments"],
            )
        return out

    def chunk(self, chunk: JsonObject) -> bytes:
        out = b""
        if self._sequence == 0:
            out += self._event("response.created", response=dict(self._response))
            out += self._event("response.in_progress", response=dict(self._response))
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if delta.get("content"):
                out += self._text_delta(delta["content"])
            for call in delta.get("tool_calls") or ():
                out += self._call_delta(call)
        return out

    def _done(self, index: int, item: JsonObject) -> bytes:
        item["status"] = "completed"
        out = b""
        if item["type"] == "message":
            text = item["content"][0]["text"]
            out += self._event(
                "response.output_text.done",
                item_id=item["id"],
                output_index=index,
                content_index=0,
                text=text,
            )
            out += self._event(
                "response.content_part.done",
                item_id=item["id"],
                output_index=index,
                content_index=0,
                part=item["content"][0],
            )
        else:
            out += self._event(
                "response.function_call_arguments.done",
                item_id=item["id"],
                output_index=index,
                arguments=item["arguments"],
            )
        return out + self._event("response.output_item.done", output_index=index, item=item)

    def end(self, usage: Usage) -> bytes:
        out = b"".join(self._done(i, item) for i, item in enumerate(self._items))
        self._response.update(status="completed", output=self._items, usage=_usage(usage))
        return out + self._event("response.completed", response=self._response)

    def error(self, error: GatewayError) -> bytes:
        self._response.update(status="failed", error={"code": error.code, "message": error.message})
        return self._event("response.failed", response=self._response)
