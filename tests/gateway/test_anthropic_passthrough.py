"""``/v1/messages`` to a model an Anthropic provider serves: the call passes through in Anthropic's own
shapes (fields only that API knows arrive unchanged, its answer and events come back as they were sent),
governed and billed like every other call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import pytest
from bench.mock_upstream import MockUpstream

from aipair.config import Settings
from aipair.config.providers import GatewayProvidersConfig
from tests.fixtures.live_gateway import (
    LiveGateway,
    calls,
    control,
    gateway_settings,
    live_gateway,
    providers_config,
)
from tests.fixtures.tenants import Tenant, make_api_key
from tests.gateway.conftest import usage_rows
from tests.gateway.messages_api import WEATHER, message_of

pytestmark = pytest.mark.usefixtures("healthy_upstreams")
COST = 21 * 3 + 6 * 15
"""21 input and 6 output tokens of claude-sonnet-4 at $3 and $15 per million, in micro-USD."""
CACHED_TEXT = {"type": "text", "text": "Say hello", "cache_control": {"type": "ephemeral"}}
REQUEST: dict[str, Any] = {
    "model": "claude-sonnet-4",
    "max_tokens": 100,
    "system": "Be brief.",
    "metadata": {"user_id": "user-7"},
    "messages": [{"role": "user", "content": [CACHED_TEXT]}],
    "extra_body": {"top_k": 5},
    "extra_headers": {"anthropic-beta": "prompt-caching-2024-07-31, token-efficient-tools-2025-02-19"},
}
SENT = {key: value for key, value in REQUEST.items() if not key.startswith("extra_")} | {"top_k": 5}
"""What Anthropic receives: the request as the client sent it (no field translated away)."""


@pytest.fixture(scope="module")
def gateway(settings: Settings, upstreams: tuple[MockUpstream, MockUpstream]) -> Iterator[LiveGateway]:
    """The gateway with an Anthropic provider (the primary mock, answering in Anthropic's shapes)."""
    primary, backup = upstreams
    config = providers_config(primary.port, backup.port).model_dump()
    config["providers"]["anthropic"] = {
        "kind": "anthropic",
        "base_url": f"http://127.0.0.1:{primary.port}",
        "requires_api_key": False,
        "max_retries": 0,
    }
    config["aliases"]["claude-sonnet-4"] = [{"provider": "anthropic", "model": "claude-sonnet-4"}]
    base = gateway_settings(settings, upstreams)
    providers = GatewayProvidersConfig.model_validate(config)
    with live_gateway(
        base.model_copy(update={"gateway": base.gateway.model_copy(update={"providers": providers})})
    ) as live:
        yield live


@pytest.fixture
def recorded(upstreams: tuple[MockUpstream, MockUpstream]) -> Iterator[MockUpstream]:
    """The primary mock, keeping every body it receives."""
    control(upstreams[0], record_bodies=True, bodies_seen=[])
    yield upstreams[0]
    control(upstreams[0], record_bodies=False, bodies_seen=[])


def received(mock: MockUpstream) -> list[dict[str, Any]]:
    """The bodies of the Messages calls the mock received."""
    return [item["body"] for item in seen_by(mock)]


def seen_by(mock: MockUpstream) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = httpx.get(f"http://127.0.0.1:{mock.port}/__bodies", timeout=5).json()
    return [item for item in seen if item["path"] == "/v1/messages"]


@pytest.fixture
async def api(gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant) -> anthropic.AsyncAnthropic:
    """The official SDK with a key of the tenant (sent as ``x-api-key``)."""
    api_key = str((await make_api_key(client, tenant))["key"])
    return anthropic.AsyncAnthropic(base_url=gateway.url, api_key=api_key, max_retries=0, timeout=20)


def billed(settings: Settings, tenant: Tenant) -> list[tuple[object, ...]]:
    return [
        (r["operation"], r["status"], r["provider"], r["public_model"], r["cost_micro_usd"])
        for r in usage_rows(settings, tenant.id)
    ]


@pytest.mark.parametrize("streamed", [False, True])
async def test_a_message_passes_through_to_anthropic_unchanged_and_is_billed(
    api: anthropic.AsyncAnthropic, tenant: Tenant, settings: Settings, recorded: MockUpstream, streamed: bool
) -> None:
    message = await message_of(api, REQUEST, streamed)
    assert message.id == "msg_mock" and message.model == "claude-sonnet-4"
    assert message.content[0].type == "text" and message.content[0].text == "Hello from the mock Claude."
    assert (message.usage.input_tokens, message.usage.output_tokens) == (21, 6)
    assert message.stop_reason == "end_turn"
    [sent] = seen_by(recorded)
    assert sent["body"] == {**SENT, "stream": streamed}
    assert sent["anthropic_beta"] == REQUEST["extra_headers"]["anthropic-beta"]
    assert calls(recorded, "/v1/chat/completions") == 0
    assert billed(settings, tenant) == [("messages", "succeeded", "anthropic", "claude-sonnet-4", COST)]


async def test_a_stream_carries_anthropics_own_events(api: anthropic.AsyncAnthropic) -> None:
    async with api.messages.stream(**REQUEST) as stream:
        kinds = [event.type async for event in stream]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert "content_block_start" in kinds and "message_delta" in kinds


@pytest.mark.parametrize("streamed", [False, True])
async def test_tool_use_passes_through(
    api: anthropic.AsyncAnthropic, upstreams: tuple[MockUpstream, MockUpstream], streamed: bool
) -> None:
    control(upstreams[0], tool_call={"name": "get_weather", "arguments": '{"city": "Oslo"}'})
    message = await message_of(api, {**REQUEST, "tools": [WEATHER]}, streamed)
    assert message.stop_reason == "tool_use"
    [block] = message.content
    assert block.type == "tool_use" and block.name == "get_weather" and block.input == {"city": "Oslo"}


async def test_a_message_the_budget_refuses_never_reaches_anthropic(
    gateway: LiveGateway,
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
    recorded: MockUpstream,
) -> None:
    key = str((await make_api_key(client, tenant, monthly_budget_usd="0.000100"))["key"])  # < worst case
    api = anthropic.AsyncAnthropic(base_url=gateway.url, api_key=key, max_retries=0)
    with pytest.raises(anthropic.RateLimitError) as refused:
        await api.messages.create(**REQUEST)
    assert refused.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    assert received(recorded) == []
    assert billed(settings, tenant) == []


async def test_an_anthropic_beta_header_that_is_no_list_of_features_is_refused(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, recorded: MockUpstream
) -> None:
    key = str((await make_api_key(client, tenant))["key"])
    body = {key: value for key, value in REQUEST.items() if not key.startswith("extra_")}
    headers = {"x-api-key": key, "anthropic-beta": "caching; x-admin: 1"}
    async with httpx.AsyncClient(base_url=gateway.url, timeout=20) as http:
        refused = await http.post("/v1/messages", json=body, headers=headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["type"] == "invalid_request_error"
    assert received(recorded) == []
