"""What the operator reads: the runbook's connection query, usage across companies, `aipair report`."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import psycopg
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from aipair.cli.app import build_app
from aipair.composition import Runtime
from aipair.config import Settings
from aipair.db.urls import DatabaseUrls, libpq
from aipair.usage.service import Reservation
from tests.fixtures.staff import make_staff
from tests.fixtures.tenants import Tenant
from tests.fixtures.usage import reservation

RUNBOOK_CONNECTIONS = """SELECT count(*) as total_connections,
       count(*) FILTER (WHERE state = 'active') as active_connections,
       count(*) FILTER (WHERE state = 'idle') as idle_connections
FROM pg_stat_activity;"""


def _reservation(company_id: uuid.UUID) -> Reservation:
    return reservation(company_id, 10)


async def test_the_runbook_connection_query_as_the_owner_counts_the_apps_active_and_idle_connections(
    runtime: Runtime, urls: DatabaseUrls
) -> None:
    async with runtime.engine.connect() as idle_one:  # checked out, then back in the pool: idle
        await idle_one.execute(text("SELECT 1"))

    async def busy() -> None:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT pg_sleep(1.5)"))

    sleeping = asyncio.create_task(busy())
    await asyncio.sleep(0.5)
    with psycopg.connect(libpq(urls.owner)) as owner:
        total, active, idle = owner.execute(RUNBOOK_CONNECTIONS).fetchone() or (0, 0, 0)
        hidden = owner.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND state IS NULL", [urls.app_role]
        ).fetchone()
        sleeping_seen = owner.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND state = 'active'"
            " AND query LIKE 'SELECT pg_sleep%%'",
            [urls.app_role],
        ).fetchone()
    await sleeping
    assert hidden == (0,), "the owner must see the state of every application connection"
    assert sleeping_seen == (1,)
    assert active >= 2  # the application's sleeping query and this query itself
    assert idle >= 1 and total >= active + idle


RUNBOOK_POOL_CHECK = "SELECT count(*) FROM pg_stat_activity;"
RUNBOOK_INDEX_CHECK = """SELECT schemaname, tablename, attname, n_distinct, correlation
FROM pg_stats
WHERE tablename = 'companies';"""


async def test_the_runbooks_other_database_checks_run_verbatim_as_the_owner(
    runtime: Runtime, tenant: Tenant, urls: DatabaseUrls
) -> None:
    async with runtime.engine.connect() as conn:  # at least one application connection
        await conn.execute(text("SELECT 1"))
    with psycopg.connect(libpq(urls.owner), autocommit=True) as owner:
        app_connections = owner.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", [urls.app_role]
        ).fetchone()
        assert app_connections is not None and app_connections[0] >= 1
        (everyone,) = owner.execute(RUNBOOK_POOL_CHECK).fetchone() or (0,)
        assert everyone > app_connections[0]  # the application's and this one
        owner.execute("ANALYZE companies")  # statistics exist once autovacuum (or this) analysed it
        columns = {row[2]: row for row in owner.execute(RUNBOOK_INDEX_CHECK).fetchall()}
    assert {"id", "slug", "name"} <= set(columns)
    assert columns["slug"][0] == "public" and columns["slug"][1] == "companies"


async def test_platform_staff_read_usage_across_companies_without_a_grant(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    for _ in range(3):
        await runtime.usage.reserve(_reservation(tenant.id))
    await runtime.usage.reserve(_reservation(other_tenant.id))
    support = await make_staff(runtime, "SUPPORT")

    over_one = await client.get("/api/platform/usage", params={"over": 1}, headers=support.auth())
    assert over_one.status_code == 200, over_one.text
    rows = {row["slug"]: row for row in over_one.json()}
    assert rows[tenant.slug]["ai_requests"] == 3 and other_tenant.slug not in rows
    assert set(rows[tenant.slug]) == {
        "company_id", "slug", "name", "plan", "status", "users", "ai_requests", "ai_requests_limit",
        "tokens", "cost_usd", "budget_usd",
    }  # fmt: skip
    # Compared as numbers: "3" > "10" as text, not as a number.
    over_ten = await client.get("/api/platform/usage", params={"over": 10}, headers=support.auth())
    assert tenant.slug not in {row["slug"] for row in over_ten.json()}


async def test_customers_cannot_read_usage_across_companies(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get("/api/platform/usage", headers=tenant.auth("OWNER"))
    assert response.status_code == 403


async def test_the_database_refuses_platform_usage_outside_a_platform_context(runtime: Runtime) -> None:
    async with runtime.engine.connect() as conn:
        try:
            await conn.execute(text("SELECT * FROM platform_usage(0)"))
        except Exception as exc:
            assert "platform staff only" in str(exc)
        else:
            raise AssertionError("platform_usage answered the application role without a platform context")


def _invoke(settings: Settings, *args: str) -> str:
    assert settings.database_url is not None
    env = {
        "AIPAIR_DATABASE_URL": settings.database_url.get_secret_value(),
        "AIPAIR_DATA_DIR": str(settings.data_dir),
    }
    result = CliRunner().invoke(build_app(), list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_report_db_prints_connections_pools_and_how_to_see_slow_statements(settings: Settings) -> None:
    output = _invoke(settings, "report", "db")
    assert "== Connections (runbook)" in output
    assert "total_connections | active_connections | idle_connections" in output
    assert "aipair | aipair_app |" in output  # the application's own connections, by state
    assert "max_connections" in output
    assert "pg_stat_statements is not enabled" in output  # the embedded server does not ship it


@pytest.fixture
async def busy_tenant(runtime: Runtime, tenant: Tenant) -> Tenant:
    """A company with two AI requests this month."""
    for _ in range(2):
        await runtime.usage.reserve(_reservation(tenant.id))
    return tenant


def test_report_usage_lists_companies_over_a_number_of_requests(
    settings: Settings, busy_tenant: Tenant
) -> None:
    rows = {
        row["slug"]: row for row in json.loads(_invoke(settings, "report", "usage", "--over", "1", "--json"))
    }
    assert rows[busy_tenant.slug]["ai_requests"] == 2
    assert all(row["ai_requests"] > 1 for row in rows.values())
    table = _invoke(settings, "report", "usage", "--over", "2")
    assert busy_tenant.slug not in table and "companies" in table
