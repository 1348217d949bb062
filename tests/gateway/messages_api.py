"""What the Messages API tests share: a tool, and a call made plain or streamed with the official SDK."""

from __future__ import annotations

from typing import Any

import anthropic

WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


async def message_of(
    api: anthropic.AsyncAnthropic, request: dict[str, Any], streamed: bool
) -> anthropic.types.Message:
    """The message of a Messages API call, made plain or streamed."""
    if not streamed:
        return await api.messages.create(**request)
    async with api.messages.stream(**request) as stream:
        return await stream.get_final_message()
