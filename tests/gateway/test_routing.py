"""The router: retries with backoff, fallback to the next target, circuit breakers, health (providers
talking real HTTP to a scripted upstream on loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from aipair.config.providers import CircuitBreakerConfig, RetryConfig
from aipair.gateway.errors import (
    InvalidRequest,
    ModelNotFound,
    ProviderError,
    ProviderUnavailable,
    UnsupportedOperation,
)
from aipair.gateway.providers.client import UpstreamClient
from aipair.gateway.providers.local import LocalProvider
from aipair.gateway.providers.openai_compat import OpenAICompatProvider
from aipair.gateway.providers.registry import ProviderEntry, ProviderRegistry, Target
from aipair.gateway.routing import BreakerState, Router

from .fakes import (
    BACKUP_PATH,
    OPENAI_PATH,
    FakeClock,
    FakeSleep,
    chunk,
    completion,
    hanging_stream,
    sse,
    usage_chunk,
)
from .loopback import HANG, LoopbackUpstream, RecordedRequest, Reply

PRIMARY = f"{OPENAI_PATH}/chat/completions"
BACKUP = f"{BACKUP_PATH}/chat/completions"
BODY: dict[str, Any] = {"model": "smart", "messages": [{"role": "user", "content": "Hi"}]}
ERROR_500 = Reply(500, json={"error": {"message": "boom"}})

MakeRouter = Callable[..., Router]


@pytest.fixture
def make_router(
    upstream: LoopbackUpstream, upstream_client: UpstreamClient, clock: FakeClock, sleep: FakeSleep
) -> MakeRouter:
    """A router over alias ``smart`` → primary (openai) then backup, with fake time."""

    def build(
        *,
        max_retries: int = 1,
        threshold: int = 3,
        cooldown: float = 30.0,
        max_retry_after: float = 5.0,
        timeout_s: float = 10.0,
        min_companies: int = 1,
    ) -> Router:
        primary_url, backup_url = upstream.url + OPENAI_PATH, upstream.url + BACKUP_PATH
        entries = {
            "primary": ProviderEntry(
                OpenAICompatProvider("primary", client=upstream_client, base_url=primary_url, api_key="k1"),
                timeout_s,
                max_retries,
            ),
            "backup": ProviderEntry(
                OpenAICompatProvider("backup", client=upstream_client, base_url=backup_url, api_key="k2"),
                timeout_s,
                max_retries,
            ),
            "local": ProviderEntry(LocalProvider(), 5.0, 0),
        }
        aliases = {
            "smart": [Target("primary", "gpt-4o-mini"), Target("backup", "backup-model")],
            "solo": [Target("primary", "gpt-4o-mini")],
            "local": [Target("local", "local-extractive")],
        }
        return Router(
            ProviderRegistry(entries, aliases),
            retry=RetryConfig(base_delay_s=0.2, max_delay_s=2.0, max_retry_after_s=max_retry_after),
            breaker=CircuitBreakerConfig(
                failure_threshold=threshold, cooldown_s=cooldown, provider_min_companies=min_companies
            ),
            clock=clock,
            sleep=sleep,
            rand=lambda: 0.5,
        )

    return build


async def test_primary_500s_fall_back_to_the_second_target_and_report_it(
    upstream: LoopbackUpstream, make_router: MakeRouter
) -> None:
    primary = upstream.post(PRIMARY).mock(return_value=ERROR_500)
    backup = upstream.post(BACKUP).respond(json=completion("from backup"))

    routed = await make_router(max_retries=1).chat("smart", BODY)

    assert routed.result.response["choices"][0]["message"]["content"] == "from backup"
    assert (routed.provider, routed.model) == ("backup", "backup-model")
    assert routed.attempts == 3
    assert primary.call_count == 2  # one try plus one retry
    assert orjson.loads(backup.calls.last.request.content)["model"] == "backup-model"


async def test_primary_timeouts_fall_back_to_the_second_target(
    upstream: LoopbackUpstream, make_router: MakeRouter
) -> None:
    upstream.post(PRIMARY).mock(side_effect=HANG)
    upstream.post(BACKUP).respond(json=completion())

    routed = await make_router(max_retries=0, timeout_s=0.3).chat("smart", BODY)

    assert routed.provider == "backup"


async def test_retries_are_bounded_and_back_off_with_full_jitter(
    upstream: LoopbackUpstream, make_router: MakeRouter, sleep: FakeSleep
) -> None:
    route = upstream.post(PRIMARY).mock(return_value=ERROR_500)

    with pytest.raises(ProviderUnavailable) as caught:
        await make_router(max_retries=3, threshold=100).chat("solo", BODY)

    assert route.call_count == 4
    assert sleep.delays == [0.1, 0.2, 0.4]  # rand 0.5 x 0.2 x 2**attempt
    assert caught.value.status_code == 503
    assert caught.value.details["failures"] == ["upstream_error"] * 4


async def test_a_retry_that_succeeds_is_served_by_the_same_target(
    upstream: LoopbackUpstream, make_router: MakeRouter
) -> None:
    upstream.post(PRIMARY).mock(side_effect=[ERROR_500, Reply(200, json=completion())])

    routed = await make_router(max_retries=2).chat("smart", BODY)

    assert (routed.provider, routed.attempts) == ("primary", 2)


async def test_small_upstream_retry_after_is_honoured(
    upstream: LoopbackUpstream, make_router: MakeRouter, sleep: FakeSleep
) -> None:
    limited = Reply(429, headers={"retry-after": "3"}, json={"error": {"message": "slow"}})
    upstream.post(PRIMARY).mock(side_effect=[limited, Reply(200, json=completion())])

    routed = await make_router(max_retries=1).chat("smart", BODY)

    assert routed.provider == "primary"
    assert sleep.delays == [3.0]


async def test_long_upstream_retry_after_moves_to_the_fallback_at_once(
    upstream: LoopbackUpstream, make_router: MakeRouter, sleep: FakeSleep
) -> None:
    limited = Reply(429, headers={"retry-after": "60"}, json={"error": {"message": "slow"}})
    primary = upstream.post(PRIMARY).mock(return_value=limited)
    upstream.post(BACKUP).respond(json=completion())

    routed = await make_router(max_retries=3).chat("smart", BODY)

    assert routed.provider == "backup"
    assert primary.call_count == 1
    assert sleep.delays == []


async def test_client_errors_are_neither_retried_nor_sent_to_the_fallback(
    upstream: LoopbackUpstream, make_router: MakeRouter
) -> None:
    primary = upstream.post(PRIMARY).respond(
        400, json={"error": {"message": "bad 'messages'", "param": "messages"}}
    )
    backup = upstream.post(BACKUP).respond(json=completion())

    with pytest.raises(InvalidRequest):
        await make_router(max_retries=3).chat("smart", BODY)

    assert primary.call_count == 1
    assert backup.call_count == 0


async def test_unknown_model_is_model_not_found(make_router: MakeRouter) -> None:
    with pytest.raises(ModelNotFound) as caught:
        await make_router().chat("gpt-9", BODY)

    assert caught.value.status_code == 404
    assert caught.value.to_openai_body()["error"]["code"] == "model_not_found"


async def test_breaker_opens_after_n_failures_and_skips_the_provider(
    upstream: LoopbackUpstream, make_router: MakeRouter
) -> None:
    primary = upstream.post(PRIMARY).mock(return_value=ERROR_500)
    upstream.post(BACKUP).respond(json=completion())
    router = make_router(max_retries=0, threshold=3)

    for _ in range(3):
        await router.chat("smart", BODY)
    assert router.health()["primary"].state is BreakerState.OPEN

    routed = await router.chat("smart", BODY)

    assert routed.provider == "backup"
    assert primary.call_count == 3, "an open breaker sends nothing upstream"


async def test_open_breaker_with_no_fallback_is_503_with_retry_after(
    upstream: LoopbackUpstream, make_router: MakeRouter, clock: FakeClock
) -> None:
    upstream.post(PRIMARY).mock(return_value=ERROR_500)
    router = make_router(max_retries=0, threshold=1, cooldown=30.0)
    with pytest.raises(ProviderUnavailable):
        await router.chat("solo", BODY)
    clock.advance(10)

    with pytest.raises(ProviderUnavailable) as caught:
        await router.chat("solo", BODY)

    assert caught.value.headers["Retry-After"] == "20"


async def test_breaker_closes_after_cooldown_when_the_probe_succeeds(
    upstream: LoopbackUpstream, make_router: MakeRouter, clock: FakeClock
) -> None:
    primary = upstream.post(PRIMARY).mock(side_effect=[ERROR_500, ERROR_500, Reply(200, json=completion())])
    upstream.post(BACKUP).respond(json=completion())
    router = make_router(max_retries=0, threshold=2, cooldown=30.0)
    await router.chat("smart", BODY)
    await router.chat("smart", BODY)
    assert router.health()["primary"].state is BreakerState.OPEN

    clock.advance(29)
    assert (await router.chat("smart", BODY)).provider == "backup"
    clock.advance(1)
    probe = await router.chat("smart", BODY)

    assert probe.provider == "primary"
    assert primary.call_count == 3
    assert router.health()["primary"].state is BreakerState.CLOSED


async def test_failed_probe_reopens_the_breaker(
    upstream: LoopbackUpstream, make_router: MakeRouter, clock: FakeClock
) -> None:
    upstream.post(PRIMARY).mock(return_value=ERROR_500)
    upstream.post(BACKUP).respond(json=completion())
    router = make_router(max_retries=0, threshold=1, cooldown=30.0)
    await router.chat("smart", BODY)
    clock.advance(30)

    await router.chat("smart", BODY)  # the probe fails, backup serves

    health = router.health()["primary"]
    assert health.state is BreakerState.OPEN
    assert health.retry_in_s == 30.0


async def test_cancelled_probe_frees_the_probe_slot(
    upstream: LoopbackUpstream, make_router: MakeRouter, clock: FakeClock
) -> None:
    calls = 0
    release = asyncio.Event()
    probing = asyncio.Event()

    async def upstream_answer(request: RecordedRequest) -> Reply:
        nonlocal calls
        calls += 1
        if calls == 1:
            return ERROR_500
        if calls == 2:
            probing.set()
            await release.wait()  # the probe hangs until its caller goes away
        return Reply(200, json=completion())

    upstream.post(PRIMARY).mock(side_effect=upstream_answer)
    router = make_router(max_retries=0, threshold=1, cooldown=1.0)
    with pytest.raises(ProviderUnavailable):
        await router.chat("solo", BODY)
    clock.advance(1)
    probe = asyncio.create_task(router.chat("solo", BODY))
    await asyncio.wait_for(probing.wait(), 2)
    with pytest.raises(ProviderUnavailable):
        await router.chat("solo", BODY)  # only one probe at a time

    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    routed = await router.chat("solo", BODY)

    assert routed.provider == "primary"
    assert router.health()["primary"].state is BreakerState.CLOSED


async def test_stream_falls_back_before_the_first_byte(
    upstream: LoopbackUpstream, make_router: MakeRouter
) -> None:
    upstream.post(PRIMARY).mock(return_value=ERROR_500)
    upstream.post(BACKUP).respond(
        content=sse(chunk("Hi", role=True), chunk(finish="stop"), usage_chunk(3, 1))
    )

    routed = await make_router(max_retries=0).stream_chat("smart", {**BODY, "stream": True})
    chunks = [c async for c in routed.result]

    assert routed.provider == "backup"
    assert chunks[0]["choices"][0]["delta"]["content"] == "Hi"
    assert routed.result.usage.total_tokens == 4


async def test_stream_failing_after_first_chunk_is_not_retried_but_counts_against_the_provider(
    upstream: LoopbackUpstream, make_router: MakeRouter
) -> None:
    broken = sse(chunk("Hi", role=True), {"error": {"message": "died"}}, done=False)
    primary = upstream.post(PRIMARY).respond(content=broken)
    router = make_router(max_retries=2)

    routed = await router.stream_chat("smart", BODY)
    with pytest.raises(ProviderError, match="died"):
        _ = [c async for c in routed.result]

    assert primary.call_count == 1
    health = router.health()["primary"]
    assert health.last_error_code == "upstream_error"
    assert health.recent_success_rate == 0.5


async def test_stream_cancelled_mid_way_keeps_usage_of_what_was_sent(
    upstream: LoopbackUpstream, make_router: MakeRouter
) -> None:
    parts = [sse(chunk("", role=True), done=False), sse(chunk("x" * 16), done=False)]
    upstream.post(PRIMARY).mock(return_value=Reply(200, content=hanging_stream(parts)))
    routed = await make_router().stream_chat("smart", BODY)
    stream = routed.result

    first, second = await anext(stream), await anext(stream)
    pending = asyncio.create_task(anext(stream))
    await asyncio.sleep(0)
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    await stream.aclose()

    assert second["choices"][0]["delta"]["content"] == "x" * 16 and first
    assert stream.usage.output_tokens == 4
    assert stream.accumulator.usage_is_estimated


async def test_health_reports_state_success_rate_last_error_and_latency(
    upstream: LoopbackUpstream, make_router: MakeRouter, clock: FakeClock
) -> None:
    upstream.post(PRIMARY).mock(side_effect=[ERROR_500, Reply(200, json=completion())])
    router = make_router(max_retries=1)

    await router.chat("solo", BODY)
    clock.advance(5)
    health = router.health()

    primary = health["primary"]
    assert primary.state is BreakerState.CLOSED and primary.healthy
    assert primary.recent_calls == 2
    assert primary.recent_success_rate == 0.5
    assert primary.last_error_code == "upstream_error"
    assert primary.seconds_since_last_error == pytest.approx(5.1)  # includes the 0.1 s backoff
    assert primary.last_latency_ms == 0.0
    assert health["backup"].recent_success_rate is None
    assert set(health) == {"primary", "backup", "local"}


async def test_local_alias_routes_to_the_offline_provider(make_router: MakeRouter) -> None:
    routed = await make_router().chat("local", BODY)

    assert (routed.provider, routed.model) == ("local", "local-extractive")
    assert routed.result.response["model"] == "local-extractive"


async def test_unexpected_adapter_exception_is_treated_as_a_provider_failure(
    make_router: MakeRouter, upstream: LoopbackUpstream
) -> None:
    upstream.post(BACKUP).respond(json=completion())
    router = make_router(max_retries=0)

    async def broken_chat(*args: object, **kwargs: object) -> None:
        raise KeyError("bug")

    router.registry.entry("primary").provider.chat = broken_chat  # type: ignore[method-assign, assignment]

    routed = await router.chat("smart", BODY)

    assert routed.provider == "backup"
    assert router.health()["primary"].last_error_code == "upstream_error"


async def test_embeddings_route_to_the_local_provider(make_router: MakeRouter) -> None:
    routed = await make_router().embeddings("local", {"input": "hello"})

    assert routed.provider == "local"
    assert routed.result.response["object"] == "list"


async def test_unsupported_transcription_is_a_client_error_not_an_outage(make_router: MakeRouter) -> None:
    router = make_router()

    with pytest.raises(UnsupportedOperation):
        await router.transcribe("local", b"RIFF", "a.wav", {})

    assert router.health()["local"].state is BreakerState.CLOSED


async def test_health_as_dict_is_json_ready(upstream: LoopbackUpstream, make_router: MakeRouter) -> None:
    upstream.post(PRIMARY).mock(return_value=ERROR_500)
    router = make_router(max_retries=0, threshold=1)
    with pytest.raises(ProviderUnavailable):
        await router.chat("solo", BODY)

    view = router.health()["primary"].as_dict()

    assert orjson.loads(orjson.dumps(view)) == view
    assert view["state"] == "open" and view["healthy"] is False
    assert view["retry_in_s"] == 30.0
