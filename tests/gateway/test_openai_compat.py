"""The OpenAI-compatible adapter against a scripted upstream over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from aipair.gateway.errors import (
    GatewayError,
    InvalidRequest,
    ProviderAuthFailed,
    ProviderError,
    ProviderQuotaExhausted,
    ProviderTimeout,
    ProviderUnreachable,
    UpstreamModelNotFound,
    UpstreamRateLimited,
)
from aipair.gateway.providers.client import UpstreamClient
from aipair.gateway.providers.openai_compat import OpenAICompatProvider
from aipair.gateway.tokens import estimate_chat_input_tokens
from tests.fixtures.live_gateway import free_port

from .fakes import OPENAI_KEY, OPENAI_PATH, chunk, completion, hanging_stream, sse, usage_chunk
from .loopback import HANG, LoopbackUpstream, Reply

BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}]}
CHAT_URL = f"{OPENAI_PATH}/chat/completions"


async def test_chat_sends_upstream_model_and_bearer_key_and_returns_usage(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    route = upstream.post(CHAT_URL).respond(json=completion("Hi there", prompt_tokens=9, completion_tokens=2))

    result = await openai.chat(BODY, model="gpt-4o-mini-2024-07-18", timeout_s=5)

    sent = route.calls.last.request
    assert sent.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert orjson.loads(sent.content)["model"] == "gpt-4o-mini-2024-07-18"
    assert result.response["choices"][0]["message"]["content"] == "Hi there"
    assert (result.usage.input_tokens, result.usage.output_tokens) == (9, 2)


async def test_chat_without_upstream_usage_is_estimated(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    answer = completion("twelve chars")
    del answer["usage"]
    upstream.post(CHAT_URL).respond(json=answer)

    result = await openai.chat(BODY, model="m", timeout_s=5)

    assert result.usage.input_tokens == estimate_chat_input_tokens(BODY)
    assert result.usage.output_tokens == 3


async def test_stream_forces_upstream_usage_and_bills_from_the_final_usage_chunk(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    body = sse(chunk("", role=True), chunk("Hel"), chunk("lo"), chunk(finish="stop"), usage_chunk(21, 7))
    route = upstream.post(CHAT_URL).respond(content=body, headers={"content-type": "text/event-stream"})

    stream = await openai.stream_chat({**BODY, "stream": True}, model="gpt-4o-mini", timeout_s=5)
    chunks = [c async for c in stream]

    sent = orjson.loads(route.calls.last.request.content)
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "Hello"
    assert all(c["choices"] for c in chunks), "usage chunk must not reach a client that did not ask for it"
    assert all("usage" not in c for c in chunks)
    assert (stream.usage.input_tokens, stream.usage.output_tokens) == (21, 7)
    assert stream.accumulator.completed
    assert stream.accumulator.finish_reason == "stop"


async def test_stream_passes_the_usage_chunk_when_the_client_asked_for_it(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    body = sse(chunk("Hi", role=True), chunk(finish="stop"), usage_chunk(5, 1))
    upstream.post(CHAT_URL).respond(content=body, headers={"content-type": "text/event-stream"})

    request = {**BODY, "stream": True, "stream_options": {"include_usage": True}}
    stream = await openai.stream_chat(request, model="gpt-4o-mini", timeout_s=5)
    chunks = [c async for c in stream]

    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["total_tokens"] == 6


async def test_client_cancelling_mid_stream_leaves_a_billable_estimate(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    parts = [sse(chunk("", role=True), done=False), sse(chunk("abcd" * 10), done=False)]
    upstream.post(CHAT_URL).mock(return_value=Reply(200, content=hanging_stream(parts)))
    stream = await openai.stream_chat(BODY, model="gpt-4o-mini", timeout_s=5)
    received: list[dict[str, Any]] = []
    two_received = asyncio.Event()

    async def client() -> None:
        async for item in stream:
            received.append(item)
            if len(received) == 2:
                two_received.set()

    task = asyncio.create_task(client())
    await asyncio.wait_for(two_received.wait(), 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await stream.aclose()

    assert stream.accumulator.usage_is_estimated
    assert not stream.accumulator.completed
    assert stream.usage.input_tokens == estimate_chat_input_tokens(BODY)
    assert stream.usage.output_tokens == 10  # 40 ASCII characters delivered


async def test_stream_error_event_after_first_chunk_raises_provider_error(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    body = sse(chunk("Hi", role=True), {"error": {"message": f"boom with {OPENAI_KEY}"}}, done=False)
    upstream.post(CHAT_URL).respond(content=body)
    stream = await openai.stream_chat(BODY, model="gpt-4o-mini", timeout_s=5)
    seen: list[GatewayError] = []
    stream.on_error = seen.append

    with pytest.raises(ProviderError) as caught:
        _ = [c async for c in stream]

    assert OPENAI_KEY not in caught.value.message
    assert seen == [caught.value]
    assert stream.usage.output_tokens == 1


async def test_stream_upstream_error_status_raises_before_any_chunk(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    upstream.post(CHAT_URL).respond(503, json={"error": {"message": "overloaded"}})

    with pytest.raises(ProviderError):
        await openai.stream_chat(BODY, model="gpt-4o-mini", timeout_s=5)


@pytest.mark.parametrize(
    ("status", "payload", "expected", "gateway_status"),
    [
        (401, {"error": {"message": f"Incorrect API key provided: {OPENAI_KEY}"}}, ProviderAuthFailed, 502),
        (403, {"error": {"message": "Project does not have access"}}, ProviderAuthFailed, 502),
        (
            404,
            {"error": {"message": "The model `x` does not exist", "code": "model_not_found"}},
            UpstreamModelNotFound,
            502,
        ),
        (429, {"error": {"message": "Slow down", "type": "requests"}}, UpstreamRateLimited, 429),
        (
            429,
            {"error": {"message": "Out of credit", "code": "insufficient_quota"}},
            ProviderQuotaExhausted,
            502,
        ),
        (500, {"error": {"message": "Internal"}}, ProviderError, 502),
        (400, {"error": {"message": "Invalid 'temperature'", "param": "temperature"}}, InvalidRequest, 400),
    ],
)
async def test_upstream_error_status_is_translated_without_leaking_the_key(
    upstream: LoopbackUpstream,
    openai: OpenAICompatProvider,
    status: int,
    payload: dict[str, Any],
    expected: type[GatewayError],
    gateway_status: int,
) -> None:
    upstream.post(CHAT_URL).respond(status, json=payload)

    with pytest.raises(expected) as caught:
        await openai.chat(BODY, model="gpt-4o-mini", timeout_s=5)

    error = caught.value
    assert type(error) is expected
    assert error.status_code == gateway_status
    assert OPENAI_KEY not in orjson.dumps(error.to_openai_body()).decode()
    assert OPENAI_KEY not in orjson.dumps(error.to_body()).decode()


async def test_upstream_400_keeps_the_message_and_param_for_the_client(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    upstream.post(CHAT_URL).respond(
        400,
        json={
            "error": {
                "message": "Invalid 'temperature'",
                "type": "invalid_request_error",
                "param": "temperature",
            }
        },
    )

    with pytest.raises(InvalidRequest) as caught:
        await openai.chat(BODY, model="gpt-4o-mini", timeout_s=5)

    assert caught.value.to_openai_body()["error"] == {
        "message": "Invalid 'temperature'",
        "type": "invalid_request_error",
        "param": "temperature",
        "code": "invalid_request",
    }


async def test_upstream_429_carries_its_retry_after(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    upstream.post(CHAT_URL).respond(
        429, headers={"retry-after-ms": "1500"}, json={"error": {"message": "slow"}}
    )

    with pytest.raises(UpstreamRateLimited) as caught:
        await openai.chat(BODY, model="gpt-4o-mini", timeout_s=5)

    assert caught.value.retry_after == 1.5
    assert caught.value.headers["Retry-After"] == "2"


async def test_upstream_timeout_becomes_provider_timeout(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    upstream.post(CHAT_URL).mock(side_effect=HANG)

    with pytest.raises(ProviderTimeout) as caught:
        await openai.chat(BODY, model="gpt-4o-mini", timeout_s=0.5)

    assert caught.value.status_code == 504


async def test_unreachable_upstream_becomes_provider_unreachable(upstream_client: UpstreamClient) -> None:
    nobody = OpenAICompatProvider(
        "openai", client=upstream_client, base_url=f"http://127.0.0.1:{free_port()}/v1", api_key=OPENAI_KEY
    )

    with pytest.raises(ProviderUnreachable) as caught:
        await nobody.chat(BODY, model="gpt-4o-mini", timeout_s=5)

    assert OPENAI_KEY not in caught.value.message


async def test_upstream_closing_mid_answer_is_unreachable_and_the_next_call_reconnects(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    async def cut(request: object) -> Reply:
        async def parts() -> AsyncIterator[bytes]:
            yield b'{"id": "chatcmpl-1", '
            raise ConnectionResetError  # the server drops the connection mid-body

        return Reply(200, content=parts())

    upstream.post(CHAT_URL).mock(side_effect=[cut, Reply(200, json=completion("again"))])

    with pytest.raises(ProviderUnreachable):
        await openai.chat(BODY, model="gpt-4o-mini", timeout_s=5)
    result = await openai.chat(BODY, model="gpt-4o-mini", timeout_s=5)

    assert result.response["choices"][0]["message"]["content"] == "again"


async def test_keep_alive_connections_are_reused_and_gzip_answers_decoded(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    packed = gzip.compress(orjson.dumps(completion("zipped")))
    route = upstream.post(CHAT_URL).respond(content=packed, headers={"content-encoding": "gzip"})

    answers = [await openai.chat(BODY, model="gpt-4o-mini", timeout_s=5) for _ in range(3)]

    assert {a.response["choices"][0]["message"]["content"] for a in answers} == {"zipped"}
    assert route.call_count == 3
    assert upstream.connections == 1


async def test_non_json_success_body_is_a_provider_error(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    upstream.post(CHAT_URL).respond(200, content=b"<html>gateway</html>")

    with pytest.raises(ProviderError):
        await openai.chat(BODY, model="gpt-4o-mini", timeout_s=5)


def test_provider_repr_never_shows_the_key(openai: OpenAICompatProvider) -> None:
    assert OPENAI_KEY not in repr(openai)


async def test_embeddings_returns_upstream_vectors_and_prompt_tokens(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    vectors = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}]}
    route = upstream.post(f"{OPENAI_PATH}/embeddings").respond(
        json={**vectors, "model": "text-embedding-3-small", "usage": {"prompt_tokens": 4, "total_tokens": 4}}
    )

    result = await openai.embeddings({"input": "hello world"}, model="text-embedding-3-small", timeout_s=5)

    assert orjson.loads(route.calls.last.request.content)["model"] == "text-embedding-3-small"
    assert result.response["data"][0]["embedding"] == [0.1, 0.2]
    assert (result.usage.input_tokens, result.usage.output_tokens) == (4, 0)


async def test_transcription_posts_multipart_and_bills_reported_seconds(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    route = upstream.post(f"{OPENAI_PATH}/audio/transcriptions").respond(
        json={"text": "Hello team.", "usage": {"type": "duration", "seconds": 61.2}}
    )

    result = await openai.transcribe(
        b"RIFF....", "standup.wav", {"language": "en"}, model="whisper-1", timeout_s=5
    )

    sent = route.calls.last.request
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert b'name="model"' in sent.content and b"whisper-1" in sent.content
    assert b'filename="standup.wav"' in sent.content
    assert result.content == {"text": "Hello team.", "usage": {"type": "duration", "seconds": 61.2}}
    assert result.usage.input_tokens == 62


async def test_transcription_in_text_format_comes_back_as_text(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    upstream.post(f"{OPENAI_PATH}/audio/transcriptions").respond(
        text="1\n00:00:00,000 --> 00:00:01,000\nHi\n", headers={"content-type": "text/plain"}
    )

    result = await openai.transcribe(
        b"x" * 32_000, "a.mp3", {"response_format": "srt"}, model="whisper-1", timeout_s=5
    )

    assert isinstance(result.content, str) and "Hi" in result.content
    assert result.media_type == "text/plain"
    assert result.usage.input_tokens == 2  # estimated from the file size


async def test_azure_uses_deployment_url_api_version_and_api_key_header(
    upstream: LoopbackUpstream, upstream_client: UpstreamClient
) -> None:
    azure = OpenAICompatProvider(
        "azure",
        client=upstream_client,
        base_url=f"{upstream.url}/contoso",
        api_key="azure-secret",
        api_version="2024-10-21",
        azure=True,
    )
    route = upstream.post("/contoso/openai/deployments/prod-4o/chat/completions").respond(json=completion())

    await azure.chat(BODY, model="prod-4o", timeout_s=5)

    sent = route.calls.last.request
    assert sent.params["api-version"] == "2024-10-21"
    assert sent.headers["api-key"] == "azure-secret"
    assert "authorization" not in sent.headers


async def test_keyless_server_gets_no_authorization_header(
    upstream: LoopbackUpstream, upstream_client: UpstreamClient
) -> None:
    ollama = OpenAICompatProvider("ollama", client=upstream_client, base_url=f"{upstream.url}/ollama/v1/")
    route = upstream.post("/ollama/v1/chat/completions").respond(json=completion())

    await ollama.chat(BODY, model="llama3.1:8b", timeout_s=5)

    assert "authorization" not in route.calls.last.request.headers


async def test_upstream_going_silent_mid_stream_is_a_timeout_with_usage_kept(
    upstream: LoopbackUpstream, openai: OpenAICompatProvider
) -> None:
    upstream.post(CHAT_URL).respond(content=hanging_stream([sse(chunk("Hello", role=True), done=False)]))
    stream = await openai.stream_chat(BODY, model="gpt-4o-mini", timeout_s=0.3)

    with pytest.raises(ProviderTimeout):
        _ = [c async for c in stream]

    assert stream.error is not None
    assert stream.usage.output_tokens == 2
