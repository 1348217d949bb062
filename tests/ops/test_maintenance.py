"""Maintenance mode across real processes: two ``aipair serve`` replicas and a worker on one database."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import psycopg
import pytest

from aipair.composition import Runtime
from aipair.config import Settings
from aipair.db.engine import DbContext, transaction
from aipair.db.urls import DatabaseUrls, libpq
from aipair.kit.clock import utcnow
from aipair.worker.tasks import prune_jobs
from tests.fixtures.processes import gateway_env, served_gateways
from tests.fixtures.staff import Staff, make_staff
from tests.fixtures.tenants import Tenant, make_api_key

CHAT = {"model": "local", "messages": [{"role": "user", "content": "Hello."}]}


@pytest.fixture(scope="module")
def replicas(settings: Settings, urls: DatabaseUrls) -> Iterator[list[str]]:
    env = gateway_env(
        AIPAIR_DATABASE_URL=urls.owner,
        AIPAIR_DATA_DIR=str(settings.data_path),
        AIPAIR_MAINTENANCE__REFRESH_S="30",  # agreement within a second must come from NOTIFY
        AIPAIR_LOG_LEVEL="WARNING",
    )
    with served_gateways(env, 2) as urls_:
        yield urls_


@pytest.fixture(scope="module")
def worker(settings: Settings, urls: DatabaseUrls) -> Iterator[None]:
    env = gateway_env(
        AIPAIR_DATABASE_URL=urls.owner,
        AIPAIR_DATA_DIR=str(settings.data_path),
        AIPAIR_MAINTENANCE__REFRESH_S="30",
        AIPAIR_WORKER__POLL_INTERVAL_S="0.2",
        AIPAIR_BACKUP__SCHEDULE="false",  # no daily backup of the shared test database
    )
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, "-m", "aipair", "worker"], env=env, stderr=log)
        yield
        process.terminate()
        process.wait(60)


def wait_until(check: object, timeout_s: float, step_s: float = 0.02) -> float:
    """Seconds until ``check()`` is true; fails after ``timeout_s``."""
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - started < timeout_s, "not within the time allowed"
        time.sleep(step_s)
    return time.monotonic() - started


async def job_state(runtime: Runtime, job_id: uuid.UUID) -> str:
    async with transaction(runtime.sessions, DbContext()) as session:
        job = await runtime.jobs.get(session, job_id)
        assert job is not None
        return job.state


async def test_maintenance_stops_customers_everywhere_and_lets_staff_and_probes_through(
    replicas: list[str], worker: None, runtime: Runtime, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    first, second = replicas
    admin = await make_staff(runtime, "SUPER_ADMIN")
    key = str((await make_api_key(client, tenant, scopes=["ai"]))["key"])
    customer = tenant.auth("ADMIN")
    assert httpx.get(f"{second}/api/limits", headers=customer).status_code == 200

    until = utcnow() + timedelta(minutes=5)
    body = {"emergency": True, "reason": "database upgrade", "until": until.isoformat()}
    assert httpx.post(f"{first}/api/maintenance/on", json=body, headers=admin.auth()).status_code == 200
    try:
        agreed = wait_until(
            lambda: httpx.get(f"{second}/api/limits", headers=customer).status_code == 503, 1.0
        )
        assert agreed < 1.0
        await _customers_refused_staff_and_probes_pass(second, customer, key, admin, until.timestamp())
        job_id = await _enqueue_during_window(runtime)
        time.sleep(1.5)  # the worker polls every 0.2 s: it would have taken the job by now
        assert await job_state(runtime, job_id) == "queued"
    finally:
        httpx.post(f"{second}/api/maintenance/off", headers=admin.auth())

    resumed = wait_until(lambda: httpx.get(f"{first}/api/limits", headers=customer).status_code == 200, 1.0)
    assert resumed < 1.0
    deadline = time.monotonic() + 30
    while await job_state(runtime, job_id) != "succeeded":
        assert time.monotonic() < deadline, "the job enqueued during the window did not run after it"
        time.sleep(0.2)


async def _customers_refused_staff_and_probes_pass(
    url: str, customer: dict[str, str], key: str, admin: Staff, until: float
) -> None:
    refused = httpx.get(f"{url}/api/limits", headers=customer)
    assert refused.json()["error"]["code"] == "maintenance"
    assert abs(time.time() + int(refused.headers["retry-after"]) - until) < 5
    ai = httpx.post(f"{url}/v1/chat/completions", json=CHAT, headers={"Authorization": f"Bearer {key}"})
    assert (
        ai.status_code == 503 and ai.json()["error"]["code"] == "maintenance" and "retry-after" in ai.headers
    )
    assert httpx.get(f"{url}/api/ops/incidents", headers=admin.auth()).status_code == 200
    assert httpx.get(f"{url}/health").status_code == 200
    assert httpx.get(f"{url}/metrics").status_code == 200
    notice = httpx.get(f"{url}/api/maintenance").json()
    assert notice["in_maintenance"] is True and notice["windows"][0]["reason"] == "database upgrade"


async def _enqueue_during_window(runtime: Runtime) -> uuid.UUID:
    async with transaction(runtime.sessions, DbContext()) as session:
        job = await prune_jobs.defer(session)
        return job.id


async def test_a_window_needs_48_hours_notice_unless_it_is_an_audited_emergency(
    client: httpx.AsyncClient, runtime: Runtime, urls: DatabaseUrls, tenant: Tenant
) -> None:
    admin = await make_staff(runtime, "SUPER_ADMIN")
    soon = (utcnow() + timedelta(hours=47)).isoformat()
    body = {"starts_at": soon, "duration_minutes": 60, "reason": "kernel patches"}
    refused = await client.post("/api/maintenance/windows", json=body, headers=admin.auth())
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "maintenance_notice_too_short"
    too_long = {**body, "starts_at": (utcnow() + timedelta(days=3)).isoformat(), "duration_minutes": 121}
    assert (
        await client.post("/api/maintenance/windows", json=too_long, headers=admin.auth())
    ).status_code == 422

    by_customer = await client.post("/api/maintenance/windows", json=body, headers=tenant.auth("OWNER"))
    assert by_customer.status_code == 403

    emergency = await client.post(
        "/api/maintenance/windows", json={**body, "emergency": True}, headers=admin.auth()
    )
    assert emergency.status_code == 201, emergency.text
    window = emergency.json()
    try:
        public = (await client.get("/api/maintenance")).json()
        assert window["id"] in [w["id"] for w in public["windows"]]
        with psycopg.connect(libpq(urls.owner)) as conn:
            audited = conn.execute(
                "SELECT action, actor_user_id, after->>'emergency' FROM audit_logs WHERE target_id = %s",
                [window["id"]],
            ).fetchall()
        assert audited == [("ops.maintenance.emergency", admin.user_id, "true")]
    finally:
        await client.post(f"/api/maintenance/windows/{window['id']}/cancel", headers=admin.auth())
