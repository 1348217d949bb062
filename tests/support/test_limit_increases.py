"""Temporary limit increases by platform staff: write grant only, bounded, expiring, audited twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.fixtures.operators import OwnerSql
from tests.fixtures.staff import Staff, open_grant
from tests.fixtures.tenants import Tenant

ENTERPRISE_AI_REQUESTS = 50_000


def increase(tenant: Tenant, extra: int, **body: object) -> dict[str, object]:
    return {"company_id": str(tenant.id), "extra_ai_requests": extra, "reason": "Launch week", **body}


async def test_a_write_grant_raises_the_limit_until_the_end_of_the_month(
    client: httpx.AsyncClient, tenant: Tenant, support: Staff, owner_sql: OwnerSql
) -> None:
    await open_grant(client, support, tenant.id, "write")
    response = await client.post(
        "/api/support/limit-increases", json=increase(tenant, 300), headers=support.auth()
    )
    assert response.status_code == 201, response.text
    applied = response.json()
    assert (applied["previous_value"], applied["value"], applied["extra"]) == (50_000, 50_300, 300)
    now = datetime.now(UTC)
    next_month = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    assert datetime.fromisoformat(applied["expires_at"]) == next_month
    limits = await client.get("/api/limits", headers=tenant.auth("OWNER"))
    assert limits.json()["ai_requests_per_month"] == ENTERPRISE_AI_REQUESTS + 300
    audit = await owner_sql(
        "SELECT actor_user_id, reason, before, after FROM audit_logs"
        " WHERE company_id = %s AND action = 'tenancy.limit_override.create'",
        tenant.id,
    )
    assert len(audit) == 1 and audit[0]["actor_user_id"] == support.user_id
    assert audit[0]["before"] == {"ai_requests_per_month": 50_000} and audit[0]["after"]["value"] == 50_300
    logged = await owner_sql(
        "SELECT status_code FROM support_actions_log"
        " WHERE target_company_id = %s AND action_type = 'increase_limit'",
        tenant.id,
    )
    assert logged == [{"status_code": 201}]


async def test_increases_stop_at_500_above_the_companys_own_limit(
    client: httpx.AsyncClient, tenant: Tenant, support: Staff
) -> None:
    await open_grant(client, support, tenant.id, "write")
    too_big = await client.post(
        "/api/support/limit-increases", json=increase(tenant, 501), headers=support.auth()
    )
    assert too_big.status_code == 409 and too_big.json()["error"]["code"] == "limit_increase_too_large"
    first = await client.post(
        "/api/support/limit-increases", json=increase(tenant, 400), headers=support.auth()
    )
    assert first.status_code == 201
    stacked = await client.post(
        "/api/support/limit-increases", json=increase(tenant, 101), headers=support.auth()
    )
    assert stacked.status_code == 409
    last = await client.post(
        "/api/support/limit-increases", json=increase(tenant, 100), headers=support.auth()
    )
    assert last.status_code == 201 and last.json()["value"] == ENTERPRISE_AI_REQUESTS + 500


async def test_an_expired_increase_stops_applying_by_itself(
    client: httpx.AsyncClient, tenant: Tenant, support: Staff, owner_sql: OwnerSql
) -> None:
    await open_grant(client, support, tenant.id, "write")
    soon = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    response = await client.post(
        "/api/support/limit-increases", json=increase(tenant, 200, expires_at=soon), headers=support.auth()
    )
    assert response.status_code == 201
    await owner_sql(
        "UPDATE limit_overrides SET expires_at = now() - interval '1 second' WHERE id = %s",
        response.json()["override_id"],
    )
    limits = await client.get("/api/limits", headers=tenant.auth("OWNER"))
    assert limits.json()["ai_requests_per_month"] == ENTERPRISE_AI_REQUESTS


async def test_increases_need_staff_a_write_grant_a_reason_and_a_near_expiry(
    client: httpx.AsyncClient, tenant: Tenant, support: Staff
) -> None:
    path = "/api/support/limit-increases"
    customer = await client.post(path, json=increase(tenant, 10), headers=tenant.auth("OWNER"))
    assert customer.status_code == 403 and customer.json()["error"]["code"] == "staff_only"
    no_grant = await client.post(path, json=increase(tenant, 10), headers=support.auth())
    assert no_grant.status_code == 404
    await open_grant(client, support, tenant.id, "read")
    read_only = await client.post(path, json=increase(tenant, 10), headers=support.auth())
    assert read_only.status_code == 403 and read_only.json()["error"]["code"] == "support_read_only"
    await open_grant(client, support, tenant.id, "write")
    no_reason = {k: v for k, v in increase(tenant, 10).items() if k != "reason"}
    assert (await client.post(path, json=no_reason, headers=support.auth())).status_code == 422
    past = increase(tenant, 10, expires_at="2020-01-01T00:00:00Z")
    assert (await client.post(path, json=past, headers=support.auth())).json()["error"]["code"] == (
        "limit_increase_invalid"
    )


async def test_permanent_limit_changes_stay_with_the_super_admin(
    client: httpx.AsyncClient, tenant: Tenant, support: Staff, super_admin: Staff
) -> None:
    await open_grant(client, support, tenant.id, "write")
    change = {"custom_limits": {"ai_requests_per_month": 99_999}}
    refused = await client.patch(f"/api/companies/{tenant.id}", json=change, headers=support.auth(tenant.id))
    assert refused.status_code == 403
    allowed = await client.patch(f"/api/companies/{tenant.id}", json=change, headers=super_admin.auth())
    assert allowed.status_code == 200
