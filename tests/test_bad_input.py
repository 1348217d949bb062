"""Bad input gets a 4xx with a stable code in the one error shape, writes nothing, and never a 5xx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from aipair.cli.support import system_session
from aipair.composition import Runtime
from aipair.config import Settings
from aipair.db.urls import libpq
from aipair.tenancy.schemas import MemberProvision
from tests.fixtures.tenants import PASSWORD, Tenant, unique

OwnerCount = Callable[..., Awaitable[int]]
JSON = {"Content-Type": "application/json"}


def error_code(response: httpx.Response, status: int) -> str:
    """The stable code of an error response, after checking status and the ``{"error": ...}`` shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return str(error["code"])


@pytest.fixture
def owner_count(runtime: Runtime) -> OwnerCount:
    """``SELECT count(*) ...`` as the owner role, which sees every company's rows."""

    async def count(query: str, *params: object) -> int:
        async with await psycopg.AsyncConnection.connect(
            libpq(runtime.urls.owner), autocommit=True, row_factory=dict_row
        ) as conn:
            row = await (await conn.execute(query, params)).fetchone()
            assert row is not None
            return int(row["n"])

    return count


@pytest.fixture
async def super_admin(client: httpx.AsyncClient, runtime: Runtime, settings: Settings) -> dict[str, str]:
    """Headers of a SUPER_ADMIN of the platform company, signed in through the API."""
    email = f"{unique('root')}@example.com"
    async with system_session(runtime) as (session, _):
        platform = await runtime.tenancy.company_by_slug(session, settings.platform.company_slug)
        member = MemberProvision(email=email, role="SUPER_ADMIN", password=PASSWORD)
        await runtime.tenancy.provision_member(session, platform, member)
    response = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def keys_of(client: httpx.AsyncClient, tenant: Tenant) -> list[Any]:
    response = await client.get("/api/keys", headers=tenant.auth("ADMIN"))
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


# --- Malformed bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/auth/login", "/api/keys"])
async def test_malformed_json_gets_400_invalid_json(
    client: httpx.AsyncClient, tenant: Tenant, path: str
) -> None:
    headers = {**JSON, **tenant.auth("ADMIN")}

    response = await client.post(path, content=b'{"name": "k", "email": ', headers=headers)

    assert error_code(response, 400) == "invalid_json"
    assert await keys_of(client, tenant) == []


@pytest.mark.parametrize("path", ["/auth/login", "/api/keys"])
async def test_body_that_is_not_utf8_gets_400_with_a_stable_code(
    client: httpx.AsyncClient, tenant: Tenant, path: str
) -> None:
    headers = {**JSON, **tenant.auth("ADMIN")}
    body = b'{"name": "caf\xe9", "email": "\xff\xfe@example.com", "password": "x"}'

    response = await client.post(path, content=body, headers=headers)

    assert error_code(response, 400) == "invalid_json"
    assert await keys_of(client, tenant) == []


WRONG_TYPES = [
    ("/auth/login", {"email": "someone@example.com", "password": 123}),
    ("/auth/login", {"email": ["someone@example.com"], "password": PASSWORD}),
    ("/auth/login", []),
    ("/auth/refresh", {"refresh_token": {"token": "abcdefghijkl"}}),
    ("/api/keys", {"name": "k", "scopes": "ai"}),
    ("/api/keys", {"name": "k", "scopes": ["everything"]}),
    ("/api/keys", {"name": "k", "expires_in_days": "soon"}),
    ("/api/keys", {"name": 7}),
]


@pytest.mark.parametrize(("path", "body"), WRONG_TYPES)
async def test_wrong_types_get_422_validation_error(
    client: httpx.AsyncClient, tenant: Tenant, path: str, body: Any
) -> None:
    response = await client.post(path, json=body, headers=tenant.auth("ADMIN"))

    assert error_code(response, 422) == "validation_error"
    assert await keys_of(client, tenant) == []


UNKNOWN_FIELDS = [
    ("/auth/login", {"email": "someone@example.com", "password": PASSWORD, "remember_me": True}),
    ("/auth/refresh", {"refresh_token": "abcdefghijkl", "user_id": "me"}),
    ("/api/keys", {"name": "k", "company_id": "00000000-0000-0000-0000-000000000000"}),
]


@pytest.mark.parametrize(("path", "body"), UNKNOWN_FIELDS)
async def test_unknown_fields_get_422(
    client: httpx.AsyncClient, tenant: Tenant, path: str, body: Any
) -> None:
    response = await client.post(path, json=body, headers=tenant.auth("ADMIN"))

    assert error_code(response, 422) == "validation_error"
    assert await keys_of(client, tenant) == []


# --- Oversized bodies ----------------------------------------------------------------------------


def key_body(size: int) -> bytes:
    """A JSON body of exactly ``size`` bytes (padding in an unknown field)."""
    empty = json.dumps({"name": "k", "pad": ""}).encode()
    return json.dumps({"name": "k", "pad": "x" * (size - len(empty))}).encode()


async def chunks(body: bytes, size: int = 65536) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_body_over_the_limit_with_content_length_gets_413(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    body = key_body(settings.http.max_body_bytes + 1)

    response = await client.post("/api/keys", content=body, headers={**JSON, **tenant.auth("ADMIN")})

    assert response.request.headers["content-length"] == str(len(body))
    assert error_code(response, 413) == "payload_too_large"
    assert await keys_of(client, tenant) == []


async def test_chunked_body_over_the_limit_without_content_length_gets_413(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    body = key_body(settings.http.max_body_bytes + 1)

    response = await client.post("/api/keys", content=chunks(body), headers={**JSON, **tenant.auth("ADMIN")})

    assert "content-length" not in response.request.headers
    assert error_code(response, 413) == "payload_too_large"
    assert await keys_of(client, tenant) == []


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
async def test_body_at_the_limit_is_read_and_validated(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings, streamed: bool
) -> None:
    body = key_body(settings.http.max_body_bytes)
    content = chunks(body) if streamed else body

    response = await client.post("/api/keys", content=content, headers={**JSON, **tenant.auth("ADMIN")})

    assert error_code(response, 422) == "validation_error"


# --- Bad slugs -----------------------------------------------------------------------------------


async def test_super_admin_creates_a_company_with_a_good_slug(
    client: httpx.AsyncClient, super_admin: dict[str, str], owner_count: OwnerCount
) -> None:
    name = unique("good")

    response = await client.post("/api/companies", json={"name": name, "slug": name}, headers=super_admin)

    assert response.status_code == 201, response.text
    assert await owner_count("SELECT count(*) AS n FROM companies WHERE name = %s", name) == 1


@pytest.mark.parametrize("slug", ["Bad Slug", "-x", "x-", "a" * 64, "under_score", ""])
async def test_bad_slug_gets_422_and_no_company_is_created(
    client: httpx.AsyncClient, super_admin: dict[str, str], owner_count: OwnerCount, slug: str
) -> None:
    name = unique("bad-slug")

    response = await client.post("/api/companies", json={"name": name, "slug": slug}, headers=super_admin)

    assert error_code(response, 422) == "validation_error"
    assert await owner_count("SELECT count(*) AS n FROM companies WHERE name = %s", name) == 0


# --- Weak passwords ------------------------------------------------------------------------------


def weak_passwords(email: str) -> list[str]:
    name = email.split("@")[0]
    return ["short", "alllowercaseletters", f"My-{name.title()}-42"]


@pytest.mark.parametrize("which", range(3), ids=["short", "one-class", "contains-email-name"])
async def test_weak_password_when_accepting_an_invitation_gets_422_and_claims_nothing(
    client: httpx.AsyncClient, tenant: Tenant, owner_count: OwnerCount, which: int
) -> None:
    email = f"{unique('newbie')}@example.com"
    invited = await client.post("/api/members", json={"email": email}, headers=tenant.auth("OWNER"))
    token = invited.json()["invitation_token"]

    response = await client.post(
        "/auth/invitations/accept", json={"token": token, "password": weak_passwords(email)[which]}
    )

    assert error_code(response, 422) == "weak_password"
    claimed = "SELECT count(*) AS n FROM users WHERE lower(email) = %s AND password_hash IS NOT NULL"
    assert await owner_count(claimed, email) == 0
    active = "SELECT count(*) AS n FROM memberships WHERE company_id = %s AND status = 'ACTIVE'"
    assert await owner_count(active, tenant.id) == 4


async def test_a_company_cannot_choose_a_new_members_password(
    client: httpx.AsyncClient, tenant: Tenant, owner_count: OwnerCount
) -> None:
    email = f"{unique('newbie')}@example.com"
    member = {"email": email, "role": "EMPLOYEE", "password": PASSWORD}

    response = await client.post("/api/members", json=member, headers=tenant.auth("OWNER"))

    assert error_code(response, 422) == "validation_error"
    assert await owner_count("SELECT count(*) AS n FROM users WHERE lower(email) = %s", email) == 0


async def test_weak_password_when_accepting_an_invitation_gets_422_and_sets_nothing(
    client: httpx.AsyncClient, tenant: Tenant, owner_count: OwnerCount
) -> None:
    email = f"{unique('invitee')}@example.com"
    invited = await client.post("/api/members", json={"email": email}, headers=tenant.auth("OWNER"))
    assert invited.status_code == 201, invited.text
    token = invited.json()["invitation_token"]

    response = await client.post(
        "/auth/invitations/accept", json={"token": token, "password": "alllowercaseletters"}
    )

    assert error_code(response, 422) == "weak_password"
    unset = "SELECT count(*) AS n FROM users WHERE lower(email) = %s AND password_hash IS NULL"
    assert await owner_count(unset, email) == 1
    pending = "SELECT count(*) AS n FROM invitations WHERE email = %s AND accepted_at IS NULL"
    assert await owner_count(pending, email) == 1


# --- Routes, methods, path parameters ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api/nothing-here"), ("POST", "/auth/nothing"), ("GET", "/nothing/here")]
)
async def test_unknown_route_gets_404_not_found_json(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)

    assert error_code(response, 404) == "not_found"


@pytest.mark.parametrize(("method", "path"), [("GET", "/auth/login"), ("DELETE", "/auth/user")])
async def test_wrong_method_gets_405(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path)

    assert error_code(response, 405) == "method_not_allowed"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/keys/not-a-uuid"),
        ("DELETE", "/api/keys/123"),
        ("POST", "/api/keys/zzz/rotate"),
        ("GET", "/api/members/not-a-uuid"),
        ("POST", "/api/members/not-a-uuid/deactivate"),
        ("GET", "/api/companies/not-a-uuid"),
    ],
)
async def test_non_uuid_id_in_a_path_gets_422(
    client: httpx.AsyncClient, tenant: Tenant, method: str, path: str
) -> None:
    body: dict[str, Any] | None = {} if method == "POST" else None

    response = await client.request(method, path, json=body, headers=tenant.auth("OWNER"))

    assert error_code(response, 422) == "validation_error"
