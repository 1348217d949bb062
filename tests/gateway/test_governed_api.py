"""The governed OpenAI-compatible API, driven by the official SDK over real HTTP on loopback."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest

from aipair.config import Settings
from tests.fixtures.live_gateway import LiveGateway
from tests.fixtures.tenants import Tenant, make_api_key
from tests.gateway.conftest import MESSAGES, sdk, usage_rows

pytestmark = pytest.mark.usefixtures("healthy_upstreams")


async def test_sdk_completes_plain_chat_and_usage_is_recorded(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    key = str((await make_api_key(client, tenant))["key"])
    answer = await sdk(gateway, key).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert answer.choices[0].message.content == "Hello from the mock upstream."
    assert answer.model == "gpt-4o-mini"
    [event] = usage_rows(settings, tenant.id)
    assert event["status"] == "succeeded" and event["provider"] == "openai"
    assert (event["input_tokens"], event["output_tokens"]) == (12, 7)
    assert event["cost_micro_usd"] == 6  # 12 x $0.15/M + 7 x $0.60/M = 6.0 micro-USD, rounded up
    assert event["reserved_micro_usd"] > event["cost_micro_usd"]


async def test_sdk_streams_and_the_stream_is_billed_from_its_usage(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    key = str((await make_api_key(client, tenant))["key"])
    stream = await sdk(gateway, key).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    text, usage = "", None
    async for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
        if chunk.usage:
            usage = chunk.usage
    assert text == "Hello from the mock upstream."
    assert usage is not None and usage.completion_tokens == 6
    [event] = usage_rows(settings, tenant.id)
    assert (event["input_tokens"], event["output_tokens"], event["status"]) == (12, 6, "succeeded")


async def test_sdk_embeddings_and_model_listing(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    api = sdk(gateway, str((await make_api_key(client, tenant))["key"]))
    embedded = await api.embeddings.create(model="text-embedding-3-small", input="hello")
    assert embedded.data[0].embedding == [0.1, 0.2, 0.3]
    names = [m.id async for m in api.models.list()]
    assert {"gpt-4o-mini", "resilient", "local"} <= set(names)


async def test_sdk_raises_its_usual_exceptions(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    with pytest.raises(openai.AuthenticationError):
        await sdk(gateway, "aip_nope_notakey").chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    key = str((await make_api_key(client, tenant, requests_per_minute=2))["key"])
    api = sdk(gateway, key)
    with pytest.raises(openai.NotFoundError):
        await api.chat.completions.create(model="no-such-model", messages=MESSAGES)
    await api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    await api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    with pytest.raises(openai.RateLimitError) as refused:
        await api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert int(refused.value.response.headers["retry-after"]) >= 1
    assert refused.value.response.headers["x-ratelimit-limit-requests"]


async def test_revoked_key_is_refused_by_the_gateway(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await make_api_key(client, tenant)
    api = sdk(gateway, str(created["key"]))
    await api.chat.completions.create(model="local", messages=MESSAGES)
    await client.delete(f"/api/keys/{created['id']}", headers=tenant.auth("ADMIN"))
    await asyncio.sleep(1.2)  # another process learns of a revocation within its cache TTL (1 s here)
    with pytest.raises(openai.AuthenticationError):
        await api.chat.completions.create(model="local", messages=MESSAGES)
