"""Clients of other API shapes work unchanged: the official ``anthropic`` SDK on ``/v1/messages``, the
``openai`` SDK's Responses API and legacy completions; each call governed and billed like a chat."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import openai
import pytest
from bench.mock_upstream import MockUpstream

from aipair.config import Settings
from tests.fixtures.live_gateway import LiveGateway, calls, control
from tests.fixtures.tenants import Tenant, make_api_key
from tests.gateway.conftest import sdk, usage_rows
from tests.gateway.messages_api import WEATHER, message_of

pytestmark = pytest.mark.usefixtures("healthy_upstreams")


def claude(gateway: LiveGateway, key: str, **options: Any) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=gateway.url, api_key=key, max_retries=0, timeout=20, **options)


async def key_of(client: httpx.AsyncClient, tenant: Tenant, **options: object) -> str:
    return str((await make_api_key(client, tenant, **options))["key"])


def billed(settings: Settings, tenant: Tenant) -> list[tuple[str, str, int]]:
    return [
        (str(r["operation"]), str(r["status"]), int(r["cost_micro_usd"]))  # type: ignore[call-overload]
        for r in usage_rows(settings, tenant.id)
    ]


async def test_anthropic_sdk_creates_a_message_billed_like_a_chat(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    api = claude(gateway, await key_of(client, tenant))
    message = await api.messages.create(
        model="gpt-4o-mini",
        max_tokens=100,
        system="Be brief.",
        messages=[{"role": "user", "content": "Say hello"}],
    )
    assert message.content[0].type == "text" and message.content[0].text == "Hello from the mock upstream."
    assert message.stop_reason == "end_turn" and message.model == "gpt-4o-mini"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (12, 7)
    [(operation, status, cost)] = billed(settings, tenant)
    assert (operation, status) == ("messages", "succeeded") and cost > 0


async def test_anthropic_sdk_streams_a_message(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    api = claude(gateway, await key_of(client, tenant))
    async with api.messages.stream(
        model="gpt-4o-mini", max_tokens=100, messages=[{"role": "user", "content": "Say hello"}]
    ) as stream:
        text = "".join([piece async for piece in stream.text_stream])
        final = await stream.get_final_message()
    assert text == "Hello from the mock upstream."
    assert final.usage.output_tokens == 6 and final.stop_reason == "end_turn"
    assert billed(settings, tenant)[0][:2] == ("messages", "succeeded")


@pytest.mark.parametrize("streamed", [False, True])
async def test_anthropic_sdk_tool_use_with_x_api_key(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    client: httpx.AsyncClient,
    tenant: Tenant,
    streamed: bool,
) -> None:
    control(upstreams[0], tool_call={"name": "get_weather", "arguments": '{"city": "Paris"}'})
    api = claude(gateway, await key_of(client, tenant))  # the SDK sends the key as x-api-key
    request: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "max_tokens": 100,
        "tools": [WEATHER],
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
    }
    message = await message_of(api, request, streamed)
    [block] = message.content
    assert block.type == "tool_use" and block.name == "get_weather" and block.input == {"city": "Paris"}
    assert message.stop_reason == "tool_use"


async def test_anthropic_sdk_counts_tokens_without_billing(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    api = claude(gateway, await key_of(client, tenant))
    counted = await api.messages.count_tokens(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello " * 40}]
    )
    assert 100 < counted.input_tokens < 130
    assert usage_rows(settings, tenant.id) == []


async def test_anthropic_sdk_raises_its_own_errors(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    client: httpx.AsyncClient,
    tenant: Tenant,
) -> None:
    hello = [{"role": "user", "content": "hi"}]
    with pytest.raises(anthropic.AuthenticationError):
        await claude(gateway, "aip_wrong").messages.create(model="gpt-4o-mini", max_tokens=5, messages=hello)
    api = claude(gateway, await key_of(client, tenant, requests_per_minute=1))
    with pytest.raises(anthropic.NotFoundError) as missing:
        await api.messages.create(model="claude-9", max_tokens=5, messages=hello)
    assert missing.value.body == {
        "type": "error",
        "error": {"type": "not_found_error", "message": "The model 'claude-9' does not exist"},
    }
    await api.messages.create(model="gpt-4o-mini", max_tokens=5, messages=hello)
    with pytest.raises(anthropic.RateLimitError):
        await api.messages.create(model="gpt-4o-mini", max_tokens=5, messages=hello)
    control(upstreams[0], fail_count=100, fail_status=503)
    other = claude(gateway, await key_of(client, tenant))
    with pytest.raises(anthropic.InternalServerError) as overloaded:
        await other.messages.create(model="gpt-4o-mini", max_tokens=5, messages=hello)
    assert overloaded.value.status_code == 529


async def test_openai_responses_create_plain_and_streamed_are_billed(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    api = sdk(gateway, await key_of(client, tenant))
    plain = await api.responses.create(model="gpt-4o-mini", input="Say hello", instructions="Be brief.")
    assert plain.output_text == "Hello from the mock upstream."
    assert plain.usage is not None and plain.usage.input_tokens == 12
    events = [
        event async for event in await api.responses.create(model="gpt-4o-mini", input="hi", stream=True)
    ]
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == "Hello from the mock upstream."
    completed = events[-1]
    assert completed.type == "response.completed"
    assert completed.response.output_text == deltas and completed.response.usage is not None
    assert [e.sequence_number for e in events] == list(range(1, len(events) + 1))
    assert [(op, status) for op, status, _ in billed(settings, tenant)] == [("responses", "succeeded")] * 2


async def test_openai_responses_with_a_function_tool_and_no_storage(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    client: httpx.AsyncClient,
    tenant: Tenant,
) -> None:
    control(upstreams[0], tool_call={"name": "get_weather", "arguments": '{"city": "Paris"}'})
    api = sdk(gateway, await key_of(client, tenant))
    tool = {"type": "function", "name": "get_weather", "parameters": WEATHER["input_schema"]}
    answer = await api.responses.create(model="gpt-4o-mini", input="Weather?", tools=[tool])  # type: ignore[list-item]
    [call] = answer.output
    assert call.type == "function_call" and json.loads(call.arguments) == {"city": "Paris"}
    with pytest.raises(openai.BadRequestError) as stored:
        await api.responses.create(model="gpt-4o-mini", input="hi", store=True)
    assert isinstance(stored.value.body, dict) and stored.value.body["param"] == "store"


async def test_legacy_completions_models_by_id_and_routes_not_offered(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
) -> None:
    api = sdk(gateway, await key_of(client, tenant))
    completion = await api.completions.create(model="gpt-4o-mini", prompt="Say hello", max_tokens=20)
    assert completion.choices[0].text == "Hello from the mock upstream."
    assert billed(settings, tenant)[0][:2] == ("completion", "succeeded")
    found = await api.models.retrieve("gpt-4o-mini")
    assert found.id == "gpt-4o-mini"
    with pytest.raises(openai.NotFoundError):
        await api.models.retrieve("gpt-9")
    with pytest.raises(openai.NotFoundError) as absent:
        await api.moderations.create(input="hello")
    assert isinstance(absent.value.body, dict) and absent.value.body["code"] == "unknown_url"
    assert calls(upstreams[0], "/v1/moderations") == 0
