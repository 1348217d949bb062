"""Company API keys: shown once, stored hashed, revocable, expiring, rotatable, invisible to others."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from tests.auth.conftest import OwnerSql
from tests.fixtures.tenants import CUSTOMER_ROLES, Tenant, make_api_key


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def whoami(client: httpx.AsyncClient, key: str) -> httpx.Response:
    return await client.get("/auth/user", headers=bearer(key))


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


async def test_created_key_is_shown_once_and_never_listed_or_read_back(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await make_api_key(client, tenant, scopes=["ai", "usage:read"])
    secret = str(created["key"])
    assert secret.startswith("aip_")
    assert secret.startswith(str(created["prefix"]))

    one = await client.get(f"/api/keys/{created['id']}", headers=tenant.auth("ADMIN"))
    listed = await client.get("/api/keys", headers=tenant.auth("ADMIN"))

    assert one.status_code == 200 and listed.status_code == 200
    assert one.json()["prefix"] == created["prefix"]
    assert [k["id"] for k in listed.json()["items"]] == [created["id"]]
    for response in (one, listed):
        assert secret not in response.text
        assert '"key"' not in response.text


async def test_only_the_sha256_of_the_key_is_stored(
    client: httpx.AsyncClient, tenant: Tenant, owner_sql: OwnerSql
) -> None:
    created = await make_api_key(client, tenant)
    secret = str(created["key"])
    secret_body = secret.rsplit("_", 1)[1]

    rows = await owner_sql("SELECT * FROM api_keys WHERE id = %s", created["id"])

    assert len(rows) == 1
    row = rows[0]
    assert row["key_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    for column, value in row.items():
        assert secret_body not in str(value), f"column {column} holds the secret"


async def test_key_authenticates_as_the_company(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = await make_api_key(client, tenant)

    response = await whoami(client, str(created["key"]))

    assert response.status_code == 200, response.text
    assert response.json()["kind"] == "key"
    assert response.json()["company_id"] == str(tenant.id)


async def test_unknown_key_gets_401(client: httpx.AsyncClient) -> None:
    assert_error(await whoami(client, "aip_00000000_" + "x" * 43), 401, "invalid_api_key")


async def test_revoked_key_gets_401_at_once(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = await make_api_key(client, tenant)
    assert (await whoami(client, str(created["key"]))).status_code == 200

    revoked = await client.delete(f"/api/keys/{created['id']}", headers=tenant.auth("ADMIN"))

    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert_error(await whoami(client, str(created["key"])), 401, "invalid_api_key")


async def test_expired_key_gets_401(client: httpx.AsyncClient, tenant: Tenant, owner_sql: OwnerSql) -> None:
    created = await make_api_key(client, tenant, expires_in_days=30)
    assert (await whoami(client, str(created["key"]))).status_code == 200

    await owner_sql(
        "UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = %s", created["id"]
    )

    assert_error(await whoami(client, str(created["key"])), 401, "invalid_api_key")


async def rotate(client: httpx.AsyncClient, tenant: Tenant, key_id: object, **body: object) -> httpx.Response:
    return await client.post(f"/api/keys/{key_id}/rotate", json=body, headers=tenant.auth("ADMIN"))


async def test_rotated_key_works_and_the_old_one_keeps_working_during_the_grace_period(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    old = await make_api_key(client, tenant, scopes=["ai", "meetings"])

    response = await rotate(client, tenant, old["id"])

    assert response.status_code == 201, response.text
    new = response.json()
    assert new["key"] != old["key"] and new["key"].startswith("aip_")
    assert new["rotated_from_id"] == old["id"]
    assert sorted(new["scopes"]) == ["ai", "meetings"]
    assert (await whoami(client, new["key"])).status_code == 200
    assert (await whoami(client, str(old["key"]))).status_code == 200


async def test_rotation_without_grace_stops_the_old_key_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    old = await make_api_key(client, tenant)

    response = await rotate(client, tenant, old["id"], grace_hours=0)

    assert response.status_code == 201, response.text
    assert (await whoami(client, response.json()["key"])).status_code == 200
    assert_error(await whoami(client, str(old["key"])), 401, "invalid_api_key")


async def test_revoked_key_cannot_be_rotated(client: httpx.AsyncClient, tenant: Tenant) -> None:
    old = await make_api_key(client, tenant)
    await client.delete(f"/api/keys/{old['id']}", headers=tenant.auth("ADMIN"))

    response = await rotate(client, tenant, old["id"])

    assert response.status_code == 409, response.text
    assert_error(await whoami(client, str(old["key"])), 401, "invalid_api_key")


@pytest.mark.parametrize("role", ["MANAGER", "EMPLOYEE"])
async def test_roles_below_admin_cannot_create_keys(
    client: httpx.AsyncClient, tenant: Tenant, role: str
) -> None:
    response = await client.post("/api/keys", json={"name": "mine"}, headers=tenant.auth(role))

    assert_error(response, 403, "role_required")
    listed = await client.get("/api/keys", headers=tenant.auth("ADMIN"))
    assert listed.json()["items"] == []


@pytest.mark.parametrize("role", CUSTOMER_ROLES)
async def test_another_companys_key_id_answers_404_and_the_key_is_untouched(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, role: str
) -> None:
    created = await make_api_key(client, tenant)
    path = f"/api/keys/{created['id']}"
    headers = other_tenant.auth(role)

    responses = [
        await client.get(path, headers=headers),
        await client.delete(path, headers=headers),
        await client.post(f"{path}/rotate", json={"grace_hours": 0}, headers=headers),
    ]

    for response in responses:
        assert_error(response, 404, "api_key_not_found")
    assert (await whoami(client, str(created["key"]))).status_code == 200
    listed = await client.get("/api/keys", headers=tenant.auth("ADMIN"))
    assert [k["id"] for k in listed.json()["items"]] == [created["id"]]
