"""OpenAI's legacy completions (``POST /v1/completions``), served as a one-message chat completion.

One prompt per request (a string, or an array holding one string); ``echo``, ``suffix``, ``best_of``
and ``logprobs`` need the raw-completion models of old and are refused with 400.
"""

from __future__ import annotations

import time

import orjson

from aipair.gateway.dialects.base import new_id
from aipair.gateway.errors import GatewayError, UnsupportedOperation
from aipair.gateway.providers.base import JsonObject, Usage

__all__ = ["CompletionChunks", "chat_to_completion", "completion_to_chat"]

PASSED = (
    "max_tokens",
    "temperature",
    "top_p",
    "n",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "user",
    "logit_bias",
    "stream",
)
UNSUPPORTED = ("echo", "suffix", "best_of", "logprobs")


def completion_to_chat(body: JsonObject) -> JsonObject:
    """The chat request for a legacy completion request (already validated)."""
    prompt = body["prompt"]
    if isinstance(prompt, list):
        if len(prompt) != 1 or not isinstance(prompt[0], str):
            raise UnsupportedOperation("Send one prompt (a string) per request", param="prompt")
        prompt = prompt[0]
    for name in UNSUPPORTED:
        if body.get(name) not in (None, False, 1 if name == "best_of" else None):
            raise UnsupportedOperation(f"'{name}' is not supported by this gateway", param=name)
    chat: JsonObject = {"model": body["model"], "messages": [{"role": "user", "content": prompt}]}
    chat.update({name: body[name] for name in PASSED if body.get(name) is not None})
    return chat


def chat_to_completion(completion: JsonObject, model: str) -> JsonObject:
    """The ``text_completion`` for a chat completion answer."""
    choices = [
        {
            "text": (choice.get("message") or {}).get("content") or "",
            "index": choice.get("index", i),
            "logprobs": None,
            "finish_reason": choice.get("finish_reason") or "stop",
        }
        for i, choice in enumerate(completion.get("choices") or ())
    ]
    return {
        "id": new_id("cmpl-"),
        "object": "text_completion",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
        "usage": completion.get("usage"),
    }


class CompletionChunks:
    """A chat stream as legacy completion chunks."""

    def __init__(self, model: str) -> None:
        self._id = new_id("cmpl-")
        self._model = model

    def chunk(self, chunk: JsonObject) -> bytes:
        choices = [
            {
                "text": (choice.get("delta") or {}).get("content") or "",
                "index": choice.get("index", 0),
                "logprobs": None,
                "finish_reason": choice.get("finish_reason"),
            }
            for choice in chunk.get("choices") or ()
        ]
        data: JsonObject = {
            "id": self._id,
            "object": "text_completion",
            "created": int(time.time()),
            "model": self._model,
            "choices": choices,
        }
        if chunk.get("usage"):
            data["usage"] = chunk["usage"]
        return b"data: " + orjson.dumps(data) + b"\n\n"

    def end(self, usage: Usage) -> bytes:
        return b"data: [DONE]\n\n"

    def error(self, error: GatewayError) -> bytes:
        return b"data: " + orjson.dumps(error.to_openai_body()) + b"\n\n"
