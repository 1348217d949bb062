"""Fallback, retries, circuit breaker and billing of streams, over real HTTP on loopback."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest
from bench.mock_upstream import MockUpstream

from aipair.config import Settings
from tests.fixtures.live_gateway import LiveGateway, calls, control
from tests.fixtures.tenants import Tenant, make_api_key
from tests.gateway.conftest import MESSAGES, sdk, usage_rows

pytestmark = pytest.mark.usefixtures("healthy_upstreams")


async def test_primary_500s_fall_back_and_usage_names_the_provider_used(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
) -> None:
    primary, backup = upstreams
    control(primary, fail_count=100, fail_status=500)
    api = sdk(gateway, str((await make_api_key(client, tenant))["key"]))
    answer = await api.chat.completions.create(model="resilient", messages=MESSAGES)
    assert answer.choices[0].message.content
    assert calls(primary) == 2  # one attempt and one retry, then the fallback
    assert calls(backup) == 1
    [event] = usage_rows(settings, tenant.id)
    assert (event["provider"], event["status"]) == ("backup", "succeeded")


async def test_primary_timeout_falls_back(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
) -> None:
    primary, backup = upstreams
    control(primary, hang=True)
    api = sdk(gateway, str((await make_api_key(client, tenant))["key"]))
    answer = await api.chat.completions.create(model="resilient", messages=MESSAGES)
    assert answer.choices[0].message.content
    assert calls(backup) == 1
    assert usage_rows(settings, tenant.id)[0]["provider"] == "backup"


async def test_breaker_opens_after_failures_and_closes_after_a_good_probe(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    primary, _ = upstreams
    api = sdk(gateway, str((await make_api_key(client, tenant))["key"]))
    other = sdk(gateway, str((await make_api_key(client, other_tenant))["key"]))
    await close_breaker(gateway, api)
    control(primary, fail_count=1000, fail_status=503)
    for caller in (api, other):  # failures seen by two companies: the provider is down for everyone
        await caller.chat.completions.create(model="resilient", messages=MESSAGES)
    health = httpx.get(f"{gateway.url}/health/ai").json()
    assert health["providers"]["openai"]["state"] == "open"
    assert health["status"] == "degraded"
    before = calls(primary)
    await api.chat.completions.create(model="resilient", messages=MESSAGES)
    assert calls(primary) == before  # open: the primary is skipped without a call
    control(primary, fail_count=0)
    await asyncio.sleep(1.1)  # the test gateway's cool-down is 1 s
    await api.chat.completions.create(model="resilient", messages=MESSAGES)
    assert calls(primary) == before + 1
    assert httpx.get(f"{gateway.url}/health/ai").json()["providers"]["openai"]["state"] == "closed"


async def close_breaker(gateway: LiveGateway, api: openai.AsyncOpenAI) -> None:
    """Start from a closed breaker whatever earlier tests did: wait out a cool-down, then succeed once."""
    if httpx.get(f"{gateway.url}/health/ai").json()["providers"]["openai"]["state"] != "closed":
        await asyncio.sleep(1.1)
        await api.chat.completions.create(model="resilient", messages=MESSAGES)
    assert httpx.get(f"{gateway.url}/health/ai").json()["providers"]["openai"]["state"] == "closed"


async def test_client_that_disconnects_mid_stream_is_billed_for_what_was_delivered(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
) -> None:
    primary, _ = upstreams
    control(primary, stream_delay_s=0.3)
    key = str((await make_api_key(client, tenant))["key"])
    body = {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True}
    async with (
        httpx.AsyncClient(timeout=10) as http,
        http.stream(
            "POST",
            f"{gateway.url}/v1/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {key}"},
        ) as response,
    ):
        async for line in response.aiter_lines():
            if line.startswith("data: {"):
                break  # one chunk read, then the client goes away
    for _ in range(50):
        rows = usage_rows(settings, tenant.id)
        if rows and rows[0]["status"] != "reserved":
            break
        await asyncio.sleep(0.1)
    [event] = rows
    assert event["status"] == "succeeded"
    assert 1 <= event["output_tokens"] < 6  # delivered part only, not the whole answer
    assert event["input_tokens"] > 0
