"""Signing in: one answer for every credential failure, lockout by account and by address, suspension."""

from __future__ import annotations

from typing import Any

import httpx

from aipair.cli.support import system_session
from aipair.composition import Runtime
from aipair.tenancy.models import CompanyStatus
from aipair.tenancy.schemas import MemberProvision
from tests.auth.conftest import ClientFrom, SignIn
from tests.fixtures.tenants import PASSWORD, Tenant, make_api_key, unique

THRESHOLD = 10  # AuthSettings.lockout_threshold default: 10 failures in an hour lock


async def attempt(client: httpx.AsyncClient, email: str, password: str, **extra: str) -> httpx.Response:
    return await client.post("/auth/login", json={"email": email, "password": password, **extra})


def credential_error(response: httpx.Response) -> dict[str, Any]:
    """The error of a refused login, without the per-request id."""
    assert response.status_code == 401, response.text
    error: dict[str, Any] = response.json()["error"]
    error.pop("request_id", None)
    return error


async def test_wrong_password_unknown_email_and_locked_account_answer_alike(
    client: httpx.AsyncClient, client_from: ClientFrom, tenant: Tenant
) -> None:
    email = tenant.emails["EMPLOYEE"]
    wrong_password = credential_error(await attempt(client, email, "Not-The-Password-1"))
    unknown_email = credential_error(await attempt(client, f"{unique('ghost')}@example.com", PASSWORD))
    for _ in range(THRESHOLD - 1):
        await attempt(client, email, "Not-The-Password-1")
    # From an address with no failures, so only the account's lock can refuse the right password.
    locked = credential_error(await attempt(client_from("198.51.100.200"), email, PASSWORD))

    assert wrong_password["code"] == "invalid_credentials"
    assert wrong_password == unknown_email == locked
    assert "locked" not in locked["message"].lower()


async def test_eleventh_attempt_is_refused_with_the_right_password_after_ten_failures(
    client_from: ClientFrom, tenant: Tenant
) -> None:
    email = tenant.emails["MANAGER"]
    for n in range(THRESHOLD):
        refused = await attempt(client_from(f"198.51.100.{n + 1}"), email, "Not-The-Password-1")
        assert credential_error(refused)["code"] == "invalid_credentials"

    eleventh = await attempt(client_from("198.51.100.99"), email, PASSWORD)

    assert credential_error(eleventh)["code"] == "invalid_credentials"


async def test_nine_failures_do_not_lock_the_account(client_from: ClientFrom, tenant: Tenant) -> None:
    email = tenant.emails["MANAGER"]
    for n in range(THRESHOLD - 1):
        await attempt(client_from(f"198.51.101.{n + 1}"), email, "Not-The-Password-1")

    response = await attempt(client_from("198.51.101.99"), email, PASSWORD)

    assert response.status_code == 200, response.text


async def test_successful_login_returns_tokens_and_the_user_with_role_and_memberships(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await attempt(client, tenant.emails["MANAGER"].upper(), PASSWORD)
    assert response.status_code == 200, response.text
    pair = response.json()
    assert pair["token_type"] == "bearer"
    assert pair["access_token"] and pair["refresh_token"]
    assert pair["expires_in"] > 0

    me = await client.get("/auth/user", headers={"Authorization": f"Bearer {pair['access_token']}"})

    assert me.status_code == 200, me.text
    user = me.json()
    assert user["email"] == tenant.emails["MANAGER"]
    assert user["kind"] == "user"
    assert user["role"] == "MANAGER"
    assert user["company_id"] == str(tenant.id)
    assert user["platform_role"] is None
    assert user["memberships"] == [{"company_id": str(tenant.id), "slug": tenant.slug, "role": "MANAGER"}]


async def test_login_by_slug_acts_in_the_chosen_company(
    client: httpx.AsyncClient, sign_in: SignIn, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    email = tenant.emails["OWNER"]
    async with system_session(runtime) as (session, _):
        other = await runtime.tenancy.company_by_slug(session, other_tenant.slug)
        _, _, token = await runtime.tenancy.provision_member(
            session, other, MemberProvision(email=email, role="EMPLOYEE")
        )
    home = await sign_in(email)
    joined = await client.post(
        "/auth/invitations/join",
        json={"token": token},
        headers={"Authorization": f"Bearer {home['access_token']}"},
    )
    assert joined.status_code == 204, joined.text

    pair = await sign_in(email, company=other_tenant.slug)
    me = (await client.get("/auth/user", headers={"Authorization": f"Bearer {pair['access_token']}"})).json()

    assert me["company_id"] == str(other_tenant.id)
    assert me["role"] == "EMPLOYEE"
    assert {(m["slug"], m["role"]) for m in me["memberships"]} == {
        (tenant.slug, "OWNER"),
        (other_tenant.slug, "EMPLOYEE"),
    }


async def test_login_into_a_company_you_do_not_belong_to_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = await attempt(client, tenant.emails["OWNER"], PASSWORD, company=other_tenant.slug)

    assert credential_error(response)["code"] == "invalid_credentials"


async def test_suspended_company_cannot_act_with_tokens_keys_or_new_logins(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    key = str((await make_api_key(client, tenant))["key"])
    async with system_session(runtime) as (session, principal):
        await runtime.tenancy.set_status(session, principal, tenant.id, CompanyStatus.SUSPENDED)

    with_token = await client.get("/auth/user", headers=tenant.auth("ADMIN"))
    with_key = await client.get("/auth/user", headers={"Authorization": f"Bearer {key}"})
    new_login = await attempt(client, tenant.emails["ADMIN"], PASSWORD)

    for response in (with_token, with_key, new_login):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "company_inactive"


async def test_deactivated_members_token_stops_working_and_they_cannot_sign_in(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert (await client.get("/auth/user", headers=tenant.auth("EMPLOYEE"))).status_code == 200

    deactivated = await client.post(
        f"/api/members/{tenant.member_ids['EMPLOYEE']}/deactivate", headers=tenant.auth("OWNER")
    )
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["status"] == "DEACTIVATED"

    after = await client.get("/auth/user", headers=tenant.auth("EMPLOYEE"))
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "invalid_token"
    login = await attempt(client, tenant.emails["EMPLOYEE"], PASSWORD)
    assert credential_error(login)["code"] == "invalid_credentials"
    assert (await client.get("/auth/user", headers=tenant.auth("MANAGER"))).status_code == 200
