"""API key scopes: every route declares the scope a key needs, and refuses keys without it.

The walk takes the routes from the OpenAPI schema, where each authenticated route lists its scope in its
``security`` requirement (``bearer: [scope]``), so a new route is checked as soon as it exists.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.routes import PUBLIC
from tests.fixtures.tenants import PASSWORD, Tenant, make_api_key

SCOPES = {"ai", "meetings", "usage:read", "admin"}
# Any credential may ask who it is; joining a company and changing a password need a person, never a key
# (tested below).
ANY_CREDENTIAL = {("GET", "/auth/user"), ("POST", "/auth/invitations/join"), ("POST", "/auth/password")}
PATH_VALUES = {"provider": "openai", "alias": "gpt-4o-mini"}


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in app.openapi()["paths"].items()
        for method, operation in methods.items()
    ]


def declared_scopes(operation: dict[str, Any]) -> list[str] | None:
    requirements = operation.get("security")
    if not requirements:
        return None
    scopes: list[str] = requirements[0]["bearer"]
    return scopes


def scoped_routes(app: FastAPI) -> list[tuple[str, str, str]]:
    return [
        (method, path, scopes[0])
        for method, path, operation in operations(app)
        if (scopes := declared_scopes(operation))
    ]


def url_of(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), str(uuid.uuid4())), path)


def bearer(key: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {key['key']}"}


def test_every_authenticated_route_declares_the_one_scope_a_key_needs(app: FastAPI) -> None:
    for method, path, operation in operations(app):
        scopes = declared_scopes(operation)
        if (method, path) in PUBLIC or path.startswith("/health") or path == "/metrics":
            assert scopes is None, f"{method} {path} is public but declares {scopes}"
        elif (method, path) in ANY_CREDENTIAL:
            assert scopes == [], f"{method} {path}: {scopes}"
        else:
            assert scopes is not None and len(scopes) == 1, f"{method} {path} declares no scope"
            assert scopes[0] in SCOPES, f"{method} {path}: unknown scope {scopes[0]}"


def test_the_walk_covers_every_scope(app: FastAPI) -> None:
    assert {scope for _, _, scope in scoped_routes(app)} == SCOPES
    assert len(scoped_routes(app)) > 50


async def test_every_route_refuses_keys_without_its_scope(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    lacking = {s: await make_api_key(client, tenant, scopes=sorted(SCOPES - {s})) for s in SCOPES}
    only = {s: await make_api_key(client, tenant, scopes=[s]) for s in SCOPES}
    for method, path, scope in scoped_routes(app):
        body = None if method in {"GET", "DELETE"} else {}
        refused = await client.request(method, url_of(path), json=body, headers=bearer(lacking[scope]))
        assert refused.status_code == 403, f"{method} {path} without {scope}: {refused.status_code}"
        assert "scope" in refused.text, f"{method} {path}: {refused.text}"
        allowed = await client.request(method, url_of(path), json=body, headers=bearer(only[scope]))
        assert "scope" not in allowed.text or allowed.status_code != 403, f"{method} {path} with {scope}"


@pytest.mark.parametrize("scope", ["ai", "meetings"])
async def test_a_key_for_ai_or_meetings_reads_no_usage_budget_limits_company_or_members(
    client: httpx.AsyncClient, tenant: Tenant, scope: str
) -> None:
    key = await make_api_key(client, tenant, scopes=[scope])
    for path in ("/api/usage", "/api/budget", "/api/limits", "/api/companies", "/api/members"):
        response = await client.get(path, headers=bearer(key))
        assert response.status_code == 403, f"{path}: {response.status_code} {response.text[:200]}"
        assert response.json()["error"]["code"] == "insufficient_scope"


async def test_a_usage_key_reads_usage_budget_and_limits_but_no_members(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    key = await make_api_key(client, tenant, scopes=["usage:read"])
    for path in ("/api/usage", "/api/budget", "/api/limits"):
        assert (await client.get(path, headers=bearer(key))).status_code == 200, path
    members = await client.get("/api/members", headers=bearer(key))
    assert members.status_code == 403


async def test_a_key_never_joins_a_company_as_a_person(client: httpx.AsyncClient, tenant: Tenant) -> None:
    key = await make_api_key(client, tenant, scopes=sorted(SCOPES))

    joined = await client.post("/auth/invitations/join", json={"token": "x" * 20}, headers=bearer(key))
    changed = await client.post(
        "/auth/password",
        json={"current_password": PASSWORD, "new_password": "Another-Long-Passphrase-93"},
        headers=bearer(key),
    )

    assert joined.status_code == 403 and joined.json()["error"]["code"] == "person_required"
    assert changed.status_code == 403 and changed.json()["error"]["code"] == "person_required"
