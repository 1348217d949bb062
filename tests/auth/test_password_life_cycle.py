"""Passwords change and reset: the old one stops working, the account's other sessions end (in every
company), a wrong current password counts toward the lock, reset codes work once, and weak or leaked
passwords are refused with a message that says why."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aipair.composition import Runtime
from tests.auth.conftest import ClientFrom, OwnerSql, SignIn
from tests.fixtures.staff import make_staff
from tests.fixtures.tenants import PASSWORD, Tenant, make_api_key, random_ip, unique

NEW_PASSWORD = "Lantern-Orchid-Fjord-73"


def bearer(pair: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access_token']}"}


async def change(
    client: httpx.AsyncClient, headers: dict[str, str], current: str, new: str
) -> httpx.Response:
    return await client.post(
        "/auth/password", json={"current_password": current, "new_password": new}, headers=headers
    )


async def signs_in(client: httpx.AsyncClient, email: str, password: str, company: str | None = None) -> int:
    body = {"email": email, "password": password} | ({"company": company} if company else {})
    return (await client.post("/auth/login", json=body)).status_code


async def join_other_company(client: httpx.AsyncClient, email: str, other: Tenant, sign_in: SignIn) -> None:
    invited = await client.post("/api/members", json={"email": email}, headers=other.auth("OWNER"))
    assert invited.status_code == 201, invited.text
    home = await sign_in(email)
    joined = await client.post(
        "/auth/invitations/join", json={"token": invited.json()["invitation_token"]}, headers=bearer(home)
    )
    assert joined.status_code == 204, joined.text


async def test_changing_the_password_ends_every_other_session_in_every_company(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, sign_in: SignIn
) -> None:
    email = tenant.emails["MANAGER"]
    await join_other_company(client, email, other_tenant, sign_in)
    this_one = await sign_in(email, company=tenant.slug)
    laptop = await sign_in(email, company=tenant.slug)
    elsewhere = await sign_in(email, company=other_tenant.slug)

    response = await change(client, bearer(this_one), PASSWORD, NEW_PASSWORD)

    assert response.status_code == 200, response.text
    assert response.json()["sessions_ended"] >= 2
    for ended in (laptop, elsewhere):
        assert (await client.get("/auth/user", headers=bearer(ended))).status_code == 401
        refreshed = await client.post("/auth/refresh", json={"refresh_token": ended["refresh_token"]})
        assert refreshed.status_code == 401
    assert (await client.get("/auth/user", headers=bearer(this_one))).status_code == 200
    assert await signs_in(client, email, PASSWORD) == 401
    assert await signs_in(client, email, NEW_PASSWORD, other_tenant.slug) == 200


async def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_sign_in(
    client_from: ClientFrom, tenant: Tenant, owner_sql: OwnerSql
) -> None:
    client = client_from(random_ip())
    email = tenant.emails["EMPLOYEE"]

    response = await change(client, tenant.auth("EMPLOYEE"), "Not-The-Password-1", NEW_PASSWORD)

    assert response.status_code == 403 and response.json()["error"]["code"] == "wrong_password"
    assert await signs_in(client, email, PASSWORD) == 200
    failures = await owner_sql("SELECT count(*) AS n FROM auth.failed_logins WHERE lower(email) = %s", email)
    assert failures[0]["n"] == 1


async def test_guessing_the_current_password_locks_the_account_like_sign_in_does(
    client_from: ClientFrom, tenant: Tenant
) -> None:
    headers = tenant.auth("EMPLOYEE")
    for attempt in range(10):
        guess = await change(client_from(random_ip()), headers, f"Guess-Number-{attempt}x", NEW_PASSWORD)
        assert guess.status_code == 403

    right = await change(client_from(random_ip()), headers, PASSWORD, NEW_PASSWORD)

    assert right.status_code == 403  # locked: even the right password is not heard
    assert await signs_in(client_from(random_ip()), tenant.emails["EMPLOYEE"], PASSWORD) == 401


@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("P@ssw0rd12345", "too easy to guess"),
        ("Qwerty123456!", "commonly used password"),
        ("short", "at least 12 characters"),
    ],
)
async def test_a_weak_or_leaked_new_password_is_refused_with_the_reason(
    client: httpx.AsyncClient, tenant: Tenant, weak: str, reason: str
) -> None:
    response = await change(client, tenant.auth("EMPLOYEE"), PASSWORD, weak)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "weak_password" and reason in error["message"]
    assert await signs_in(client, tenant.emails["EMPLOYEE"], PASSWORD) == 200


async def test_an_api_key_cannot_change_a_password(client: httpx.AsyncClient, tenant: Tenant) -> None:
    key = await make_api_key(client, tenant, scopes=["admin"])

    response = await change(client, {"Authorization": f"Bearer {key['key']}"}, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 403 and response.json()["error"]["code"] == "person_required"


# --- Reset by a one-time code ------------------------------------------------------------------------


async def issue_reset(client: httpx.AsyncClient, tenant: Tenant, by: str, member: str) -> httpx.Response:
    return await client.post(
        f"/api/members/{tenant.member_ids[member]}/password-reset", headers=tenant.auth(by)
    )


async def reset(client: httpx.AsyncClient, token: str, new: str = NEW_PASSWORD) -> httpx.Response:
    return await client.post("/auth/password/reset", json={"token": token, "new_password": new})


async def test_a_reset_code_sets_a_new_password_once_and_ends_every_session(
    client: httpx.AsyncClient, tenant: Tenant, sign_in: SignIn
) -> None:
    email = tenant.emails["EMPLOYEE"]
    session = await sign_in(email)
    issued = await issue_reset(client, tenant, "ADMIN", "EMPLOYEE")
    assert issued.status_code == 201, issued.text
    assert issued.json()["delivery"] == "shown"
    token = issued.json()["token"]

    done = await reset(client, token)

    assert done.status_code == 204, done.text
    assert (await client.get("/auth/user", headers=bearer(session))).status_code == 401
    assert (await client.get("/auth/user", headers=tenant.auth("EMPLOYEE"))).status_code == 401
    assert await signs_in(client, email, PASSWORD) == 401
    assert await signs_in(client, email, NEW_PASSWORD) == 200
    again = await reset(client, token, "Another-Fresh-Meadow-58")
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_reset_token"


async def test_a_newer_code_replaces_the_older_and_an_expired_code_fails(
    client: httpx.AsyncClient, tenant: Tenant, owner_sql: OwnerSql
) -> None:
    first = (await issue_reset(client, tenant, "OWNER", "EMPLOYEE")).json()["token"]
    second = (await issue_reset(client, tenant, "OWNER", "EMPLOYEE")).json()["token"]

    assert (await reset(client, first)).status_code == 400
    await owner_sql(
        "UPDATE auth.password_resets SET expires_at = now() - interval '1 second'"
        " WHERE user_id = (SELECT id FROM users WHERE lower(email) = %s)",
        tenant.emails["EMPLOYEE"],
    )
    assert (await reset(client, second)).status_code == 400
    assert await signs_in(client, tenant.emails["EMPLOYEE"], PASSWORD) == 200


async def test_a_reset_code_obeys_the_password_policy(client: httpx.AsyncClient, tenant: Tenant) -> None:
    token = (await issue_reset(client, tenant, "ADMIN", "EMPLOYEE")).json()["token"]

    weak = await reset(client, token, "password1234")

    assert weak.status_code == 422 and weak.json()["error"]["code"] == "weak_password"
    assert (await reset(client, token)).status_code == 204  # the code still works once


async def test_admins_reset_only_roles_below_theirs_and_never_a_shared_account(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, sign_in: SignIn
) -> None:
    assert (await issue_reset(client, tenant, "ADMIN", "OWNER")).status_code == 403
    assert (await issue_reset(client, tenant, "MANAGER", "EMPLOYEE")).status_code == 403
    foreign = await client.post(
        f"/api/members/{other_tenant.member_ids['EMPLOYEE']}/password-reset", headers=tenant.auth("OWNER")
    )
    assert foreign.status_code == 404
    await join_other_company(client, tenant.emails["EMPLOYEE"], other_tenant, sign_in)
    shared = await issue_reset(client, tenant, "OWNER", "EMPLOYEE")
    assert shared.status_code == 403 and shared.json()["error"]["code"] == "account_shared"


async def test_the_platform_operator_issues_a_reset_for_any_account(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    email = tenant.emails["OWNER"]
    super_admin = (await make_staff(runtime, "SUPER_ADMIN")).auth()
    denied = await client.post(
        "/api/security/password-resets", json={"email": email}, headers=tenant.auth("OWNER")
    )
    assert denied.status_code == 403

    issued = await client.post("/api/security/password-resets", json={"email": email}, headers=super_admin)

    assert issued.status_code == 201, issued.text
    assert (await reset(client, issued.json()["token"])).status_code == 204
    assert await signs_in(client, email, NEW_PASSWORD) == 200
    unknown = await client.post(
        "/api/security/password-resets", json={"email": f"{unique('ghost')}@example.com"}, headers=super_admin
    )
    assert unknown.status_code == 404
