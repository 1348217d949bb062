"""The built-in offline provider: useful, deterministic and honest about being local."""

from __future__ import annotations

import base64
import math
import struct

import orjson
import pytest

from aipair.gateway.errors import UnsupportedOperation
from aipair.gateway.providers.local import LOCAL_CHAT_MODEL, LocalProvider
from aipair.kit.text import rank_sentences, split_sentences

MEETING = (
    "Summarise this meeting:\n"
    "The payment integration failed testing again on Tuesday. "
    "We decided to delay the launch of the payment page by two weeks. "
    "Bob will fix the payment integration bug by Friday. "
    "The coffee machine on the third floor is broken. "
    "Carol needs to tell the launch customers about the new payment date. "
    "Someone mentioned the weather. "
    "The launch checklist still has three open payment items."
)


def chat_body(*messages: dict[str, str], **extra: object) -> dict[str, object]:
    return {"model": "local", "messages": list(messages), **extra}


@pytest.fixture
def local() -> LocalProvider:
    return LocalProvider(clock=lambda: 1700000000.0)


async def test_summary_contains_the_top_ranked_sentences_in_order(local: LocalProvider) -> None:
    result = await local.chat(
        chat_body({"role": "user", "content": MEETING}), model=LOCAL_CHAT_MODEL, timeout_s=1
    )

    content = result.response["choices"][0]["message"]["content"]
    sentences = split_sentences(MEETING.split("\n", 1)[1])
    top = [sentences[i] for i in rank_sentences(sentences, 3)]
    assert content == " ".join(top)
    assert "coffee machine" not in content
    assert "Summarise this meeting" not in content


async def test_response_is_honest_about_being_local(local: LocalProvider) -> None:
    result = await local.chat(chat_body({"role": "user", "content": MEETING}), model="anything", timeout_s=1)

    assert result.response["model"] == "local-extractive"
    assert result.response["system_fingerprint"] == "local"
    assert result.response["object"] == "chat.completion"
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    assert result.response["usage"]["total_tokens"] == result.usage.total_tokens


async def test_same_prompt_gives_the_same_answer(local: LocalProvider) -> None:
    body = chat_body({"role": "user", "content": MEETING})

    first = await local.chat(body, model=LOCAL_CHAT_MODEL, timeout_s=1)
    second = await local.chat(body, model=LOCAL_CHAT_MODEL, timeout_s=1)

    assert first.response["choices"] == second.response["choices"]


@pytest.mark.parametrize(
    "body",
    [
        chat_body({"role": "user", "content": MEETING}, response_format={"type": "json_object"}),
        chat_body({"role": "system", "content": "Reply in JSON."}, {"role": "user", "content": MEETING}),
    ],
    ids=["response_format", "system_prompt"],
)
async def test_json_mode_returns_a_parseable_object_with_extractions(
    local: LocalProvider, body: dict[str, object]
) -> None:
    result = await local.chat(body, model=LOCAL_CHAT_MODEL, timeout_s=1)

    answer = orjson.loads(result.response["choices"][0]["message"]["content"])
    assert isinstance(answer, dict)
    assert answer["summary"]
    assert any("delay the launch" in d for d in answer["decisions"])
    assert any("Bob will fix" in a for a in answer["action_items"])


async def test_empty_prompt_explains_what_the_local_model_does(local: LocalProvider) -> None:
    result = await local.chat(chat_body({"role": "user", "content": ""}), model=LOCAL_CHAT_MODEL, timeout_s=1)

    assert "local model" in result.response["choices"][0]["message"]["content"]


async def test_max_tokens_truncates_with_length_finish(local: LocalProvider) -> None:
    body = chat_body({"role": "user", "content": MEETING}, max_tokens=5)

    result = await local.chat(body, model=LOCAL_CHAT_MODEL, timeout_s=1)

    choice = result.response["choices"][0]
    assert choice["finish_reason"] == "length"
    assert len(choice["message"]["content"]) <= 20


async def test_stream_reassembles_to_the_plain_answer_and_ends_with_usage(local: LocalProvider) -> None:
    body = chat_body(
        {"role": "user", "content": MEETING}, stream=True, stream_options={"include_usage": True}
    )
    plain = await local.chat(body, model=LOCAL_CHAT_MODEL, timeout_s=1)

    stream = await local.stream_chat(body, model=LOCAL_CHAT_MODEL, timeout_s=1)
    chunks = [c async for c in stream]

    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == plain.response["choices"][0]["message"]["content"]
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == plain.response["usage"]
    assert stream.usage == plain.usage


async def test_embeddings_are_deterministic_and_normalised(local: LocalProvider) -> None:
    body = {"input": ["The budget was approved.", "The budget was approved."], "model": "local"}

    first = await local.embeddings(body, model=LOCAL_CHAT_MODEL, timeout_s=1)
    second = await LocalProvider().embeddings(body, model=LOCAL_CHAT_MODEL, timeout_s=1)

    vectors = [item["embedding"] for item in first.response["data"]]
    assert len(vectors[0]) == 256
    assert vectors[0] == vectors[1] == second.response["data"][0]["embedding"]
    assert math.isclose(math.sqrt(sum(v * v for v in vectors[0])), 1.0)
    assert first.usage.input_tokens > 0 and first.usage.output_tokens == 0


async def test_similar_texts_are_closer_than_unrelated_ones(local: LocalProvider) -> None:
    body = {"input": ["budget approved for marketing", "marketing budget approved today", "the cat sleeps"]}

    result = await local.embeddings(body, model=LOCAL_CHAT_MODEL, timeout_s=1)

    a, b, c = (item["embedding"] for item in result.response["data"])
    assert sum(x * y for x, y in zip(a, b, strict=True)) > sum(x * y for x, y in zip(a, c, strict=True))


async def test_embeddings_honour_dimensions_and_base64_encoding(local: LocalProvider) -> None:
    body = {"input": "hello world", "dimensions": 64, "encoding_format": "base64"}

    result = await local.embeddings(body, model=LOCAL_CHAT_MODEL, timeout_s=1)

    raw = base64.b64decode(result.response["data"][0]["embedding"])
    vector = struct.unpack("<64f", raw)
    assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, rel_tol=1e-6)


async def test_transcription_says_a_speech_recogniser_is_needed(local: LocalProvider) -> None:
    with pytest.raises(UnsupportedOperation) as caught:
        await local.transcribe(b"RIFF", "a.wav", {}, model=LOCAL_CHAT_MODEL, timeout_s=1)

    assert "speech recogniser" in caught.value.message
