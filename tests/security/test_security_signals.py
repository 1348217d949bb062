"""Security signals for platform staff: failed logins, lockouts, cross-tenant probes, support activity,
events reported by other domains, and the runbook's suspicious-activity report."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from aipair.composition import Runtime
from aipair.security.service import SecurityEventKind
from tests.fixtures.operators import Cli, OwnerSql
from tests.fixtures.staff import Staff, open_grant
from tests.fixtures.tenants import Tenant, random_ip

SECURITY_ROUTES = (
    "/api/security/failed-logins",
    "/api/security/lockouts",
    "/api/security/cross-tenant-probes",
    "/api/security/support-activity",
    "/api/security/events",
    "/api/security/key-rejections",
)


async def fail_logins(app: FastAPI, email: str, times: int) -> str:
    ip = random_ip()
    transport = httpx.ASGITransport(app=app, client=(ip, 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for _ in range(times):
            response = await http.post("/auth/login", json={"email": email, "password": "Wrong-password-123"})
            assert response.status_code == 401
    return ip


@pytest.mark.parametrize("role", ["OWNER", "ADMIN", "EMPLOYEE"])
async def test_security_signals_are_for_platform_staff_only(
    client: httpx.AsyncClient, tenant: Tenant, role: str
) -> None:
    for path in SECURITY_ROUTES:
        response = await client.get(path, headers=tenant.auth(role))
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "staff_only"


async def test_failed_logins_and_lockouts_per_account_and_address(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, support: Staff
) -> None:
    email = tenant.emails["EMPLOYEE"]
    ip = await fail_logins(app, email, 10)
    failed = (await client.get("/api/security/failed-logins", headers=support.auth())).json()
    account = next(a for a in failed["by_account"] if a["email"] == email)
    assert account["failures"] == 10 and account["user_id"] is not None
    assert next(a for a in failed["by_ip"] if a["ip"] == ip)["failures"] == 10
    locked = (await client.get("/api/security/lockouts", headers=support.auth())).json()
    assert locked["threshold"] == 10
    account = next(a for a in locked["accounts"] if a["email"] == email)
    assert account["failures"] == 10 and account["locked_until"] > account["locked_at"]
    assert ip not in {a["ip"] for a in locked["addresses"]}  # ten failures slow no address


async def test_requests_for_foreign_ids_are_counted_as_probes_with_the_principal(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, support: Staff, owner_sql: OwnerSql
) -> None:
    foreign = other_tenant.member_ids["EMPLOYEE"]
    for _ in range(3):
        response = await client.get(f"/api/members/{foreign}", headers=tenant.auth("MANAGER"))
        assert response.status_code == 404
    await client.get("/api/members", headers=tenant.auth("MANAGER"))  # a list is no probe
    probes = (await client.get("/api/security/cross-tenant-probes", headers=support.auth())).json()
    mine = [p for p in probes if p["company_id"] == str(tenant.id)]
    assert len(mine) == 1
    assert mine[0]["probes"] == 3 and mine[0]["sample_paths"] == ["/api/members/{member_id}"]
    user = await owner_sql("SELECT id FROM users WHERE email = %s", tenant.emails["MANAGER"])
    assert mine[0]["user_id"] == str(user[0]["id"])


async def test_support_activity_is_flagged_against_its_thresholds(
    client: httpx.AsyncClient, tenant: Tenant, support: Staff, super_admin: Staff, owner_sql: OwnerSql
) -> None:
    await owner_sql(
        "INSERT INTO support_actions_log (support_user_id, target_company_id, action_type, description)"
        " SELECT %s, %s, 'list_members', 'bulk' FROM generate_series(1, 51)",
        support.user_id,
        tenant.id,
    )
    await open_grant(client, support, tenant.id, "write")
    for extra in (250, 100):
        body = {"company_id": str(tenant.id), "extra_ai_requests": extra, "reason": "Load test"}
        assert (
            await client.post("/api/support/limit-increases", json=body, headers=support.auth())
        ).status_code == 201
    activity = (await client.get("/api/security/support-activity", headers=super_admin.auth())).json()
    assert activity["thresholds"] == {"actions_per_day": 50, "increases_per_week": 10, "large_increase": 200}
    day = next(d for d in activity["actions_per_day"] if d["support_user_id"] == str(support.user_id))
    assert day["actions"] >= 51 and day["over_threshold"] is True
    week = next(w for w in activity["increases_per_week"] if w["support_user_id"] == str(support.user_id))
    assert (week["increases"], week["total_extra"], week["over_threshold"]) == (2, 350, False)
    large = [i for i in activity["large_increases"] if i["support_user_id"] == str(support.user_id)]
    assert [i["extra"] for i in large] == [250]


async def test_other_domains_report_events_through_the_security_service(
    runtime: Runtime, client: httpx.AsyncClient, tenant: Tenant, support: Staff
) -> None:
    key_id = uuid.uuid4()
    await runtime.security.record_event(
        SecurityEventKind.RATE_LIMITED,
        company_id=tenant.id,
        api_key_id=key_id,
        ip="10.1.2.3",
        method="POST",
        path="/v1/chat/completions",
        detail={"limit": "requests_per_minute"},
    )
    events = await client.get("/api/security/events", params={"kind": "rate_limited"}, headers=support.auth())
    mine = [e for e in events.json()["items"] if e["api_key_id"] == str(key_id)]
    assert (
        len(mine) == 1 and mine[0]["ip"] == "10.1.2.3" and mine[0]["detail"]["limit"] == "requests_per_minute"
    )
    inside = await client.get("/api/security/events", headers=support.auth(tenant.id))
    assert inside.status_code == 404  # signals are read from the platform context, not inside a company


async def test_report_security_prints_the_runbooks_suspicious_activity_views(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, support: Staff, cli: Cli
) -> None:
    await fail_logins(app, tenant.emails["ADMIN"], 11)
    await open_grant(client, support, tenant.id, "read")
    await client.get("/api/members", headers=support.auth(tenant.id))
    await client.get(f"/api/keys/{uuid.uuid4()}", headers=other_tenant.auth("ADMIN"))
    done = cli("report", "security")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "== Failed logins in the last hour, more than 10 per account (runbook)" in out
    assert "== SUPPORT actions in the last 24 hours (runbook)" in out
    assert "== Cross-tenant probes in the last 24 hours" in out
    assert "user_id | failed_attempts | last_attempt" in out
    assert str(support.user_id) in out and other_tenant.slug in out
