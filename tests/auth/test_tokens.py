"""Access and refresh tokens: rotation, theft detection by reuse, logout, forged access tokens."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest

from aipair.composition import jwt_secret
from aipair.config import Settings
from tests.auth.conftest import SignIn
from tests.fixtures.tenants import Tenant


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post("/auth/refresh", json={"refresh_token": refresh_token})


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


async def test_refresh_rotates_and_the_old_refresh_token_is_refused_afterwards(
    client: httpx.AsyncClient, sign_in: SignIn, tenant: Tenant
) -> None:
    first = await sign_in(tenant.emails["EMPLOYEE"])

    rotated = await refresh(client, first["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    me = await client.get("/auth/user", headers=bearer(second["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == tenant.emails["EMPLOYEE"]

    assert_error(await refresh(client, first["refresh_token"]), 401, "invalid_refresh_token")


async def test_reusing_a_refresh_token_revokes_the_whole_session(
    client: httpx.AsyncClient, sign_in: SignIn, tenant: Tenant
) -> None:
    stolen = await sign_in(tenant.emails["EMPLOYEE"])
    legitimate = (await refresh(client, stolen["refresh_token"])).json()
    other_session = await sign_in(tenant.emails["EMPLOYEE"])

    assert_error(await refresh(client, stolen["refresh_token"]), 401, "invalid_refresh_token")

    assert_error(await refresh(client, legitimate["refresh_token"]), 401, "invalid_refresh_token")
    for access in (stolen["access_token"], legitimate["access_token"]):
        assert_error(await client.get("/auth/user", headers=bearer(access)), 401, "invalid_token")
    # Only the compromised session ends; the user's other sign-in keeps working.
    assert (await client.get("/auth/user", headers=bearer(other_session["access_token"]))).status_code == 200
    assert (await refresh(client, other_session["refresh_token"])).status_code == 200


async def test_logout_revokes_the_session_at_once(
    client: httpx.AsyncClient, sign_in: SignIn, tenant: Tenant
) -> None:
    pair = await sign_in(tenant.emails["ADMIN"])
    assert (await client.get("/auth/user", headers=bearer(pair["access_token"]))).status_code == 200

    out = await client.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})

    assert out.status_code == 204
    assert_error(await client.get("/auth/user", headers=bearer(pair["access_token"])), 401, "invalid_token")
    assert_error(await refresh(client, pair["refresh_token"]), 401, "invalid_refresh_token")


async def test_unknown_refresh_token_is_refused(client: httpx.AsyncClient) -> None:
    assert_error(await refresh(client, "x" * 43), 401, "invalid_refresh_token")


def _segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def expired(token: str, secret: str, _: Tenant) -> str:
    """The same claims, correctly signed, but expired a minute ago."""
    now = int(time.time())
    return jwt.encode({**_claims(token), "iat": now - 3600, "exp": now - 60}, secret, algorithm="HS256")


def tampered(token: str, _: str, other: Tenant) -> str:
    """The payload switched to another company, the original signature kept."""
    header, _payload, signature = token.split(".")
    return f"{header}.{_segment({**_claims(token), 'cid': str(other.id)})}.{signature}"


def wrong_key(token: str, _: str, __: Tenant) -> str:
    return jwt.encode(_claims(token), "not-the-platform-secret-but-long-enough", algorithm="HS256")


def unsigned(token: str, _: str, __: Tenant) -> str:
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(_claims(token))}."


def garbage(_: str, __: str, ___: Tenant) -> str:
    return "not-a-jwt"


async def test_the_same_claims_signed_with_the_platform_secret_work_until_they_expire(
    client: httpx.AsyncClient, settings: Settings, tenant: Tenant
) -> None:
    # Control for the forgeries below: only the expiry differs from a token that is accepted.
    claims = {**_claims(tenant.tokens["OWNER"]), "exp": int(time.time()) + 60}
    token = jwt.encode(claims, jwt_secret(settings), algorithm="HS256")

    assert (await client.get("/auth/user", headers=bearer(token))).status_code == 200


@pytest.mark.parametrize("forge", [expired, tampered, wrong_key, unsigned, garbage])
async def test_expired_forged_or_garbage_access_token_gets_401(
    client: httpx.AsyncClient,
    settings: Settings,
    tenant: Tenant,
    other_tenant: Tenant,
    forge: Any,
) -> None:
    token = forge(tenant.tokens["OWNER"], jwt_secret(settings), other_tenant)

    response = await client.get("/auth/user", headers=bearer(token))

    assert_error(response, 401, "invalid_token")


async def test_missing_bearer_token_gets_401(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/auth/user"), 401, "invalid_token")
    assert_error(await client.get("/auth/user", headers={"Authorization": "Basic abc"}), 401, "invalid_token")
