"""Every route with an id answers 404 for another company's id, for every customer role."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from fastapi import FastAPI

from aipair.composition import Runtime
from tests.fixtures.ops import platform_record_ids
from tests.fixtures.staff import foreign_grant_ids
from tests.fixtures.tenants import CUSTOMER_ROLES, Tenant, make_api_key, unique
from tests.meetings.helpers import foreign_meeting_ids

# A valid body per route, so the request reaches the lookup instead of failing validation.
SAMPLE_BODIES: dict[tuple[str, str], dict[str, object]] = {
    ("PATCH", "/api/companies/{company_id}"): {"name": "Renamed"},
    ("PATCH", "/api/members/{member_id}"): {"role": "EMPLOYEE"},
    ("POST", "/api/members/{member_id}/unlock"): {"reason": "forgot"},
    ("POST", "/api/keys/{key_id}/rotate"): {},
    ("PATCH", "/api/action-items/{item_id}"): {"status": "confirmed"},
    ("POST", "/api/ops/incidents/{incident_id}/notes"): {"body": "Probing"},
    ("POST", "/api/ops/incidents/{incident_id}/resolve"): {"resolution": "Probing"},
}


def id_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) of the public API that takes an id, from the OpenAPI schema."""
    routes = []
    for path, operations in app.openapi()["paths"].items():
        if re.search(r"\{\w+_id\}", path):
            routes.extend((method.upper(), path) for method in sorted(operations))
    return routes


async def foreign_ids(client: httpx.AsyncClient, victim: Tenant, runtime: Runtime) -> dict[str, uuid.UUID]:
    key = await make_api_key(client, victim)
    invited = await client.post(
        "/api/members", json={"email": f"{unique('invited')}@example.com"}, headers=victim.auth("OWNER")
    )
    pending = await client.get("/api/invitations", headers=victim.auth("OWNER"))
    invitation = next(i for i in pending.json()["items"] if i["membership_id"] == invited.json()["id"])
    return {
        "company_id": victim.id,
        "invitation_id": uuid.UUID(invitation["id"]),
        "member_id": victim.member_ids["EMPLOYEE"],
        "key_id": uuid.UUID(str(key["id"])),
        **await foreign_meeting_ids(client, victim, runtime),
        **await foreign_grant_ids(client, victim, runtime),
        **await platform_record_ids(runtime),  # platform records: customers learn nothing of them
    }


def test_the_walk_covers_the_known_id_routes(app: FastAPI) -> None:
    paths = {path for _, path in id_routes(app)}
    assert {"/api/companies/{company_id}", "/api/members/{member_id}", "/api/keys/{key_id}"} <= paths


@pytest.mark.parametrize("role", CUSTOMER_ROLES)
async def test_member_of_other_company_gets_404_on_every_id_route(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, role: str, runtime: Runtime
) -> None:
    ids = await foreign_ids(client, other_tenant, runtime)
    for method, path in id_routes(app):
        names = re.findall(r"\{(\w+)\}", path)
        assert all(name in ids for name in names), f"no foreign id known for {path}: add it to foreign_ids"
        url = path.format(**{name: ids[name] for name in names})
        body = SAMPLE_BODIES.get((method, path))
        response = await client.request(method, url, json=body, headers=tenant.auth(role))
        assert response.status_code == 404, f"{role} {method} {url}: {response.status_code} {response.text}"
        assert response.json()["error"]["code"].endswith("not_found")


async def test_foreign_ids_change_nothing(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, runtime: Runtime
) -> None:
    ids = await foreign_ids(client, other_tenant, runtime)
    await client.patch(
        f"/api/members/{ids['member_id']}", json={"role": "ADMIN"}, headers=tenant.auth("OWNER")
    )
    await client.delete(f"/api/keys/{ids['key_id']}", headers=tenant.auth("OWNER"))
    member = await client.get(f"/api/members/{ids['member_id']}", headers=other_tenant.auth("OWNER"))
    assert member.json()["role"] == "EMPLOYEE"
    key = await client.get(f"/api/keys/{ids['key_id']}", headers=other_tenant.auth("OWNER"))
    assert key.json()["revoked_at"] is None


async def test_lists_show_only_the_callers_company(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await make_api_key(client, other_tenant)
    members = (await client.get("/api/members", headers=tenant.auth("OWNER"))).json()["items"]
    assert {m["email"] for m in members} == set(tenant.emails.values())
    keys = (await client.get("/api/keys", headers=tenant.auth("OWNER"))).json()["items"]
    assert keys == []
    companies = (await client.get("/api/companies", headers=tenant.auth("EMPLOYEE"))).json()["items"]
    assert [c["id"] for c in companies] == [str(tenant.id)]
