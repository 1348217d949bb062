"""A company's own keys, alias overrides and allow-list, seen from the gateway: real HTTP through a live
gateway to mock upstreams that record the ``Authorization`` header they receive.

The platform has a key for ``openai`` (the primary mock) and none for ``vendor`` (the backup mock, a
provider only companies with their own key can use); ``backup`` (the backup mock again) takes no key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from bench.mock_upstream import MockUpstream

from aipair.config import Settings
from aipair.config.providers import GatewayProvidersConfig
from aipair.db.urls import libpq
from tests.fixtures.live_gateway import LiveGateway, control, live_gateway
from tests.fixtures.tenants import Tenant, make_api_key
from tests.gateway.conftest import MESSAGES, usage_rows

PLATFORM_KEY = "sk-platform-0000"
COMPANY_KEY = "sk-company-own-key-A1b2"


def providers(primary: int, backup: int) -> GatewayProvidersConfig:
    def mock(port: int, **extra: Any) -> dict[str, Any]:
        return {"kind": "openai_compat", "base_url": f"http://127.0.0.1:{port}/v1", "max_retries": 0, **extra}

    return GatewayProvidersConfig.model_validate(
        {
            "providers": {
                "openai": mock(primary, api_key=PLATFORM_KEY),
                "vendor": mock(backup),
                "backup": mock(backup, requires_api_key=False),
            },
            "aliases": {
                "gpt-4o-mini": [{"provider": "openai", "model": "gpt-4o-mini"}],
                "gpt-4o": [{"provider": "openai", "model": "gpt-4o"}],
                "vendor-chat": [{"provider": "vendor", "model": "vendor-large"}],
            },
        }
    )


@pytest.fixture(scope="module")
def ai_gateway(settings: Settings, upstreams: tuple[MockUpstream, MockUpstream]) -> Iterator[LiveGateway]:
    primary, backup = upstreams
    configured = settings.model_copy(
        update={
            "gateway": settings.gateway.model_copy(
                update={"providers": providers(primary.port, backup.port), "cache_ttl_s": 1.0}
            )
        }
    )
    with live_gateway(configured) as live:
        yield live


@pytest.fixture
def recording(upstreams: tuple[MockUpstream, MockUpstream]) -> tuple[MockUpstream, MockUpstream]:
    for mock in upstreams:
        control(mock, fail_count=0, delay_s=0, hang=False, calls={}, usage={}, record_auth=True, auth_seen=[])
    return upstreams


@pytest.fixture
async def http(ai_gateway: LiveGateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=ai_gateway.url, timeout=20) as client:
        yield client


def seen(mock: MockUpstream) -> list[str | None]:
    """The ``Authorization`` header of each call the mock received, in order."""
    calls: list[dict[str, str | None]] = httpx.get(f"http://127.0.0.1:{mock.port}/__auth").json()
    return [c["authorization"] for c in calls]


async def chat(http: httpx.AsyncClient, key: str, model: str = "gpt-4o-mini") -> httpx.Response:
    return await http.post(
        "/v1/chat/completions",
        json={"model": model, "messages": MESSAGES},
        headers={"Authorization": f"Bearer {key}"},
    )


async def ai_key(http: httpx.AsyncClient, tenant: Tenant) -> str:
    return str((await make_api_key(http, tenant))["key"])


async def model_names(http: httpx.AsyncClient, key: str) -> list[str]:
    listed = await http.get("/v1/models", headers={"Authorization": f"Bearer {key}"})
    return [m["id"] for m in listed.json()["data"]]


async def set_key(http: httpx.AsyncClient, tenant: Tenant, provider: str, key: str = COMPANY_KEY) -> None:
    response = await http.put(
        f"/api/ai/provider-keys/{provider}", json={"api_key": key}, headers=tenant.auth("ADMIN")
    )
    assert response.status_code == 200, response.text


pytestmark = pytest.mark.usefixtures("recording")


async def test_the_company_key_reaches_the_upstream_while_others_keep_the_platform_key(
    http: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    upstreams: tuple[MockUpstream, MockUpstream],
) -> None:
    primary, _ = upstreams
    mine, theirs = await ai_key(http, tenant), await ai_key(http, other_tenant)
    await set_key(http, tenant, "openai")
    assert (await chat(http, mine)).status_code == 200
    assert (await chat(http, theirs)).status_code == 200
    assert seen(primary) == [f"Bearer {COMPANY_KEY}", f"Bearer {PLATFORM_KEY}"]
    removed = await http.delete("/api/ai/provider-keys/openai", headers=tenant.auth("OWNER"))
    assert removed.status_code == 204
    assert (await chat(http, mine)).status_code == 200
    assert seen(primary)[-1] == f"Bearer {PLATFORM_KEY}"


async def test_a_company_key_opens_a_provider_the_platform_has_no_key_for(
    http: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    upstreams: tuple[MockUpstream, MockUpstream],
) -> None:
    _, backup = upstreams
    mine, theirs = await ai_key(http, tenant), await ai_key(http, other_tenant)
    assert "vendor-chat" not in await model_names(http, mine)
    assert (await chat(http, mine, "vendor-chat")).json()["error"]["code"] == "model_not_found"
    await set_key(http, tenant, "vendor", "sk-vendor-key-7777")
    assert "vendor-chat" in await model_names(http, mine)
    answer = await chat(http, mine, "vendor-chat")
    assert answer.status_code == 200 and answer.json()["model"] == "vendor-chat"
    assert seen(backup) == ["Bearer sk-vendor-key-7777"]
    assert "vendor-chat" not in await model_names(http, theirs)
    assert (await chat(http, theirs, "vendor-chat")).status_code == 404


async def test_the_key_is_not_readable_in_the_database(
    http: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    await set_key(http, tenant, "openai")
    assert settings.database_url is not None
    with psycopg.connect(libpq(settings.database_url.get_secret_value())) as owner:
        [(sealed, hint)] = owner.execute(
            "SELECT sealed_key, key_hint FROM company_provider_keys WHERE company_id = %s", [tenant.id]
        ).fetchall()
        [(dump,)] = owner.execute(
            "SELECT row_to_json(k)::text || encode(k.sealed_key, 'escape') FROM company_provider_keys k"
            " WHERE company_id = %s",
            [tenant.id],
        ).fetchall()
    assert hint == "…A1b2"
    assert COMPANY_KEY.encode() not in bytes(sealed) and "company-own-key" not in dump


async def test_a_sealed_key_copied_to_another_company_does_not_decrypt(
    http: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    settings: Settings,
    upstreams: tuple[MockUpstream, MockUpstream],
) -> None:
    primary, _ = upstreams
    await set_key(http, tenant, "openai")
    assert settings.database_url is not None
    with psycopg.connect(libpq(settings.database_url.get_secret_value())) as owner:
        owner.execute(
            "INSERT INTO company_provider_keys (id, company_id, provider, sealed_key, key_hint)"
            " SELECT gen_random_uuid(), %s, provider, sealed_key, key_hint FROM company_provider_keys"
            " WHERE company_id = %s",
            [other_tenant.id, tenant.id],
        )
    listed = await http.get("/api/ai/provider-keys", headers=other_tenant.auth("ADMIN"))
    assert [(k["provider"], k["usable"]) for k in listed.json()] == [("openai", False)]
    refused = await chat(http, await ai_key(http, other_tenant))
    assert refused.status_code == 503, refused.text
    error = refused.json()["error"]
    assert error["code"] == "provider_unavailable" and "company_key_unreadable" in error["message"]
    assert COMPANY_KEY not in refused.text and seen(primary) == []
    [event] = usage_rows(settings, other_tenant.id)
    assert (event["status"], event["cost_micro_usd"], event["error_code"]) == (
        "failed",
        0,
        "provider_unavailable",
    )
    await set_key(http, other_tenant, "openai", "sk-their-own-key-5555")
    assert (await chat(http, await ai_key(http, other_tenant))).status_code == 200
    assert seen(primary) == ["Bearer sk-their-own-key-5555"]


async def test_the_allow_list_limits_the_model_list_and_calls_without_billing(
    http: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, settings: Settings
) -> None:
    mine, theirs = await ai_key(http, tenant), await ai_key(http, other_tenant)
    assert {"gpt-4o", "gpt-4o-mini", "local"} <= set(await model_names(http, mine))
    restricted = await http.put(
        "/api/ai/model-access", json={"allowed_models": ["gpt-4o"]}, headers=tenant.auth("ADMIN")
    )
    assert restricted.status_code == 200, restricted.text
    assert await model_names(http, mine) == ["gpt-4o"]
    refused = await chat(http, mine, "gpt-4o-mini")
    assert refused.status_code == 404
    assert refused.json()["error"] == {
        "message": "The model 'gpt-4o-mini' does not exist",
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
    }
    assert usage_rows(settings, tenant.id) == []
    assert (await chat(http, mine, "gpt-4o")).status_code == 200
    assert (await chat(http, theirs, "gpt-4o-mini")).status_code == 200
    await http.put("/api/ai/model-access", json={"allowed_models": None}, headers=tenant.auth("ADMIN"))
    assert (await chat(http, mine, "gpt-4o-mini")).status_code == 200


async def test_an_alias_override_routes_this_company_to_its_own_target(
    http: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    settings: Settings,
    upstreams: tuple[MockUpstream, MockUpstream],
) -> None:
    primary, backup = upstreams
    mine, theirs = await ai_key(http, tenant), await ai_key(http, other_tenant)
    override = {"targets": [{"provider": "backup", "model": "llama3.1"}]}
    response = await http.put(
        "/api/ai/model-aliases/gpt-4o-mini", json=override, headers=tenant.auth("ADMIN")
    )
    assert response.status_code == 200, response.text
    answer = await chat(http, mine)
    assert answer.status_code == 200 and answer.json()["model"] == "gpt-4o-mini"
    assert (await chat(http, theirs)).status_code == 200
    assert (len(seen(backup)), seen(primary)) == (1, [f"Bearer {PLATFORM_KEY}"])
    [event] = usage_rows(settings, tenant.id)
    assert (event["public_model"], event["provider"], event["model"]) == ("gpt-4o-mini", "backup", "llama3.1")


async def test_a_new_alias_is_listed_beside_the_allow_list_and_priced_by_the_platform(
    http: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    mine = await ai_key(http, tenant)
    team = {"targets": [{"provider": "openai", "model": "gpt-4o"}]}
    await http.put("/api/ai/model-aliases/team-default", json=team, headers=tenant.auth("ADMIN"))
    await http.put(
        "/api/ai/model-access", json={"allowed_models": ["gpt-4o-mini"]}, headers=tenant.auth("ADMIN")
    )
    assert await model_names(http, mine) == ["gpt-4o-mini", "team-default"]
    answer = await chat(http, mine, "team-default")
    assert answer.status_code == 200 and answer.json()["model"] == "team-default"
    [event] = usage_rows(settings, tenant.id)
    assert (event["provider"], event["model"]) == ("openai", "gpt-4o")
    assert event["cost_micro_usd"] == 100  # 12 x $2.50/M + 7 x $10.00/M: the platform's gpt-4o price
