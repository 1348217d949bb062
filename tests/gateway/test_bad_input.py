"""Bad input to the OpenAI-compatible API: OpenAI-shaped 4xx, nothing billed, never a 5xx."""

from __future__ import annotations

import httpx
import pytest

from aipair.config import Settings
from tests.fixtures.tenants import Tenant, make_api_key
from tests.gateway.conftest import usage_rows

GOOD = {"model": "local", "messages": [{"role": "user", "content": "hi"}]}

CASES: list[tuple[str, bytes, int, str]] = [
    ("invalid json", b'{"model": "local", "messages": [', 400, "invalid_json"),
    (
        "non-utf8",
        b'{"model": "local", "messages": [{"role": "user", "content": "\xff\xfe"}]}',
        400,
        "invalid_json",
    ),
    ("not an object", b"[1, 2, 3]", 400, "invalid_request"),
    (
        "unknown model",
        b'{"model": "gpt-9-ultra", "messages": [{"role": "user", "content": "hi"}]}',
        404,
        "model_not_found",
    ),
    ("missing model", b'{"messages": [{"role": "user", "content": "hi"}]}', 400, "invalid_request"),
    ("missing messages", b'{"model": "local"}', 400, "invalid_request"),
    ("messages not a list", b'{"model": "local", "messages": "hi"}', 400, "invalid_request"),
    (
        "absurd max_tokens",
        b'{"model": "local", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 99999999999}',
        400,
        "invalid_request",
    ),
    (
        "negative max_tokens",
        b'{"model": "local", "messages": [{"role": "user", "content": "hi"}], "max_tokens": -5}',
        400,
        "invalid_value",
    ),
]


@pytest.mark.parametrize(("name", "body", "status", "code"), CASES, ids=[c[0] for c in CASES])
async def test_bad_chat_request_is_refused_in_openai_shape_and_not_billed(
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
    name: str,
    body: bytes,
    status: int,
    code: str,
) -> None:
    key = str((await make_api_key(client, tenant))["key"])
    response = await client.post(
        "/v1/chat/completions",
        content=body,
        headers={"Authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["type"] in ("invalid_request_error", "not_found_error")
    assert error["message"]
    assert usage_rows(settings, tenant.id) == []


async def test_oversized_body_is_413_in_openai_shape_and_not_billed(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    key = str((await make_api_key(client, tenant))["key"])
    huge = {
        "model": "local",
        "messages": [{"role": "user", "content": "x" * (settings.http.max_ai_body_bytes + 10)}],
    }
    response = await client.post(
        "/v1/chat/completions", json=huge, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == (
        "invalid_request_error",
        "payload_too_large",
        None,
    )
    assert usage_rows(settings, tenant.id) == []


async def test_a_chat_with_a_1_5_mb_base64_image_is_accepted(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    key = str((await make_api_key(client, tenant))["key"])
    image = "data:image/png;base64," + "A" * 1_500_000
    parts = [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": image}}]
    body = {"model": "local", "messages": [{"role": "user", "content": parts}]}
    response = await client.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200, response.text[:300]


async def test_the_local_provider_answers_and_is_billed_at_zero(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    key = str((await make_api_key(client, tenant))["key"])
    response = await client.post(
        "/v1/chat/completions", json=GOOD, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200
    [event] = usage_rows(settings, tenant.id)
    assert (event["provider"], event["cost_micro_usd"], event["status"]) == ("local", 0, "succeeded")


async def test_key_without_ai_scope_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    key = str((await make_api_key(client, tenant, scopes=["usage:read"]))["key"])
    response = await client.post(
        "/v1/chat/completions", json=GOOD, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "permission_error"


async def test_console_session_can_call_the_gateway(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post("/v1/chat/completions", json=GOOD, headers=tenant.auth("EMPLOYEE"))
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"]
