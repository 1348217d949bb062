"""Sign-in protection: a lock per account that attempts cannot extend, a throttle per address that slows
without locking, client addresses from trusted proxies only, and locks lifted without losing evidence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from ipaddress import ip_network

import httpx
import pytest
from fastapi import FastAPI

from aipair.composition import Runtime
from aipair.config import Settings
from aipair.db.urls import DatabaseUrls
from tests.auth.conftest import ClientFrom, OwnerSql
from tests.fixtures.database import app_on, initialised_runtime
from tests.fixtures.staff import Staff, make_staff
from tests.fixtures.tenants import PASSWORD, Tenant, make_tenant, random_ip, unique

WRONG = "Not-The-Password-1"
PROXY = "10.250.0.7"


async def attempt(client: httpx.AsyncClient, email: str, password: str, **headers: str) -> httpx.Response:
    return await client.post("/auth/login", json={"email": email, "password": password}, headers=headers)


async def fail(client: httpx.AsyncClient, email: str, times: int, **headers: str) -> None:
    for _ in range(times):
        response = await attempt(client, email, WRONG, **headers)
        assert response.status_code == 401, response.text


async def age(owner_sql: OwnerSql, email: str, minutes: float) -> None:
    """Move an account's sign-in history ``minutes`` into the past (what waiting would do)."""
    shift = f"{minutes} minutes"
    await owner_sql(
        "UPDATE auth.failed_logins SET created_at = created_at - %s::interval WHERE lower(email) = %s",
        shift,
        email,
    )
    present = await owner_sql("SELECT to_regclass('auth.login_locks') IS NOT NULL AS present")
    if present[0]["present"]:  # where locks are rows of their own, they move too
        await owner_sql(
            "UPDATE auth.login_locks SET locked_at = locked_at - %s::interval,"
            " locked_until = locked_until - %s::interval WHERE email = %s",
            shift,
            shift,
            email,
        )


async def test_one_accounts_failures_never_lock_another_account_on_the_same_address(
    client_from: ClientFrom, tenant: Tenant, runtime: Runtime
) -> None:
    shared = client_from(random_ip())
    await fail(shared, tenant.emails["EMPLOYEE"], 12)
    admin = await make_staff(runtime, "SUPER_ADMIN")

    for email in (tenant.emails["OWNER"], admin.email):
        response = await attempt(shared, email, PASSWORD)
        assert response.status_code == 200, f"{email}: {response.text}"
    assert (await attempt(shared, tenant.emails["EMPLOYEE"], PASSWORD)).status_code == 401


async def test_attempts_while_locked_add_no_time(
    client_from: ClientFrom, tenant: Tenant, owner_sql: OwnerSql, settings: Settings
) -> None:
    email, lock = tenant.emails["MANAGER"], settings.auth.lockout_minutes
    await fail(client_from(random_ip()), email, 10)
    await age(owner_sql, email, lock - 5)  # five minutes of the lock left
    await fail(client_from(random_ip()), email, 10)  # refused while locked, recorded as evidence
    assert (await attempt(client_from(random_ip()), email, PASSWORD)).status_code == 401

    await age(owner_sql, email, 10)  # the lock ended five minutes ago

    response = await attempt(client_from(random_ip()), email, PASSWORD)
    assert response.status_code == 200, response.text
    recorded = await owner_sql("SELECT count(*) AS n FROM auth.failed_logins WHERE lower(email) = %s", email)
    assert recorded[0]["n"] == 21


async def test_a_lock_does_not_tell_whether_the_account_exists(client_from: ClientFrom) -> None:
    ghost = f"{unique('ghost')}@example.com"
    await fail(client_from(random_ip()), ghost, 10)

    response = await attempt(client_from(random_ip()), ghost, PASSWORD)

    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_credentials"


async def test_an_address_with_many_failures_is_slowed_never_locked(
    client_from: ClientFrom, tenant: Tenant, owner_sql: OwnerSql, settings: Settings
) -> None:
    ip = random_ip()
    noisy = client_from(ip)
    for _ in range(settings.auth.address_throttle_threshold):
        assert (await attempt(noisy, f"{unique('spray')}@example.com", WRONG)).status_code == 401

    slowed = await attempt(noisy, tenant.emails["EMPLOYEE"], PASSWORD)

    assert slowed.status_code == 429, slowed.text
    assert slowed.json()["error"]["code"] == "too_many_attempts"
    assert int(slowed.headers["retry-after"]) >= 1
    await owner_sql(
        "UPDATE auth.failed_logins SET created_at = created_at - interval '5 seconds' WHERE ip = %s::inet", ip
    )
    later = await attempt(noisy, tenant.emails["EMPLOYEE"], PASSWORD)
    assert later.status_code == 200, later.text


# --- Behind reverse proxies -------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def proxied_app(settings: Settings, urls: DatabaseUrls) -> AsyncIterator[FastAPI]:
    """The API with one trusted reverse proxy network."""
    auth = settings.auth.model_copy(update={"trusted_proxies": [ip_network("10.250.0.0/16")]})
    proxied = settings.model_copy(update={"auth": auth})
    async with initialised_runtime(proxied, urls) as built:
        yield app_on(proxied, built)


def peer(app: FastAPI, ip: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(ip, 1)), base_url="http://testserver"
    )


async def recorded_addresses(owner_sql: OwnerSql, email: str) -> set[str]:
    rows = await owner_sql("SELECT host(ip) AS ip FROM auth.failed_logins WHERE lower(email) = %s", email)
    return {row["ip"] for row in rows}


async def test_clients_behind_a_trusted_proxy_are_told_apart(
    proxied_app: FastAPI, runtime: Runtime, owner_sql: OwnerSql
) -> None:
    tenant = await make_tenant(runtime)
    attacker, colleague = random_ip(), random_ip()
    async with peer(proxied_app, PROXY) as through_proxy:
        for _ in range(55):
            await attempt(
                through_proxy, f"{unique('spray')}@example.com", WRONG, **{"X-Forwarded-For": attacker}
            )
        from_colleague = await attempt(
            through_proxy, tenant.emails["EMPLOYEE"], PASSWORD, **{"X-Forwarded-For": colleague}
        )
        from_attacker = await attempt(
            through_proxy, tenant.emails["EMPLOYEE"], PASSWORD, **{"X-Forwarded-For": attacker}
        )

    assert from_colleague.status_code == 200, from_colleague.text
    assert from_attacker.status_code == 429


async def test_forwarded_for_is_believed_only_from_trusted_proxies(
    proxied_app: FastAPI, owner_sql: OwnerSql
) -> None:
    email = f"{unique('trace')}@example.com"
    direct, real = random_ip(), random_ip()
    async with peer(proxied_app, direct) as untrusted, peer(proxied_app, PROXY) as proxy:
        await attempt(untrusted, email, WRONG, **{"X-Forwarded-For": "203.0.113.66"})
        await attempt(proxy, email, WRONG, **{"X-Forwarded-For": f"203.0.113.77, {real}"})
        await attempt(proxy, email, WRONG, **{"X-Forwarded-For": "not-an-address"})

    assert await recorded_addresses(owner_sql, email) == {direct, real, PROXY}


# --- Lifting a lock ---------------------------------------------------------------------------------


@pytest.fixture
async def super_admin(runtime: Runtime) -> Staff:
    return await make_staff(runtime, "SUPER_ADMIN")


async def locked(client_from: ClientFrom, email: str) -> None:
    await fail(client_from(random_ip()), email, 10)
    assert (await attempt(client_from(random_ip()), email, PASSWORD)).status_code == 401


async def test_the_operator_lifts_a_lock_and_the_evidence_stays(
    client: httpx.AsyncClient,
    client_from: ClientFrom,
    tenant: Tenant,
    super_admin: Staff,
    owner_sql: OwnerSql,
) -> None:
    email = tenant.emails["EMPLOYEE"]
    await locked(client_from, email)

    lifted = await client.post(
        "/api/security/lockouts/lift",
        json={"email": email, "reason": "ticket 42"},
        headers=super_admin.auth(),
    )

    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["lifted"] == 1
    assert (await attempt(client_from(random_ip()), email, PASSWORD)).status_code == 200
    evidence = await owner_sql("SELECT count(*) AS n FROM auth.failed_logins WHERE lower(email) = %s", email)
    assert evidence[0]["n"] == 11
    audit = await owner_sql(
        "SELECT after FROM audit_logs WHERE action = 'auth.lock.lift' AND after->>'email' = %s", email
    )
    assert len(audit) == 1 and audit[0]["after"]["reason"] == "ticket 42"


async def test_support_staff_cannot_lift_locks(client: httpx.AsyncClient, runtime: Runtime) -> None:
    support = await make_staff(runtime, "SUPPORT")

    response = await client.post(
        "/api/security/lockouts/lift", json={"email": "x@example.com", "reason": "r"}, headers=support.auth()
    )

    assert response.status_code == 403


async def test_a_company_admin_lifts_a_members_lock(
    client: httpx.AsyncClient, client_from: ClientFrom, tenant: Tenant
) -> None:
    await locked(client_from, tenant.emails["MANAGER"])

    lifted = await client.post(
        f"/api/members/{tenant.member_ids['MANAGER']}/unlock",
        json={"reason": "forgot"},
        headers=tenant.auth("ADMIN"),
    )

    assert lifted.status_code == 200, lifted.text
    assert (await attempt(client_from(random_ip()), tenant.emails["MANAGER"], PASSWORD)).status_code == 200


async def test_a_company_cannot_lift_the_lock_of_an_account_other_companies_share(
    client: httpx.AsyncClient, client_from: ClientFrom, tenant: Tenant, other_tenant: Tenant
) -> None:
    shared = tenant.emails["EMPLOYEE"]
    invited = await client.post("/api/members", json={"email": shared}, headers=other_tenant.auth("OWNER"))
    pair = (await attempt(client, shared, PASSWORD)).json()
    await client.post(
        "/auth/invitations/join",
        json={"token": invited.json()["invitation_token"]},
        headers={"Authorization": f"Bearer {pair['access_token']}"},
    )
    await locked(client_from, shared)

    refused = await client.post(
        f"/api/members/{invited.json()['id']}/unlock",
        json={"reason": "r"},
        headers=other_tenant.auth("OWNER"),
    )

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_shared"
    assert (await attempt(client_from(random_ip()), shared, PASSWORD)).status_code == 401
