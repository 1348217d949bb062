"""The built-in offline ``local`` provider: deterministic, free, and honest about what it is.

Chat answers are extractive: the most informative sentences of the last user message, in their
original order (``aipair.kit.text`` ranking). When the request wants JSON (``response_format``
``json_object``/``json_schema``, or "JSON" in a system prompt) the answer is one JSON object with a
summary, key points, and the sentences that look like decisions and action items. Responses say
``model: local-extractive`` and ``system_fingerprint: local``. Embeddings are hashed bag-of-words vectors,
L2-normalised. Transcription needs a speech recogniser, which this provider does not have.
"""

from __future__ import annotations

import base64
import math
import re
import struct
import time
import uuid
import zlib
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

import orjson

from aipair.gateway.errors import UnsupportedOperation
from aipair.gateway.providers.base import ChatResult, EmbeddingsResult, JsonObject, TranscriptionResult, Usage
from aipair.gateway.providers.streaming import ChatStream, StreamAccumulator, wants_stream_usage
from aipair.gateway.tokens import (
    estimate_chat_input_tokens,
    estimate_embeddings_request,
    estimate_text_tokens,
)
from aipair.kit.text import rank_sentences, split_sentences, tokenize_words

__all__ = ["LOCAL_CHAT_MODEL", "LOCAL_EMBEDDING_MODEL", "LocalProvider", "hashed_embedding"]

LOCAL_CHAT_MODEL = "local-extractive"
LOCAL_EMBEDDING_MODEL = "local-hash-embedding"
SYSTEM_FINGERPRINT = "local"
MAX_EMBEDDING_DIMS = 4096
_ACTION_CUES = re.compile(
    r"\b(will|to do|todo|action item|needs? to|must|should|by (monday|tuesday|wednesday|thursday|friday|"
    r"next week|tomorrow|end of)|deadline|follow up|se encarga|tiene que|hay que|para el)\b",
    re.IGNORECASE,
)
_DECISION_CUES = re.compile(
    r"\b(decided|agreed|approved|we will go with|decision|decidimos|acordamos)\b", re.IGNORECASE
)
_STREAM_WORDS_PER_CHUNK = 8
_EMPTY_PROMPT_ANSWER = (
    "This is the built-in local model. It answers with an extractive summary of the text in your "
    "message; send the text to summarise."
)


def hashed_embedding(words: list[str], dims: int) -> list[float]:
    """A signed, hashed bag-of-words vector of ``dims`` floats, L2-normalised (all zeros without words)."""
    vector = [0.0] * dims
    for word in words:
        digest = zlib.crc32(word.encode("utf-8"))
        vector[digest % dims] += 1.0 if digest & 0x80000000 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def _prompt(messages: list[Any]) -> tuple[str, str]:
    """(system text, last user text) of a chat body's messages."""
    system = " ".join(
        _text_of(m.get("content")) for m in messages if m.get("role") in ("system", "developer")
    )
    for message in reversed(messages):
        if message.get("role") == "user":
            return system, _text_of(message.get("content"))
    return system, ""


def _wants_json(body: JsonObject, system: str) -> bool:
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") in ("json_object", "json_schema"):
        return True
    return "JSON" in system


def _source_sentences(text: str) -> list[str]:
    """Sentences of the user text, without a leading instruction line such as "Summarise this:"."""
    head, sep, rest = text.partition("\n")
    if sep and head.rstrip().endswith(":") and rest.strip():
        text = rest
    return split_sentences(text)


class LocalProvider:
    """The offline provider.

    ``summary_sentences`` bounds the summary; ``embedding_dims`` is the embedding size unless requested.
    """

    def __init__(
        self,
        name: str = "local",
        *,
        embedding_dims: int = 256,
        summary_sentences: int = 5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self._dims = embedding_dims
        self._summary_sentences = summary_sentences
        self._clock = clock

    def __repr__(self) -> str:
        return f"LocalProvider(name={self.name!r})"

    # --- chat ---------------------------------------------------------------------------------------

    def _summary(self, sentences: list[str]) -> list[str]:
        k = max(1, min(self._summary_sentences, math.ceil(len(sentences) / 3)))
        return [sentences[i] for i in rank_sentences(sentences, k)]

    def _json_answer(self, sentences: list[str]) -> str:
        answer = {
            "summary": " ".join(self._summary(sentences)),
            "key_points": self._summary(sentences),
            "decisions": [s for s in sentences if _DECISION_CUES.search(s)],
            "action_items": [s for s in sentences if _ACTION_CUES.search(s)],
            "model": LOCAL_CHAT_MODEL,
        }
        return orjson.dumps(answer).decode()

    def _answer(self, body: JsonObject) -> tuple[str, str]:
        """(content, finish_reason) for a chat body; deterministic."""
        system, user_text = _prompt(body.get("messages") or [])
        sentences = _source_sentences(user_text)
        if _wants_json(body, system):
            return self._json_answer(sentences), "stop"
        if not sentences:
            return _EMPTY_PROMPT_ANSWER, "stop"
        content = " ".join(self._summary(sentences))
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if isinstance(limit, int) and estimate_text_tokens(content) > limit:
            return content[: limit * 4], "length"
        return content, "stop"

    def _envelope(self, kind: str) -> JsonObject:
        return {
            "id": f"chatcmpl-local-{uuid.uuid4().hex}",
            "object": kind,
            "created": int(self._clock()),
            "model": LOCAL_CHAT_MODEL,
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }

    async def chat(self, body: JsonObject, *, model: str, timeout_s: float) -> ChatResult:
        """An extractive answer in ``chat.completion`` shape (JSON object when JSON was asked for)."""
        input_tokens = estimate_chat_input_tokens(body)
        content, finish_reason = self._answer(body)
        usage = Usage(input_tokens, estimate_text_tokens(content))
        message = {"role": "assistant", "content": content}
        response = self._envelope("chat.completion")
        response["choices"] = [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ]
        response["usage"] = usage.to_openai()
        return ChatResult(response, usage)

    async def stream_chat(self, body: JsonObject, *, model: str, timeout_s: float) -> ChatStream:
        """The same answer as :meth:`chat`, as chunks of a few words, then a usage chunk."""
        input_tokens = estimate_chat_input_tokens(body)
        content, finish_reason = self._answer(body)
        stream = ChatStream(
            self._chunks(content, finish_reason, Usage(input_tokens, estimate_text_tokens(content))),
            StreamAccumulator(input_tokens),
            include_usage=wants_stream_usage(body),
        )
        await stream.prime()
        return stream

    async def _chunks(
        self, content: str, finish_reason: str, usage: Usage
    ) -> AsyncGenerator[JsonObject, None]:
        envelope = self._envelope("chat.completion.chunk")
        words = content.split(" ")
        deltas: list[JsonObject] = [{"role": "assistant", "content": ""}]
        for start in range(0, len(words), _STREAM_WORDS_PER_CHUNK):
            piece = " ".join(words[start : start + _STREAM_WORDS_PER_CHUNK])
            deltas.append({"content": piece if start == 0 else " " + piece})
        for delta in deltas:
            yield {
                **envelope,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}],
            }
        yield {
            **envelope,
            "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish_reason}],
        }
        yield {**envelope, "choices": [], "usage": usage.to_openai()}

    # --- embeddings and transcription ---------------------------------------------------------------

    def _dimensions(self, body: JsonObject) -> int:
        dims = body.get("dimensions")
        if isinstance(dims, int) and not isinstance(dims, bool) and 1 <= dims <= MAX_EMBEDDING_DIMS:
            return dims
        return self._dims

    async def embeddings(self, body: JsonObject, *, model: str, timeout_s: float) -> EmbeddingsResult:
        """Hashed bag-of-words embeddings; honours ``dimensions`` and ``encoding_format`` (float/base64)."""
        estimate = estimate_embeddings_request(body)
        data = body["input"]
        items: list[Any] = [data] if isinstance(data, str) else data
        if items and all(isinstance(t, int) for t in items):
            items = [items]
        dims = self._dimensions(body)
        as_base64 = body.get("encoding_format") == "base64"
        vectors: list[JsonObject] = []
        for index, item in enumerate(items):
            words = tokenize_words(item) if isinstance(item, str) else [str(t) for t in item]
            vector = hashed_embedding(words, dims)
            encoded: Any = (
                base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode() if as_base64 else vector
            )
            vectors.append({"object": "embedding", "index": index, "embedding": encoded})
        usage = {"prompt_tokens": estimate.input_tokens, "total_tokens": estimate.input_tokens}
        response = {"object": "list", "data": vectors, "model": LOCAL_EMBEDDING_MODEL, "usage": usage}
        return EmbeddingsResult(response, Usage(estimate.input_tokens, 0))

    async def transcribe(
        self, file: bytes, filename: str, params: Mapping[str, str], *, model: str, timeout_s: float
    ) -> TranscriptionResult:
        """Always raises: offline transcription needs a speech recogniser this provider does not ship."""
        raise UnsupportedOperation(
            "The built-in local provider cannot transcribe audio: that needs a speech recogniser. "
            "Use a transcription model of an OpenAI-compatible provider (e.g. whisper-1), "
            "or upload a transcript.",
            param="model",
        )
