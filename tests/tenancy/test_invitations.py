"""Invitations: a company adds a person only with that person's consent, and learns nothing else.

Accounts are shared across companies. An invitation's token is shown to whoever invited, so it can never
be proof of owning the e-mail address: it sets a password only for an address that has no account yet,
and joins an existing account to the company only when that account's owner presents it signed in.
"""

from __future__ import annotations

from typing import Any

import httpx

from aipair.config import Settings
from tests.auth.conftest import OwnerSql, SignIn
from tests.fixtures.tenants import PASSWORD, Tenant, unique

NEW_PASSWORD = "Another-Strong-Pass-77"


async def invite(
    client: httpx.AsyncClient, tenant: Tenant, email: str, role: str = "EMPLOYEE"
) -> httpx.Response:
    return await client.post(
        "/api/members", json={"email": email, "role": role}, headers=tenant.auth("OWNER")
    )


async def login(
    client: httpx.AsyncClient, email: str, password: str, company: str | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"email": email, "password": password}
    if company:
        body["company"] = company
    return await client.post("/auth/login", json=body)


def bearer(pair: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access_token']}"}


async def test_an_invitation_from_one_company_never_opens_another(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    email = f"{unique('new.hire')}@b.example"
    token = (await invite(client, tenant, email)).json()["invitation_token"]
    added_by_b = await invite(client, other_tenant, email, role="ADMIN")
    assert added_by_b.status_code == 201, added_by_b.text

    accepted = await client.post("/auth/invitations/accept", json={"token": token, "password": NEW_PASSWORD})
    assert accepted.status_code == 204, accepted.text

    into_b = await login(client, email, NEW_PASSWORD, company=other_tenant.slug)
    assert into_b.status_code == 401
    into_a = await login(client, email, NEW_PASSWORD, company=tenant.slug)
    assert into_a.status_code == 200


async def test_adding_another_companys_admin_neither_activates_nor_reveals_them(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    victim = tenant.emails["ADMIN"]

    added = await invite(client, other_tenant, victim, role="EMPLOYEE")

    assert added.status_code == 201, added.text
    body = added.json()
    assert body["status"] == "INVITED"
    assert body["user_id"] is None and body["name"] == ""
    assert (await login(client, victim, PASSWORD, company=other_tenant.slug)).status_code == 401
    listed = await client.get("/api/members", headers=other_tenant.auth("OWNER"))
    row = next(m for m in listed.json()["items"] if m["email"] == victim)
    assert row["status"] == "INVITED" and row["user_id"] is None and row["name"] == ""


async def test_adding_the_platform_super_admin_reveals_nothing(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    added = await invite(client, tenant, settings.platform.admin_email, role="ADMIN")

    assert added.status_code == 201, added.text
    assert added.json()["status"] == "INVITED"
    assert added.json()["user_id"] is None and added.json()["name"] == ""


async def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    existing = await invite(client, other_tenant, tenant.emails["MANAGER"])
    unknown = await invite(client, other_tenant, f"{unique('nobody')}@example.com")

    def shape(response: httpx.Response) -> dict[str, Any]:
        body: dict[str, Any] = response.json()
        return {
            k: v
            for k, v in body.items()
            if k not in {"id", "email", "created_at", "invitation_token", "invitation_expires_at"}
        }

    assert existing.status_code == unknown.status_code == 201
    assert shape(existing) == shape(unknown)
    assert set(existing.json()) == set(unknown.json())


async def test_pending_members_show_invited_until_they_accept(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    email = f"{unique('pending')}@example.com"
    added = await invite(client, tenant, email)

    listed = await client.get("/api/members", headers=tenant.auth("OWNER"))
    statuses = {m["email"]: m["status"] for m in listed.json()["items"]}
    assert statuses[email] == "INVITED"

    token = added.json()["invitation_token"]
    await client.post(
        "/auth/invitations/accept", json={"token": token, "name": "Pat", "password": NEW_PASSWORD}
    )
    member = await client.get(f"/api/members/{added.json()['id']}", headers=tenant.auth("OWNER"))
    assert member.json()["status"] == "ACTIVE" and member.json()["name"] == "Pat"


async def test_an_existing_account_joins_when_its_owner_accepts_signed_in(
    client: httpx.AsyncClient, sign_in: SignIn, tenant: Tenant, other_tenant: Tenant
) -> None:
    email = tenant.emails["EMPLOYEE"]
    token = (await invite(client, other_tenant, email, role="MANAGER")).json()["invitation_token"]

    pair = await sign_in(email)
    joined = await client.post("/auth/invitations/join", json={"token": token}, headers=bearer(pair))

    assert joined.status_code == 204, joined.text
    into_b = await login(client, email, PASSWORD, company=other_tenant.slug)
    assert into_b.status_code == 200, into_b.text
    me = await client.get("/auth/user", headers=bearer(into_b.json()))
    assert me.json()["role"] == "MANAGER"


async def test_someone_else_signed_in_cannot_use_the_token(
    client: httpx.AsyncClient, sign_in: SignIn, tenant: Tenant, other_tenant: Tenant
) -> None:
    token = (await invite(client, other_tenant, tenant.emails["EMPLOYEE"])).json()["invitation_token"]
    intruder = await sign_in(tenant.emails["MANAGER"])

    joined = await client.post("/auth/invitations/join", json={"token": token}, headers=bearer(intruder))

    assert joined.status_code == 404
    assert joined.json()["error"]["code"] == "invitation_invalid"
    assert (
        await login(client, tenant.emails["MANAGER"], PASSWORD, company=other_tenant.slug)
    ).status_code == 401


async def test_an_invitation_never_sets_an_existing_accounts_password(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    email = tenant.emails["EMPLOYEE"]
    token = (await invite(client, other_tenant, email)).json()["invitation_token"]

    accepted = await client.post("/auth/invitations/accept", json={"token": token, "password": NEW_PASSWORD})

    assert accepted.status_code == 409
    assert accepted.json()["error"]["code"] == "sign_in_to_accept"
    assert (await login(client, email, NEW_PASSWORD)).status_code == 401
    assert (await login(client, email, PASSWORD)).status_code == 200


async def test_a_revoked_invitation_cannot_be_accepted(client: httpx.AsyncClient, tenant: Tenant) -> None:
    email = f"{unique('revoked')}@example.com"
    added = (await invite(client, tenant, email)).json()
    pending = await client.get("/api/invitations", headers=tenant.auth("ADMIN"))
    invitation = next(i for i in pending.json()["items"] if i["email"] == email)

    revoked = await client.delete(f"/api/invitations/{invitation['id']}", headers=tenant.auth("ADMIN"))

    assert revoked.status_code == 200, revoked.text
    accepted = await client.post(
        "/auth/invitations/accept", json={"token": added["invitation_token"], "password": NEW_PASSWORD}
    )
    assert accepted.status_code == 404
    members = await client.get("/api/members", headers=tenant.auth("OWNER"))
    assert email not in {m["email"] for m in members.json()["items"]}


async def test_an_expired_invitation_cannot_be_accepted(
    client: httpx.AsyncClient, tenant: Tenant, owner_sql: OwnerSql
) -> None:
    email = f"{unique('late')}@example.com"
    token = (await invite(client, tenant, email)).json()["invitation_token"]
    await owner_sql("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = %s", email)

    accepted = await client.post("/auth/invitations/accept", json={"token": token, "password": NEW_PASSWORD})

    assert accepted.status_code == 404
    assert (await login(client, email, NEW_PASSWORD)).status_code == 401


async def test_inviting_again_replaces_the_pending_invitation(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    email = f"{unique('again')}@example.com"
    first = (await invite(client, tenant, email)).json()
    second = await invite(client, tenant, email, role="MANAGER")

    assert second.status_code == 201, second.text
    assert second.json()["id"] == first["id"] and second.json()["role"] == "MANAGER"
    old = await client.post(
        "/auth/invitations/accept", json={"token": first["invitation_token"], "password": NEW_PASSWORD}
    )
    assert old.status_code == 404
    new = await client.post(
        "/auth/invitations/accept",
        json={"token": second.json()["invitation_token"], "password": NEW_PASSWORD},
    )
    assert new.status_code == 204
