"""Expired ``Idempotency-Key`` records do not pile up: the worker's scheduled job deletes them, in every
company, and only them."""

from __future__ import annotations

import httpx
import psycopg

from aipair.composition import Runtime
from aipair.config import Settings, WorkerSettings
from aipair.db.engine import DbContext, transaction
from aipair.db.urls import libpq
from aipair.gateway.tasks import jobs as gateway_jobs
from aipair.gateway.tasks import purge_idempotency_keys
from aipair.worker.registry import JobRegistry, load_registry
from aipair.worker.runner import Worker
from tests.fixtures.tenants import Tenant, make_api_key

FAST = WorkerSettings(poll_interval_s=0.05, lease_s=1.0, shutdown_grace_s=0.2)
CHAT = {"model": "local", "messages": [{"role": "user", "content": "Summarise: keys expire."}]}


def owner_sql(settings: Settings, sql: str, *params: object) -> list[tuple[object, ...]]:
    assert settings.database_url is not None
    with psycopg.connect(libpq(settings.database_url.get_secret_value())) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


async def call_with_key(client: httpx.AsyncClient, tenant: Tenant, idempotency_key: str) -> None:
    api_key = str((await make_api_key(client, tenant))["key"])
    headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": idempotency_key}
    assert (await client.post("/v1/chat/completions", json=CHAT, headers=headers)).status_code == 200


def keys_of(settings: Settings, tenant: Tenant) -> set[object]:
    rows = owner_sql(
        settings, "SELECT idempotency_key FROM gateway_idempotency_keys WHERE company_id = %s", tenant.id
    )
    return {row[0] for row in rows}


async def test_the_scheduled_job_deletes_expired_keys_of_every_company_and_keeps_live_ones(
    runtime: Runtime, client: httpx.AsyncClient, settings: Settings, tenant: Tenant, other_tenant: Tenant
) -> None:
    assert "gateway.purge_idempotency_keys" in load_registry().names  # every worker runs it
    await call_with_key(client, tenant, "order-1")
    await call_with_key(client, tenant, "order-2")
    await call_with_key(client, other_tenant, "order-1")
    owner_sql(
        settings,
        "UPDATE gateway_idempotency_keys SET expires_at = now() - interval '1 minute'"
        " WHERE idempotency_key = 'order-1' AND company_id IN (%s, %s)",
        tenant.id,
        other_tenant.id,
    )

    registry = JobRegistry()
    registry.add(gateway_jobs)
    async with transaction(runtime.sessions, DbContext()) as session:
        await purge_idempotency_keys.defer(session)
    await Worker(runtime.services, registry, FAST, concurrency=1).run_until_idle()

    assert keys_of(settings, tenant) == {"order-2"}
    assert keys_of(settings, other_tenant) == set()


async def test_the_application_role_cannot_delete_keys_still_in_force(
    runtime: Runtime, client: httpx.AsyncClient, settings: Settings, tenant: Tenant
) -> None:
    await call_with_key(client, tenant, "invoice-9")
    assert await runtime.gateway.purge_expired_idempotency_keys() >= 0
    assert keys_of(settings, tenant) == {"invoice-9"}
