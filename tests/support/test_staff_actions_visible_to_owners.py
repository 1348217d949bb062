"""A company's OWNER sees every action platform staff took in the company, and nothing of others;
the runbook's query lists the support actions of the last day."""

from __future__ import annotations

import uuid

import httpx

from aipair.security.report_repository import RUNBOOK_SUPPORT_ACTIONS
from tests.fixtures.operators import OwnerSql
from tests.fixtures.staff import Staff
from tests.fixtures.tenants import Tenant

# Verbatim from the runbook ("Review SUPPORT role actions").
RUNBOOK_QUERY = """SELECT * FROM support_actions_log
WHERE created_at > NOW() - INTERVAL '24 hours'
ORDER BY created_at DESC;"""


async def staff_work(
    client: httpx.AsyncClient, support: Staff, tenant: Tenant, other_tenant: Tenant
) -> dict[str, list[str]]:
    """Reads, writes, a failure and a limit increase in ``tenant``; a read in ``other_tenant``.
    Returns the request ids of the staff requests per company."""
    ids: dict[str, list[str]] = {"mine": [], "other": []}

    async def call(
        bucket: str, method: str, url: str, company: uuid.UUID | None, **kw: object
    ) -> httpx.Response:
        response = await client.request(method, url, headers=support.auth(company), **kw)  # type: ignore[arg-type]
        ids[bucket].append(response.headers["x-request-id"])
        return response

    body = {"company_id": str(tenant.id), "reason": "Ticket 42", "ticket_ref": "T-42", "scope": "write"}
    assert (await call("mine", "POST", "/api/support/grants", None, json=body)).status_code == 201
    other = {**body, "company_id": str(other_tenant.id), "scope": "read"}
    assert (await call("other", "POST", "/api/support/grants", None, json=other)).status_code == 201
    assert (await call("mine", "GET", "/api/members", tenant.id)).status_code == 200
    assert (await call("mine", "POST", "/api/keys", tenant.id, json={"name": "helper"})).status_code == 201
    assert (await call("mine", "GET", f"/api/keys/{uuid.uuid4()}", tenant.id)).status_code == 404
    increase = {"company_id": str(tenant.id), "extra_ai_requests": 250, "reason": "Launch week"}
    assert (
        await call("mine", "POST", "/api/support/limit-increases", None, json=increase)
    ).status_code == 201
    assert (await call("other", "GET", "/api/members", other_tenant.id)).status_code == 200
    return ids


async def test_an_owner_sees_every_staff_action_in_the_company_and_no_other_companys(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, support: Staff
) -> None:
    ids = await staff_work(client, support, tenant, other_tenant)
    actions = await client.get("/api/audit/support-actions", headers=tenant.auth("OWNER"))
    assert actions.status_code == 200
    rows = actions.json()["items"]
    assert sorted(r["request_id"] for r in rows) == sorted(ids["mine"])
    assert {r["target_company_id"] for r in rows} == {str(tenant.id)}
    assert {r["support_user_id"] for r in rows} == {str(support.user_id)}
    assert sorted(r["status_code"] for r in rows) == [200, 201, 201, 201, 404]
    assert rows == sorted(rows, key=lambda r: r["created_at"], reverse=True)
    trail = await client.get(
        "/api/audit", params={"actor": str(support.user_id)}, headers=tenant.auth("ADMIN")
    )
    staff_changes = {r["action"] for r in trail.json()["items"]}
    assert staff_changes == {"support.grant.create", "auth.api_key.create", "tenancy.limit_override.create"}
    assert all(r["actor_role"] == "SUPPORT" for r in trail.json()["items"])
    others = await client.get("/api/audit/support-actions", headers=other_tenant.auth("OWNER"))
    assert sorted(r["request_id"] for r in others.json()["items"]) == sorted(ids["other"])


async def test_platform_staff_read_support_actions_across_companies(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, support: Staff, super_admin: Staff
) -> None:
    ids = await staff_work(client, support, tenant, other_tenant)
    own = await client.get("/api/audit/support-actions", params={"limit": 200}, headers=support.auth())
    assert sorted(r["request_id"] for r in own.json()["items"]) == sorted(ids["mine"] + ids["other"])
    one = await client.get(
        "/api/audit/support-actions", params={"company_id": str(tenant.id)}, headers=super_admin.auth()
    )
    assert {r["request_id"] for r in one.json()["items"]} >= set(ids["mine"])
    assert {r["target_company_id"] for r in one.json()["items"]} == {str(tenant.id)}


async def test_the_runbook_query_lists_the_support_actions_of_the_last_day(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, support: Staff, owner_sql: OwnerSql
) -> None:
    assert " ".join(RUNBOOK_SUPPORT_ACTIONS.split()) == " ".join(RUNBOOK_QUERY.split())
    ids = await staff_work(client, support, tenant, other_tenant)
    await owner_sql(
        "INSERT INTO support_actions_log (created_at, support_user_id, target_company_id, action_type,"
        " description) VALUES (now() - interval '25 hours', %s, %s, 'list_members', 'yesterday')",
        support.user_id,
        tenant.id,
    )
    rows = await owner_sql(RUNBOOK_QUERY)
    columns = set(rows[0])
    assert {
        "created_at",
        "support_user_id",
        "target_company_id",
        "action_type",
        "description",
        "data",
        "ip_address",
        "user_agent",
    } <= columns
    assert set(ids["mine"] + ids["other"]) <= {r["request_id"] for r in rows}
    assert "yesterday" not in {r["description"] for r in rows}
    assert [r["created_at"] for r in rows] == sorted((r["created_at"] for r in rows), reverse=True)
    mine = [r for r in rows if r["request_id"] in ids["mine"]]
    assert all(r["ip_address"] is not None and r["data"]["path"].startswith("/api/") for r in mine)


async def test_a_super_admin_acting_on_a_company_by_id_is_logged_for_its_owner(
    client: httpx.AsyncClient, tenant: Tenant, super_admin: Staff
) -> None:
    plan = await client.patch(
        f"/api/companies/{tenant.id}", json={"plan": "PROFESSIONAL"}, headers=super_admin.auth()
    )
    assert plan.status_code == 200
    rows = (await client.get("/api/audit/support-actions", headers=tenant.auth("OWNER"))).json()["items"]
    assert [(r["action_type"], r["request_id"]) for r in rows] == [
        ("update_company", plan.headers["x-request-id"])
    ]
    trail = await client.get(
        "/api/audit", params={"action": "tenancy.company.update"}, headers=tenant.auth("OWNER")
    )
    change = trail.json()["items"][0]
    assert change["actor_role"] == "SUPER_ADMIN"
    assert (change["before"]["plan_code"], change["after"]["plan_code"]) == ("ENTERPRISE", "PROFESSIONAL")
