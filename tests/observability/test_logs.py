"""In production the log is JSON: one line per request with its route, status, duration, request id and
company."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from aipair.observability.logging import configure_logging
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
