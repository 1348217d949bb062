"""In production the log is JSON: one line per request with its route, status, duration, request id and
company, and one per job with its id, name and outcome."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import httpx
import pytest

from aipair.composition import Runtime
from aipair.config import WorkerSettings
from aipair.db.engine import DbContext, transaction
from aipair.observability.logging import configure_logging
from aipair.worker.context import JobContext
from aipair.worker.errors import PermanentFailure
from aipair.worker.jobs import JobGroup
from aipair.worker.registry import JobRegistry
from aipair.worker.runner import Worker
from tests.fixtures.tenants import Tenant


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """JSON logs, as ``AIPAIR_ENV=production`` has them, written to a buffer instead of standard error."""
    root = logging.getLogger()
    handlers, level = root.handlers, root.level
    configure_logging("INFO", json=True)
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    root.handlers, root.level = handlers, level


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def test_each_request_is_one_json_line_with_route_status_duration_request_id_and_company(
    client: httpx.AsyncClient, tenant: Tenant, json_logs: io.StringIO
) -> None:
    member = next(iter(tenant.member_ids.values()))
    response = await client.get(f"/api/members/{member}", headers=tenant.auth("OWNER"))
    assert response.status_code == 200
    requests = [line for line in _lines(json_logs.getvalue()) if line.get("event") == "request"]
    assert len(requests) == 1
    line = requests[0]
    assert line["route"] == "/api/members/{member_id}" and line["path"] == f"/api/members/{member}"
    assert line["status"] == 200 and line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["company_id"] == str(tenant.id)
    assert line["level"] == "info" and line["timestamp"]


async def test_each_job_is_one_json_line_with_its_id_name_and_outcome(
    runtime: Runtime, json_logs: io.StringIO
) -> None:
    group = JobGroup(f"t{uuid.uuid4().hex[:10]}")

    @group.job("tidy")
    async def tidy(ctx: JobContext) -> None:
        return None

    @group.job("refuse")
    async def refuse(ctx: JobContext) -> None:
        raise PermanentFailure("the input is unusable")

    async with transaction(runtime.sessions, DbContext()) as session:
        tidy_id = (await tidy.defer(session)).id
        refuse_id = (await refuse.defer(session)).id
    registry = JobRegistry()
    registry.add(group)
    fast = WorkerSettings(poll_interval_s=0.05, lease_s=1.0, shutdown_grace_s=0.2)
    await Worker(runtime.services, registry, fast, concurrency=1).run_until_idle()
    jobs = {line["job_id"]: line for line in _lines(json_logs.getvalue()) if "job_id" in line}
    succeeded, failed = jobs[str(tidy_id)], jobs[str(refuse_id)]
    assert succeeded["event"] == "job_succeeded" and succeeded["job"] == f"{group.domain}.tidy"
    assert isinstance(succeeded["seconds"], float) and succeeded["level"] == "info"
    assert failed["event"] == "job_failed" and failed["job"] == f"{group.domain}.refuse"
    assert failed["state"] == "failed" and failed["error"].endswith("the input is unusable")
    assert failed["level"] == "warning"
