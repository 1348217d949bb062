"""A company's own AI settings through ``/api/ai``: who may change them, what is stored and audited, and
bad input refused with stable codes and nothing written.

The platform configuration here is the default one: ``openai`` and ``anthropic`` (no platform key) and
the keyless ``local`` provider.
"""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from aipair.composition import Runtime
from aipair.db.urls import libpq
from tests.fixtures.staff import make_staff, open_grant
from tests.fixtures.tenants import Tenant, make_api_key

KEY = "sk-proj-Company0wnKey-9f3a7QzX"
SETTINGS_TABLES = ("company_provider_keys", "company_model_aliases", "company_model_access")


def owner_rows(runtime: Runtime, query: str, *params: object) -> list[dict[str, Any]]:
    """Rows read as the owner role (what an operator's psql sees; RLS does not apply)."""
    with psycopg.connect(libpq(runtime.urls.owner), row_factory=dict_row) as conn:
        return list(conn.execute(query, params or None))


def stored(runtime: Runtime, tenant: Tenant) -> dict[str, int]:
    """How many settings rows and audit entries the company has."""
    counts = {
        table: owner_rows(runtime, f"SELECT count(*) AS n FROM {table} WHERE company_id = %s", tenant.id)[0][
            "n"
        ]
        for table in (*SETTINGS_TABLES, "audit_logs")
    }
    return counts


def audit_entries(runtime: Runtime, tenant: Tenant, prefix: str) -> list[dict[str, Any]]:
    return owner_rows(
        runtime,
        "SELECT action, before, after, before::text || after::text AS raw FROM audit_logs"
        " WHERE company_id = %s AND action LIKE %s ORDER BY seq",
        tenant.id,
        prefix + "%",
    )


async def test_admin_sets_replaces_lists_and_removes_a_key_seen_only_by_its_hint(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    first = await client.put(
        "/api/ai/provider-keys/openai", json={"api_key": KEY}, headers=tenant.auth("ADMIN")
    )
    assert first.status_code == 200, first.text
    assert first.json()["key_hint"] == "…7QzX" and first.json()["usable"] is True
    replaced = await client.put(
        "/api/ai/provider-keys/openai", json={"api_key": "sk-second-key-0042"}, headers=tenant.auth("OWNER")
    )
    assert replaced.json()["key_hint"] == "…0042"
    listed = await client.get("/api/ai/provider-keys", headers=tenant.auth("ADMIN"))
    [row] = listed.json()
    assert set(row) == {"provider", "key_hint", "usable", "created_at", "updated_at"}
    assert (row["provider"], row["key_hint"]) == ("openai", "…0042")
    assert KEY not in listed.text and "sk-second" not in listed.text
    removed = await client.delete("/api/ai/provider-keys/openai", headers=tenant.auth("ADMIN"))
    assert removed.status_code == 204
    assert (await client.get("/api/ai/provider-keys", headers=tenant.auth("ADMIN"))).json() == []
    again = await client.delete("/api/ai/provider-keys/openai", headers=tenant.auth("ADMIN"))
    assert (again.status_code, again.json()["error"]["code"]) == (404, "provider_key_not_found")


async def test_the_audit_trail_shows_hints_never_the_key_or_its_ciphertext(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    await client.put("/api/ai/provider-keys/openai", json={"api_key": KEY}, headers=tenant.auth("ADMIN"))
    await client.put(
        "/api/ai/provider-keys/openai", json={"api_key": "sk-second-key-0042"}, headers=tenant.auth("ADMIN")
    )
    await client.delete("/api/ai/provider-keys/openai", headers=tenant.auth("ADMIN"))
    entries = audit_entries(runtime, tenant, "gateway.provider_key.")
    assert [e["action"] for e in entries] == [
        "gateway.provider_key.create",
        "gateway.provider_key.update",
        "gateway.provider_key.delete",
    ]
    assert entries[0]["before"] is None and entries[0]["after"] == {"provider": "openai", "key_hint": "…7QzX"}
    assert (entries[1]["before"]["key_hint"], entries[1]["after"]["key_hint"]) == ("…7QzX", "…0042")
    assert entries[2]["after"] == {"provider": "openai", "deleted": True}
    for entry in entries:
        assert "Company0wn" not in entry["raw"] and "second-key" not in entry["raw"]
        assert "sealed" not in entry["raw"]


@pytest.mark.parametrize("role", ["EMPLOYEE", "MANAGER"])
async def test_employees_and_managers_cannot_read_or_change_settings(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, role: str
) -> None:
    before = stored(runtime, tenant)
    attempts = [
        client.put("/api/ai/provider-keys/openai", json={"api_key": KEY}, headers=tenant.auth(role)),
        client.delete("/api/ai/provider-keys/openai", headers=tenant.auth(role)),
        client.put(
            "/api/ai/model-aliases/gpt-4o-mini",
            json={"targets": [{"provider": "local", "model": "local-extractive"}]},
            headers=tenant.auth(role),
        ),
        client.put("/api/ai/model-access", json={"allowed_models": ["local"]}, headers=tenant.auth(role)),
        client.get("/api/ai/provider-keys", headers=tenant.auth(role)),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "role_required"
    assert stored(runtime, tenant) == before


async def test_a_key_without_the_admin_scope_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    ai_only = str((await make_api_key(client, tenant, scopes=["ai"]))["key"])
    refused = await client.put(
        "/api/ai/provider-keys/openai", json={"api_key": KEY}, headers={"Authorization": f"Bearer {ai_only}"}
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "insufficient_scope")
    admin = str((await make_api_key(client, tenant, scopes=["admin"]))["key"])
    allowed = await client.put(
        "/api/ai/provider-keys/openai", json={"api_key": KEY}, headers={"Authorization": f"Bearer {admin}"}
    )
    assert allowed.status_code == 200, allowed.text


KEYS, ALIAS, ACCESS = "/api/ai/provider-keys", "/api/ai/model-aliases", "/api/ai/model-access"


def targets(*pairs: tuple[str, str]) -> dict[str, object]:
    return {"targets": [{"provider": p, "model": m} for p, m in pairs]}


BAD_INPUT = [
    ("PUT", f"{KEYS}/openai", {"api_key": ""}, 422, "validation_error"),
    ("PUT", f"{KEYS}/openai", {"api_key": "   "}, 422, "validation_error"),
    ("PUT", f"{KEYS}/openai", {"api_key": "short"}, 422, "validation_error"),
    ("PUT", f"{KEYS}/openai", {"api_key": "sk-" + "x" * 600}, 422, "validation_error"),
    ("PUT", f"{KEYS}/openai", {"api_key": "sk-abc\r\nX-Evil: 1"}, 422, "validation_error"),
    ("PUT", f"{KEYS}/openai", {"api_key": 12345678}, 422, "validation_error"),
    ("PUT", f"{KEYS}/openai", {"api_key": KEY, "extra": 1}, 422, "validation_error"),
    ("PUT", f"{KEYS}/nope", {"api_key": KEY}, 404, "provider_not_found"),
    ("PUT", f"{KEYS}/local", {"api_key": KEY}, 404, "provider_not_found"),
    ("PUT", f"{KEYS}/{'p' * 65}", {"api_key": KEY}, 422, "validation_error"),
    ("DELETE", f"{KEYS}/nope", None, 404, "provider_not_found"),
    ("PUT", f"{ALIAS}/fast", targets(("nope", "m")), 422, "unknown_provider"),
    ("PUT", f"{ALIAS}/fast", targets(("openai", "gpt-4o"), ("nope", "m")), 422, "unknown_provider"),
    ("PUT", f"{ALIAS}/fast", targets(), 422, "validation_error"),
    ("PUT", f"{ALIAS}/fast", targets(*[("openai", "gpt-4o")] * 6), 422, "validation_error"),
    ("PUT", f"{ALIAS}/fast", targets(("openai", "m" * 129)), 422, "validation_error"),
    ("PUT", f"{ALIAS}/fast", targets(("openai", "two words")), 422, "validation_error"),
    ("PUT", f"{ALIAS}/{'a' * 129}", targets(("openai", "gpt-4o")), 422, "validation_error"),
    ("DELETE", f"{ALIAS}/never-set", None, 404, "model_alias_not_found"),
    ("PUT", ACCESS, {"allowed_models": ["gpt-4o", "no-such-model"]}, 422, "unknown_model"),
    ("PUT", ACCESS, {"allowed_models": ["x"] * 201}, 422, "validation_error"),
    ("PUT", ACCESS, {}, 422, "validation_error"),
]


@pytest.mark.parametrize(("method", "url", "body", "status", "code"), BAD_INPUT)
async def test_bad_input_gets_a_stable_code_and_writes_nothing(
    client: httpx.AsyncClient,
    tenant: Tenant,
    runtime: Runtime,
    method: str,
    url: str,
    body: dict[str, Any] | None,
    status: int,
    code: str,
) -> None:
    before = stored(runtime, tenant)
    response = await client.request(method, url, json=body, headers=tenant.auth("OWNER"))
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text
    assert KEY not in response.text
    assert stored(runtime, tenant) == before


async def test_aliases_and_allow_list_are_set_read_and_cleared(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    targets = [
        {"provider": "anthropic", "model": "claude-haiku"},
        {"provider": "local", "model": "local-extractive"},
    ]
    alias = await client.put(
        "/api/ai/model-aliases/team-fast", json={"targets": targets}, headers=tenant.auth("ADMIN")
    )
    assert alias.status_code == 200 and alias.json()["targets"] == targets
    listed = (await client.get("/api/ai/model-aliases", headers=tenant.auth("ADMIN"))).json()
    assert [a["alias"] for a in listed] == ["team-fast"]
    access = await client.put(
        "/api/ai/model-access",
        json={"allowed_models": ["team-fast", "gpt-4o", "gpt-4o"]},
        headers=tenant.auth("ADMIN"),
    )
    assert access.json()["allowed_models"] == ["gpt-4o", "team-fast"]
    assert (await client.get("/api/ai/model-access", headers=tenant.auth("ADMIN"))).json()[
        "allowed_models"
    ] == [
        "gpt-4o",
        "team-fast",
    ]
    cleared = await client.put(
        "/api/ai/model-access", json={"allowed_models": None}, headers=tenant.auth("ADMIN")
    )
    assert cleared.json() == {"allowed_models": None, "updated_at": None}
    assert (
        await client.delete("/api/ai/model-aliases/team-fast", headers=tenant.auth("ADMIN"))
    ).status_code == 204
    actions = [e["action"] for e in audit_entries(runtime, tenant, "gateway.model_")]
    assert actions == [
        "gateway.model_alias.create",
        "gateway.model_access.update",
        "gateway.model_access.update",
        "gateway.model_alias.delete",
    ]


async def test_platform_staff_inside_a_write_grant_cannot_set_the_companys_keys(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    await client.put("/api/ai/provider-keys/openai", json={"api_key": KEY}, headers=tenant.auth("OWNER"))
    staff = await make_staff(runtime, "SUPPORT")
    await open_grant(client, staff, tenant.id, "write")
    listed = await client.get("/api/ai/provider-keys", headers=staff.auth(tenant.id))
    assert [k["key_hint"] for k in listed.json()] == ["…7QzX"]
    for attempt in (
        client.put(
            "/api/ai/provider-keys/openai", json={"api_key": "sk-staff-key-1"}, headers=staff.auth(tenant.id)
        ),
        client.delete("/api/ai/provider-keys/openai", headers=staff.auth(tenant.id)),
    ):
        response = await attempt
        assert (response.status_code, response.json()["error"]["code"]) == (403, "provider_keys_company_only")
    [row] = owner_rows(runtime, "SELECT key_hint FROM company_provider_keys WHERE company_id = %s", tenant.id)
    assert row["key_hint"] == "…7QzX"
