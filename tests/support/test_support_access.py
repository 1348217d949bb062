"""Platform staff see a company only inside an open grant, enforced by RLS; every request is logged."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from aipair.composition import Runtime
from aipair.db.migration_helpers import SUPPORT_POLICIES
from aipair.db.urls import libpq
from tests.fixtures.operators import OwnerSql, as_support
from tests.fixtures.routes import PUBLIC
from tests.fixtures.staff import Staff, open_grant
from tests.fixtures.tenants import Tenant, make_api_key
from tests.test_isolation_sql import seed_every_tenant_table, tenant_tables

SAFE_READS = ("/api/members", "/api/keys", "/api/limits", "/api/audit", "/api/companies/{company_id}")


def company_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every route that acts in the caller's company: all of /api/ and the caller's own /auth/user."""
    routes = [("GET", "/auth/user")]
    for path, operations in app.openapi()["paths"].items():
        if path.startswith("/api/"):
            routes.extend((method.upper(), path) for method in sorted(operations))
    return [route for route in routes if route not in PUBLIC]


async def victim_ids(client: httpx.AsyncClient, victim: Tenant) -> dict[str, Any]:
    key = await make_api_key(client, victim)
    return {"company_id": victim.id, "member_id": victim.member_ids["EMPLOYEE"], "key_id": key["id"]}


def fill(path: str, ids: dict[str, Any]) -> str:
    """The path with the victim's ids (a fresh uuid for ids the victim has none of)."""
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), uuid.uuid4())), path)


async def support_actions(owner_sql: OwnerSql, staff: Staff, company: uuid.UUID) -> list[dict[str, Any]]:
    return await owner_sql(
        "SELECT * FROM support_actions_log WHERE support_user_id = %s AND target_company_id = %s ORDER BY id",
        staff.user_id,
        company,
    )


# --- Without a grant -----------------------------------------------------------------------------


async def test_support_without_a_grant_gets_404_on_every_company_route(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, support: Staff, owner_sql: OwnerSql
) -> None:
    ids = await victim_ids(client, tenant)
    routes = company_routes(app)
    assert ("GET", "/api/members/{member_id}") in routes and ("POST", "/api/keys") in routes
    for method, path in routes:
        response = await client.request(method, fill(path, ids), json={}, headers=support.auth(tenant.id))
        assert response.status_code == 404, f"{method} {path}: {response.status_code} {response.text}"
        assert response.json()["error"]["code"] == "company_not_found"
    logged = await support_actions(owner_sql, support, tenant.id)
    assert len(logged) == len(routes)
    assert {row["status_code"] for row in logged} == {404}


async def test_raw_sql_as_the_app_role_in_a_support_context_returns_no_company_rows(
    runtime: Runtime, tenant: Tenant, support: Staff, super_admin: Staff, app_conn: psycopg.Connection
) -> None:
    await seed_every_tenant_table(runtime, tenant)
    tables = tenant_tables(runtime.urls.owner)
    assert {"public.memberships", "public.api_keys", "public.audit_logs", "public.support_grants"} <= set(
        tables
    )
    for staff in (support, super_admin):
        as_support(app_conn, staff, tenant.id)
        for table in tables:
            count = app_conn.execute(
                f"SELECT count(*) FROM {table} WHERE company_id = %s", [tenant.id]
            ).fetchone()
            assert count == (0,), f"{staff.role} sees {table} rows without a grant"
        users = {r[0] for r in app_conn.execute("SELECT lower(email) FROM users").fetchall()}
        assert not users & set(tenant.emails.values()), f"{staff.role} sees the company's users"
        app_conn.rollback()
    as_support(app_conn, support, tenant.id)
    assert app_conn.execute("SELECT count(*) FROM companies WHERE id = %s", [tenant.id]).fetchone() == (0,)
    assert app_conn.execute(
        "SELECT count(*) FROM company_limits WHERE company_id = %s", [tenant.id]
    ).fetchone() == (0,)


async def test_a_customer_cannot_select_another_company(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    headers = {**tenant.auth("OWNER"), "X-Aipair-Company": str(other_tenant.id)}
    response = await client.get("/api/members", headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "company_header_forbidden"


# --- With a read grant ---------------------------------------------------------------------------


async def test_with_a_read_grant_reads_work_and_each_one_is_logged(
    client: httpx.AsyncClient, tenant: Tenant, support: Staff, owner_sql: OwnerSql
) -> None:
    ids = await victim_ids(client, tenant)
    grant = await open_grant(client, support, tenant.id, "read")
    assert grant["status"] == "active"
    for path in SAFE_READS:
        response = await client.get(fill(path, ids), headers=support.auth(tenant.id))
        assert response.status_code == 200, f"{path}: {response.text}"
    members = await client.get("/api/members", headers=support.auth(tenant.id))
    assert {m["email"] for m in members.json()["items"]} == set(tenant.emails.values())
    logged = await support_actions(owner_sql, support, tenant.id)
    reads = [r for r in logged if r["data"]["access"] == "read"]
    assert len(reads) == len(SAFE_READS) + 1
    assert all(r["status_code"] == 200 and r["data"]["grant_scope"] == "read" for r in reads)
    assert logged[0]["action_type"] == "open_grant"  # the grant itself, from the platform context
    assert {r["action_type"] for r in reads} >= {"list_members", "list_keys", "limits", "list_audit"}


async def test_writes_under_a_read_grant_are_refused_by_the_service_and_by_rls(
    client: httpx.AsyncClient,
    tenant: Tenant,
    support: Staff,
    owner_sql: OwnerSql,
    app_conn: psycopg.Connection,
) -> None:
    await open_grant(client, support, tenant.id, "read")
    response = await client.post("/api/keys", json={"name": "sneaky"}, headers=support.auth(tenant.id))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "support_read_only"
    keys = await owner_sql("SELECT count(*) AS n FROM api_keys WHERE company_id = %s", tenant.id)
    assert keys == [{"n": 0}]
    assert (await support_actions(owner_sql, support, tenant.id))[-1]["status_code"] == 403
    as_support(app_conn, support, tenant.id)
    assert app_conn.execute(
        "SELECT count(*) FROM memberships WHERE company_id = %s", [tenant.id]
    ).fetchone() == (4,)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute(
            "INSERT INTO api_keys (id, company_id, name, prefix, key_hash, scopes)"
            " VALUES (gen_random_uuid(), %s, 'evil', 'aip_e', 'h-evil', '{ai}')",
            [tenant.id],
        )
    app_conn.rollback()
    as_support(app_conn, support, tenant.id)
    changed = app_conn.execute("UPDATE memberships SET role = 'OWNER' WHERE company_id = %s", [tenant.id])
    assert changed.rowcount == 0


async def test_a_write_grant_allows_writes_and_they_are_audited_as_the_staff_member(
    client: httpx.AsyncClient, tenant: Tenant, support: Staff, owner_sql: OwnerSql
) -> None:
    await open_grant(client, support, tenant.id, "write")
    response = await client.post(
        "/api/keys", json={"name": "for the customer"}, headers=support.auth(tenant.id)
    )
    assert response.status_code == 201, response.text
    rows = await owner_sql(
        "SELECT actor_user_id, actor_role, ip, request_id FROM audit_logs"
        " WHERE company_id = %s AND action = 'auth.api_key.create'",
        tenant.id,
    )
    assert len(rows) == 1
    assert rows[0]["actor_user_id"] == support.user_id and rows[0]["actor_role"] == "SUPPORT"
    assert rows[0]["request_id"] == response.headers["x-request-id"]


async def test_grants_of_one_company_open_nothing_in_another(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, support: Staff
) -> None:
    await open_grant(client, support, tenant.id, "write")
    response = await client.get("/api/members", headers=support.auth(other_tenant.id))
    assert response.status_code == 404
    member = other_tenant.member_ids["EMPLOYEE"]
    response = await client.get(f"/api/members/{member}", headers=support.auth(tenant.id))
    assert response.status_code == 404


# --- Expiry and revocation -----------------------------------------------------------------------


async def assert_access_gone(
    client: httpx.AsyncClient, support: Staff, tenant: Tenant, app_conn: psycopg.Connection
) -> None:
    response = await client.get("/api/members", headers=support.auth(tenant.id))
    assert response.status_code == 404, response.text
    as_support(app_conn, support, tenant.id)
    assert app_conn.execute(
        "SELECT count(*) FROM memberships WHERE company_id = %s", [tenant.id]
    ).fetchone() == (0,)
    app_conn.rollback()


async def test_after_expiry_access_is_gone_at_once(
    client: httpx.AsyncClient,
    tenant: Tenant,
    support: Staff,
    owner_sql: OwnerSql,
    app_conn: psycopg.Connection,
) -> None:
    grant = await open_grant(client, support, tenant.id, "write")
    assert (await client.get("/api/members", headers=support.auth(tenant.id))).status_code == 200
    await owner_sql(
        "UPDATE support_grants SET expires_at = now() - interval '1 second' WHERE id = %s",
        uuid.UUID(grant["id"]),
    )
    await assert_access_gone(client, support, tenant, app_conn)
    listed = await client.get("/api/company/support-grants", headers=tenant.auth("OWNER"))
    assert [g["status"] for g in listed.json()["items"]] == ["expired"]


@pytest.mark.parametrize("who", ["OWNER", "ADMIN", "staff"])
async def test_after_revocation_access_is_gone_at_once(
    client: httpx.AsyncClient, tenant: Tenant, support: Staff, app_conn: psycopg.Connection, who: str
) -> None:
    grant = await open_grant(client, support, tenant.id, "read")
    assert (await client.get("/api/members", headers=support.auth(tenant.id))).status_code == 200
    if who == "staff":
        response = await client.post(f"/api/support/grants/{grant['id']}/revoke", headers=support.auth())
    else:
        path = f"/api/company/support-grants/{grant['id']}/revoke"
        response = await client.post(path, headers=tenant.auth(who))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked"
    await assert_access_gone(client, support, tenant, app_conn)


# --- Owner approval ------------------------------------------------------------------------------


async def test_a_company_requiring_approval_opens_only_after_its_owner_approves(
    client: httpx.AsyncClient, tenant: Tenant, support: Staff
) -> None:
    flag = {"require_support_approval": True}
    assert (
        await client.patch(f"/api/companies/{tenant.id}", json=flag, headers=tenant.auth("ADMIN"))
    ).status_code == 403
    response = await client.patch(f"/api/companies/{tenant.id}", json=flag, headers=tenant.auth("OWNER"))
    assert response.status_code == 200 and response.json()["require_support_approval"] is True
    grant = await open_grant(client, support, tenant.id, "read")
    assert grant["status"] == "requested"
    assert (await client.get("/api/members", headers=support.auth(tenant.id))).status_code == 404
    approve = f"/api/company/support-grants/{grant['id']}/approve"
    assert (await client.post(approve, headers=tenant.auth("ADMIN"))).status_code == 403
    approved = await client.post(approve, headers=tenant.auth("OWNER"))
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    assert approved.json()["approved_by"] is not None
    assert (await client.get("/api/members", headers=support.auth(tenant.id))).status_code == 200


async def test_staff_cannot_approve_or_activate_grants_even_in_raw_sql(
    client: httpx.AsyncClient,
    tenant: Tenant,
    support: Staff,
    owner_sql: OwnerSql,
    app_conn: psycopg.Connection,
) -> None:
    await owner_sql("UPDATE companies SET require_support_approval = true WHERE id = %s", tenant.id)
    grant = await open_grant(client, support, tenant.id, "write")
    response = await client.post(
        f"/api/company/support-grants/{grant['id']}/approve", headers=support.auth(tenant.id)
    )
    assert response.status_code == 404  # no open grant yet: the company is invisible
    as_support(app_conn, support, None)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("UPDATE support_grants SET status = 'active' WHERE id = %s", [grant["id"]])
    app_conn.rollback()
    as_support(app_conn, support, None)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute(
            "INSERT INTO support_grants (id, company_id, staff_user_id, reason, ticket_ref, scope, status,"
            " duration_minutes, expires_at) VALUES (gen_random_uuid(), %s, %s, 'r', 't', 'write', 'active',"
            " 60, now() + interval '1 hour')",
            [tenant.id, support.user_id],
        )


async def test_grants_are_staff_only_and_bounded(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, support: Staff
) -> None:
    body = {"company_id": str(other_tenant.id), "reason": "curious", "ticket_ref": "T-2", "scope": "read"}
    response = await client.post("/api/support/grants", json=body, headers=tenant.auth("OWNER"))
    assert response.status_code == 403 and response.json()["error"]["code"] == "staff_only"
    response = await client.post(
        "/api/support/grants", json={**body, "duration_minutes": 481}, headers=support.auth()
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "support_grant_too_long"
    response = await client.post(
        "/api/support/grants", json={**body, "company_id": str(uuid.uuid4())}, headers=support.auth()
    )
    assert response.status_code == 404
    grant = await open_grant(client, support, other_tenant.id, "read", duration_minutes=30)
    assert grant["duration_minutes"] == 30
    mine = await client.get("/api/support/grants", headers=support.auth())
    assert grant["id"] in {g["id"] for g in mine.json()["items"]}


def test_every_table_with_a_company_id_has_the_support_policies(runtime: Runtime) -> None:
    with psycopg.connect(libpq(runtime.urls.owner)) as conn:
        policies = conn.execute(
            "SELECT schemaname || '.' || tablename, array_agg(policyname::text) FROM pg_policies GROUP BY 1"
        ).fetchall()
    by_table = {table: set(names) for table, names in policies}
    # Staff never write grants (only the company decides), a company's own provider API keys, the
    # idempotency records of its AI calls, its webhook signing secrets and delivery log, nor password reset
    # codes (one planted by staff would open the account to them).
    read_only = {
        "public.support_grants",
        "public.company_provider_keys",
        "public.gateway_idempotency_keys",
        "public.webhook_secrets",
        "public.webhook_deliveries",
        "public.webhook_attempts",
        "auth.password_resets",
    }
    for table in tenant_tables(runtime.urls.owner):
        expected = {"support_read"} if table in read_only else set(SUPPORT_POLICIES)
        assert expected <= by_table.get(table, set()), f"{table} lacks support policies"
    assert "support_read" in by_table["public.companies"] and "support_read" in by_table["public.users"]
