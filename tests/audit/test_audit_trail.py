"""The audit trail is append-only for the application, tamper-evident for everyone, and readable by
the company's OWNER and ADMIN only."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import uuid

import httpx
import psycopg
import pytest

from aipair.audit.chain import ChainReport, verify_chains
from aipair.audit.models import ActorType
from aipair.audit.service import Actor
from aipair.composition import Runtime
from aipair.db.engine import DbContext, transaction
from aipair.db.raw import direct_connection
from tests.fixtures.operators import Cli, OwnerSql, set_context
from tests.fixtures.tenants import Tenant, make_api_key


async def test_the_app_role_cannot_update_or_delete_audit_rows(
    tenant: Tenant, app_conn: psycopg.Connection
) -> None:
    for statement in (
        "UPDATE audit_logs SET reason = 'rewritten' WHERE company_id = %s",
        "DELETE FROM audit_logs WHERE company_id = %s",
        "TRUNCATE audit_logs",
    ):
        set_context(app_conn, company_id=tenant.id)
        assert app_conn.execute("SELECT count(*) FROM audit_logs").fetchone() != (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app_conn.execute(statement, [tenant.id] if "%s" in statement else None)
        app_conn.rollback()


async def test_the_owner_cannot_change_rows_either_without_disabling_the_guard(
    tenant: Tenant, owner_sql: OwnerSql
) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        await owner_sql("UPDATE audit_logs SET reason = 'x' WHERE company_id = %s", tenant.id)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        await owner_sql("DELETE FROM audit_logs WHERE company_id = %s", tenant.id)


async def test_rows_of_a_company_form_one_chain(tenant: Tenant, owner_sql: OwnerSql) -> None:
    rows = await owner_sql(
        "SELECT seq, prev_hash, hash FROM audit_logs WHERE company_id = %s ORDER BY seq", tenant.id
    )
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0]["prev_hash"] == "0" * 64
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in itertools.pairwise(rows))


async def test_concurrent_writers_of_one_company_never_fork_the_chain(
    runtime: Runtime, tenant: Tenant, owner_sql: OwnerSql
) -> None:
    async def write(n: int) -> None:
        async with transaction(runtime.sessions, DbContext(company_id=tenant.id)) as session:
            actor = Actor(ActorType.SYSTEM, tenant.id)
            await runtime.audit.record(session, actor, "tests.chain.write", "test", n, after={"n": n})
            await asyncio.sleep(0.01)

    await asyncio.gather(*(write(n) for n in range(20)))
    rows = await owner_sql("SELECT seq FROM audit_logs WHERE company_id = %s ORDER BY seq", tenant.id)
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert (await verify(runtime, tenant)).broken is None


async def verify(runtime: Runtime, tenant: Tenant) -> ChainReport:
    async with direct_connection(runtime.urls.owner) as conn:
        (report,) = await verify_chains(conn, tenant.id)
    return report


async def tamper(owner_sql: OwnerSql, statement: str, *params: object) -> None:
    """What an attacker with the owner's password does: switch the guard off, change, switch it on."""
    await owner_sql("DO $$ BEGIN ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only; END $$;")
    try:
        await owner_sql(statement, *params)
    finally:
        await owner_sql("ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_append_only")


async def test_tampering_with_a_row_as_owner_is_detected_by_audit_verify(
    client: httpx.AsyncClient, tenant: Tenant, owner_sql: OwnerSql, cli: Cli
) -> None:
    await make_api_key(client, tenant)
    clean = cli("audit", "verify", "--company", tenant.slug)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert f"ok      {tenant.slug}" in clean.stdout
    victim = (
        await owner_sql(
            "SELECT id, after FROM audit_logs WHERE company_id = %s AND action = 'auth.api_key.create'",
            tenant.id,
        )
    )[0]
    forged = {**victim["after"], "scopes": ["ai", "admin"]}
    await tamper(
        owner_sql,
        "UPDATE audit_logs SET after = %s WHERE id = %s",
        psycopg.types.json.Jsonb(forged),
        victim["id"],
    )
    try:
        broken = cli("audit", "verify", "--company", tenant.slug)
        assert broken.returncode == 1
        assert f"BROKEN  {tenant.slug}: row {victim['id']}" in broken.stdout
        assert "the row was changed" in broken.stdout
        everyone = cli("audit", "verify")
        assert everyone.returncode == 1 and str(victim["id"]) in everyone.stdout
    finally:
        await tamper(
            owner_sql,
            "UPDATE audit_logs SET after = %s WHERE id = %s",
            psycopg.types.json.Jsonb(victim["after"]),
            victim["id"],
        )
    assert cli("audit", "verify", "--company", tenant.slug).returncode == 0


async def test_a_deleted_row_and_a_rehashed_row_are_detected(
    runtime: Runtime, tenant: Tenant, owner_sql: OwnerSql
) -> None:
    async with transaction(runtime.sessions, DbContext(company_id=tenant.id)) as session:
        for n in range(3):
            await runtime.audit.record(
                session, Actor(ActorType.SYSTEM, tenant.id), "tests.chain.write", "t", n, after={}
            )
    rows = await owner_sql(
        "SELECT id, seq FROM audit_logs WHERE company_id = %s ORDER BY seq DESC LIMIT 3", tenant.id
    )
    await tamper(owner_sql, "DELETE FROM audit_logs WHERE id = %s", rows[1]["id"])
    broken = (await verify(runtime, tenant)).broken
    assert broken is not None and broken.row_id == rows[0]["id"] and "missing" in broken.reason
    await tamper(owner_sql, "UPDATE audit_logs SET seq = seq - 1 WHERE id = %s", rows[0]["id"])
    await tamper(
        owner_sql,
        "UPDATE audit_logs a SET hash ="
        " encode(sha256(convert_to(a.prev_hash || audit_canonical(a), 'UTF8')), 'hex') WHERE id = %s",
        rows[0]["id"],
    )
    broken = (await verify(runtime, tenant)).broken
    assert (
        broken is not None and broken.row_id == rows[0]["id"] and "prev_hash does not match" in broken.reason
    )


# --- The audit API --------------------------------------------------------------------------------


async def test_admins_read_filter_and_export_their_trail_newest_first(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    key = await make_api_key(client, tenant)
    await client.delete(f"/api/keys/{key['id']}", headers=tenant.auth("ADMIN"))
    await make_api_key(client, other_tenant)
    page = await client.get("/api/audit", params={"action": "auth.api_key."}, headers=tenant.auth("ADMIN"))
    assert page.status_code == 200
    items = page.json()["items"]
    assert [i["action"] for i in items] == ["auth.api_key.revoke", "auth.api_key.create"]
    assert items[0]["before"]["revoked_at"] is None and items[0]["after"]["revoked_at"] is not None
    assert "key_hash" not in items[1]["after"]
    by_target = await client.get("/api/audit", params={"target_id": key["id"]}, headers=tenant.auth("OWNER"))
    assert len(by_target.json()["items"]) == 2
    everything = await client.get("/api/audit", params={"limit": 200}, headers=tenant.auth("OWNER"))
    assert {i["action"].split(".")[0] for i in everything.json()["items"]} <= {"tenancy", "auth", "support"}
    exported = await client.get(
        "/api/audit/export.csv", params={"action": "auth."}, headers=tenant.auth("OWNER")
    )
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["action"] for r in rows][:2] == ["auth.api_key.revoke", "auth.api_key.create"]
    other_keys = {str(k) for k in [key["id"]]}
    assert all(r["target_id"] in other_keys or r["action"].startswith("auth.session") for r in rows)


@pytest.mark.parametrize("role", ["MANAGER", "EMPLOYEE"])
async def test_members_below_admin_cannot_read_the_trail(
    client: httpx.AsyncClient, tenant: Tenant, role: str
) -> None:
    for path in ("/api/audit", "/api/audit/export.csv", "/api/audit/support-actions"):
        response = await client.get(path, headers=tenant.auth(role))
        assert response.status_code == 403, path


async def test_where_a_change_came_from_is_recorded(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = {**tenant.auth("ADMIN"), "User-Agent": "audit-test/1.0", "X-Request-Id": uuid.uuid4().hex}
    created = await client.post("/api/keys", json={"name": "traced"}, headers=headers)
    entry = (
        await client.get("/api/audit", params={"target_id": created.json()["id"]}, headers=headers)
    ).json()
    row = entry["items"][0]
    assert row["user_agent"] == "audit-test/1.0"
    assert row["request_id"] == headers["X-Request-Id"]
    assert row["ip"] and row["actor_type"] == "user" and row["actor_role"] == "ADMIN"
