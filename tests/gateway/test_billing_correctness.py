"""What a client is billed and told: correlation ids, idempotency keys, the limit that bound, bad
parameters refused before anything is counted, upstream rate limits passed on."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest
from bench.mock_upstream import MockUpstream

from aipair.config import Settings
from tests.fixtures.live_gateway import LiveGateway, calls, control
from tests.fixtures.tenants import Tenant, make_api_key
from tests.gateway.conftest import MESSAGES, sdk, usage_rows

pytestmark = pytest.mark.usefixtures("healthy_upstreams")
GOOD: dict[str, Any] = {"model": "gpt-4o-mini", "messages": MESSAGES}


async def test_a_fixed_x_request_id_is_a_correlation_id_and_every_call_succeeds(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    key = str((await make_api_key(client, tenant))["key"])
    api = sdk(gateway, key, default_headers={"X-Request-ID": "fixed"})
    for _ in range(10):
        raw = await api.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
        assert raw.headers["x-request-id"] == "fixed"
    rows = usage_rows(settings, tenant.id)
    assert len(rows) == 10 and {r["status"] for r in rows} == {"succeeded"}


async def test_the_same_idempotency_key_twice_bills_once_and_replays_the_answer(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
) -> None:
    primary, _ = upstreams
    key = str((await make_api_key(client, tenant))["key"])
    api = sdk(gateway, key)
    options: dict[str, Any] = {"extra_headers": {"Idempotency-Key": "order-42"}}
    first = await api.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, **options
    )
    second = await api.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, **options
    )
    assert second.headers["idempotent-replayed"] == "true"
    assert second.parse().model_dump() == first.parse().model_dump()
    assert calls(primary) == 1
    assert len(usage_rows(settings, tenant.id)) == 1
    with pytest.raises(openai.ConflictError) as reused:
        await api.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "other"}], **options
        )
    assert reused.value.code == "idempotency_key_in_use"


async def test_a_429_from_the_keys_limit_describes_that_limit(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    key = str((await make_api_key(client, tenant, requests_per_minute=5))["key"])
    async with httpx.AsyncClient(base_url=gateway.url, timeout=20) as http:
        headers = {"Authorization": f"Bearer {key}"}
        answers = [await http.post("/v1/chat/completions", json=GOOD, headers=headers) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[0].headers["x-ratelimit-limit-requests"] == "5"
    assert answers[0].headers["x-ratelimit-remaining-requests"] == "4"
    refused = answers[-1]
    assert refused.headers["x-ratelimit-limit-requests"] == "5"
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"
    assert int(refused.headers["retry-after"]) >= 1


BAD_PARAMETERS = [
    ({"temperature": 5}, "temperature"),
    ({"temperature": -1}, "temperature"),
    ({"temperature": "abc"}, "temperature"),
    ({"top_p": 1.5}, "top_p"),
    ({"n": 0}, "n"),
    ({"presence_penalty": 3}, "presence_penalty"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"top_logprobs": 21}, "top_logprobs"),
    ({"stream": "yes"}, "stream"),
    ({"response_format": {"type": "yaml"}}, "response_format.type"),
    ({"messages": [{"content": "no role"}]}, "messages[0].role"),
    ({"messages": [{"role": "wizard", "content": "hi"}]}, "messages[0].role"),
    ({"messages": [{"role": "user"}]}, "messages[0].content"),
    ({"messages": [{"role": "tool", "content": "42"}]}, "messages[0].tool_call_id"),
    ({"tools": [{"type": "function", "function": {}}]}, "tools[0]"),
]


@pytest.mark.parametrize(("change", "param"), BAD_PARAMETERS, ids=[p for _, p in BAD_PARAMETERS])
async def test_bad_parameters_get_400_with_param_and_nothing_is_counted_or_reserved(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
    change: dict[str, Any],
    param: str,
) -> None:
    primary, _ = upstreams
    key = str((await make_api_key(client, tenant, requests_per_minute=3))["key"])
    api = sdk(gateway, key)
    with pytest.raises(openai.BadRequestError) as refused:
        await api.chat.completions.create(**{**GOOD, **change})
    assert refused.value.status_code == 400
    error = refused.value.body
    assert isinstance(error, dict) and error["param"] == param and error["type"] == "invalid_request_error"
    assert calls(primary) == 0 and usage_rows(settings, tenant.id) == []
    raw = await api.chat.completions.with_raw_response.create(**GOOD)
    assert raw.headers["x-ratelimit-remaining-requests"] == "2"  # the refused call took no slot


async def test_unknown_parameters_still_pass_through(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    api = sdk(gateway, str((await make_api_key(client, tenant))["key"]))
    answer = await api.chat.completions.create(**GOOD, extra_body={"provider_specific_knob": {"a": 1}})
    assert answer.choices[0].message.content


async def test_a_key_with_a_small_tpm_serves_calls_without_max_tokens_and_refuses_ones_that_never_fit(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    api = sdk(gateway, str((await make_api_key(client, tenant, tokens_per_minute=2_000))["key"]))
    raw = await api.chat.completions.with_raw_response.create(**GOOD)
    assert raw.headers["x-ratelimit-limit-tokens"] == "2000"
    with pytest.raises(openai.BadRequestError) as refused:
        await api.chat.completions.create(**GOOD, max_tokens=5_000)
    assert isinstance(refused.value.body, dict) and refused.value.body["param"] == "max_tokens"


async def test_an_upstream_rate_limit_after_retries_is_a_429_with_retry_after(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    client: httpx.AsyncClient,
    tenant: Tenant,
) -> None:
    primary, _ = upstreams
    control(primary, fail_count=100, fail_status=429)
    api = sdk(gateway, str((await make_api_key(client, tenant))["key"]))
    with pytest.raises(openai.RateLimitError) as limited:
        await api.chat.completions.create(**GOOD)
    assert limited.value.response.headers["retry-after"] == "1"
    assert calls(primary) == 2  # the attempt and its retry
