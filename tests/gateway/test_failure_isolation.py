"""One company's failing requests never take a provider away from another company: its broken alias
opens its own route only, and upstream 4xx answers never count against the provider."""

from __future__ import annotations

import httpx
import pytest
from bench.mock_upstream import MockUpstream

from aipair.config import Settings
from tests.fixtures.live_gateway import LiveGateway, calls, control
from tests.fixtures.tenants import Tenant, make_api_key
from tests.gateway.conftest import MESSAGES

pytestmark = pytest.mark.usefixtures("healthy_upstreams")


async def chat(http: httpx.AsyncClient, key: str, model: str = "gpt-4o-mini") -> httpx.Response:
    return await http.post(
        "/v1/chat/completions",
        json={"model": model, "messages": MESSAGES},
        headers={"Authorization": f"Bearer {key}"},
    )


async def alias(http: httpx.AsyncClient, tenant: Tenant, name: str, upstream_model: str) -> None:
    targets = {"targets": [{"provider": "openai", "model": upstream_model}]}
    response = await http.put(f"/api/ai/model-aliases/{name}", json=targets, headers=tenant.auth("ADMIN"))
    assert response.status_code == 200, response.text


def provider_state(gateway: LiveGateway) -> str:
    state: str = httpx.get(f"{gateway.url}/health/ai").json()["providers"]["openai"]["state"]
    return state


@pytest.mark.parametrize("upstream_status", [404, 500])
async def test_a_companys_broken_alias_fails_100_times_while_another_company_always_succeeds(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    tenant: Tenant,
    other_tenant: Tenant,
    settings: Settings,
    upstream_status: int,
) -> None:
    primary, _ = upstreams
    control(primary, model_status={"no-such-model": upstream_status})
    async with httpx.AsyncClient(base_url=gateway.url, timeout=20) as http:
        broken_key = str((await make_api_key(http, tenant))["key"])
        healthy_key = str((await make_api_key(http, other_tenant))["key"])
        await alias(http, tenant, "gpt-4o-mini", "no-such-model")
        broken, healthy = [], []
        for _ in range(100):
            broken.append((await chat(http, broken_key)).status_code)
            healthy.append((await chat(http, healthy_key)).status_code)
    assert all(status >= 500 for status in broken)
    assert healthy == [200] * 100
    assert provider_state(gateway) == "closed"
    # The broken route opened for its company: most of its calls never reached the upstream.
    assert calls(primary) < 100 + 20


async def test_failures_seen_by_two_companies_open_the_providers_breaker(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    primary, backup = upstreams
    control(primary, fail_count=1000, fail_status=503)
    async with httpx.AsyncClient(base_url=gateway.url, timeout=20) as http:
        keys = [str((await make_api_key(http, t))["key"]) for t in (tenant, other_tenant)]
        for key in keys:
            assert (await chat(http, key, "resilient")).status_code == 200  # served by the backup
    assert provider_state(gateway) == "open"
    before = calls(primary)
    async with httpx.AsyncClient(base_url=gateway.url, timeout=20) as http:
        assert (await chat(http, keys[0], "resilient")).status_code == 200
    assert calls(primary) == before  # open for everyone: skipped without a call
    assert calls(backup) == 3
