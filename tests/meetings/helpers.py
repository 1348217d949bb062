"""Helpers of the meeting tests: uploads through the API and jobs run in-process."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from aipair.cli.support import system_session
from aipair.composition import Runtime, start_runtime
from aipair.config import Settings
from aipair.tenancy.schemas import MemberProvision
from aipair.worker.registry import load_registry
from aipair.worker.runner import Worker
from tests.fixtures.tenants import Tenant

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


async def upload(
    client: httpx.AsyncClient,
    tenant: Tenant,
    role: str,
    filename: str,
    data: bytes,
    content_type: str = "application/octet-stream",
    **form: str,
) -> httpx.Response:
    """POST /api/meetings as ``role`` of ``tenant``."""
    fields = {"date": "2026-03-04", **form}
    return await client.post(
        "/api/meetings",
        files={"file": (filename, data, content_type)},
        data=fields,
        headers=tenant.auth(role),
    )


async def run_jobs(runtime: Runtime, concurrency: int = 2) -> None:
    """Run every ready job in this process until the queue is idle."""
    worker = Worker(runtime.services, load_registry(), runtime.settings.worker, concurrency=concurrency)
    await worker.run_until_idle()


async def processed_meeting(
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    role: str = "EMPLOYEE",
    name: str = "teams.vtt",
) -> dict[str, Any]:
    """Upload a unique copy of a sample, process it, return the meeting detail."""
    data = sample(name) + f"\n\nNOTE {uuid.uuid4()}\n".encode() if name.endswith(".vtt") else sample(name)
    response = await upload(client, tenant, role, name, data)
    assert response.status_code in (200, 202), response.text
    await run_jobs(runtime)
    detail = await client.get(f"/api/meetings/{response.json()['id']}", headers=tenant.auth(role))
    assert detail.status_code == 200, detail.text
    body: dict[str, Any] = detail.json()
    return body


async def processed_through_gateway(
    client: httpx.AsyncClient,
    runtime: Runtime,
    configured: Settings,
    tenant: Tenant,
    filename: str,
    data: bytes,
    content_type: str = "application/octet-stream",
    **form: str,
) -> dict[str, Any]:
    """Upload as an EMPLOYEE, run the jobs with a runtime built from ``configured`` (its gateway in front
    of mock upstreams), return the meeting detail."""
    gateway_runtime = await start_runtime(configured, runtime.urls)
    try:
        accepted = await upload(client, tenant, "EMPLOYEE", filename, data, content_type, **form)
        assert accepted.status_code == 202, accepted.text
        await run_jobs(gateway_runtime)
    finally:
        await gateway_runtime.close()
    detail = await client.get(f"/api/meetings/{accepted.json()['id']}", headers=tenant.auth("EMPLOYEE"))
    body: dict[str, Any] = detail.json()
    return body


async def add_named_member(runtime: Runtime, tenant: Tenant, name: str, role: str = "EMPLOYEE") -> uuid.UUID:
    """A member called ``name`` (so action items can be matched to them); returns the user id."""
    email = f"{name.lower().replace(' ', '.')}.{tenant.slug}@example.com"
    async with system_session(runtime) as (session, _):
        company = await runtime.tenancy.company_by_slug(session, tenant.slug)
        _, user, _ = await runtime.tenancy.provision_member(
            session, company, MemberProvision(email=email, role=role, name=name, password="Correct-Horse-42")
        )
        return user.id


async def wait_for_status(
    client: httpx.AsyncClient, tenant: Tenant, meeting_id: str, statuses: set[str], timeout_s: float = 90
) -> dict[str, Any]:
    """Poll the meeting until its status is one of ``statuses`` (for done/failed: and its job has
    finished too, since the job is marked succeeded just after the minutes are saved)."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = await client.get(f"/api/meetings/{meeting_id}", headers=tenant.auth("OWNER"))
        body: dict[str, Any] = response.json()
        job_state = (body.get("job") or {}).get("state")
        finished = body.get("status") not in ("done", "failed") or job_state not in ("queued", "running")
        if body.get("status") in statuses and finished:
            return body
        assert time.monotonic() < deadline, f"meeting stuck in {body.get('status')}: {body.get('job')}"
        await asyncio.sleep(0.2)


async def foreign_meeting_ids(
    client: httpx.AsyncClient, victim: Tenant, runtime: Runtime
) -> dict[str, uuid.UUID]:
    """A processed meeting of ``victim`` and one of its action items (for the isolation walk)."""
    detail = await processed_meeting(client, runtime, victim, role="OWNER")
    return {"meeting_id": uuid.UUID(detail["id"]), "item_id": uuid.UUID(detail["action_items"][0]["id"])}
