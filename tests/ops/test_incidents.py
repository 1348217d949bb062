"""Incident records: the runbook's response deadlines, overdue ones flagged, every transition audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import psycopg
import pytest

from aipair.composition import Runtime
from aipair.db.urls import DatabaseUrls, libpq
from tests.fixtures.staff import Staff, make_staff
from tests.fixtures.tenants import Tenant

DEADLINES = {
    "P0": timedelta(minutes=15),
    "P1": timedelta(hours=1),
    "P2": timedelta(hours=4),
    "P3": timedelta(hours=24),
}

# What the audit trail holds for an incident opened, acknowledged, noted and resolved.
AUDITED_TRANSITIONS = [
    "ops.incident.open",
    "ops.incident.acknowledge",
    "ops.incident.note",
    "ops.incident.resolve",
]


@pytest.fixture
async def staff(runtime: Runtime) -> Staff:
    return await make_staff(runtime, "SUPPORT")


async def open_incident(
    client: httpx.AsyncClient, staff: Staff, severity: str, title: str
) -> dict[str, object]:
    response = await client.post(
        "/api/ops/incidents", json={"severity": severity, "title": title}, headers=staff.auth()
    )
    assert response.status_code == 201, response.text
    opened: dict[str, object] = response.json()
    return opened


@pytest.mark.parametrize("severity", sorted(DEADLINES))
async def test_the_response_deadline_follows_the_escalation_matrix(
    client: httpx.AsyncClient, staff: Staff, severity: str
) -> None:
    incident = await open_incident(client, staff, severity, f"{severity} checkout errors")
    opened = datetime.fromisoformat(str(incident["opened_at"]))
    due = datetime.fromisoformat(str(incident["response_due_at"]))
    assert due - opened == DEADLINES[severity]
    assert incident["status"] == "open" and incident["overdue"] is False


async def test_an_unacknowledged_incident_past_its_deadline_is_listed_as_overdue(
    client: httpx.AsyncClient, staff: Staff, urls: DatabaseUrls
) -> None:
    late = await open_incident(client, staff, "P0", "API down")
    answered = await open_incident(client, staff, "P0", "Login errors")
    with psycopg.connect(libpq(urls.owner), autocommit=True) as conn:  # twenty minutes pass
        conn.execute(
            "UPDATE incidents SET opened_at = opened_at - interval '20 minutes',"
            " response_due_at = response_due_at - interval '20 minutes' WHERE id = ANY(%s)",
            [[late["id"], answered["id"]]],
        )
    acked = await client.post(f"/api/ops/incidents/{answered['id']}/ack", headers=staff.auth())
    assert acked.json()["acknowledged_late"] is True and acked.json()["overdue"] is False

    overdue = (
        await client.get("/api/ops/incidents", params={"overdue": "true"}, headers=staff.auth())
    ).json()
    ids = [i["id"] for i in overdue]
    assert late["id"] in ids and answered["id"] not in ids
    assert all(i["overdue"] for i in overdue)


async def test_every_transition_is_in_the_timeline_and_the_audit_trail(
    client: httpx.AsyncClient, staff: Staff, urls: DatabaseUrls
) -> None:
    incident = await open_incident(client, staff, "P1", "Slow responses")
    url = f"/api/ops/incidents/{incident['id']}"
    assert (await client.post(f"{url}/ack", headers=staff.auth())).status_code == 200
    assert (await client.post(f"{url}/ack", headers=staff.auth())).status_code == 409
    noted = await client.post(f"{url}/notes", json={"body": "Pool at 95 %, raising it"}, headers=staff.auth())
    assert noted.status_code == 200
    resolved = await client.post(
        f"{url}/resolve", json={"resolution": "DB_POOL_SIZE 20"}, headers=staff.auth()
    )
    assert resolved.json()["status"] == "resolved" and resolved.json()["seconds_to_resolve"] >= 0

    detail = (await client.get(url, headers=staff.auth())).json()
    assert [e["kind"] for e in detail["timeline"]] == ["opened", "acknowledged", "note", "resolved"]
    assert detail["timeline"][2]["body"] == "Pool at 95 %, raising it"
    with psycopg.connect(libpq(urls.owner)) as conn:
        rows = conn.execute(
            "SELECT action, actor_user_id FROM audit_logs WHERE target_id = %s ORDER BY seq", [incident["id"]]
        ).fetchall()
    assert [r[0] for r in rows] == AUDITED_TRANSITIONS
    assert {r[1] for r in rows} == {staff.user_id}


async def test_customers_see_no_incident_records(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for role in ("OWNER", "ADMIN"):
        listed = await client.get("/api/ops/incidents", headers=tenant.auth(role))
        assert listed.status_code == 403 and listed.json()["error"]["code"] == "ops_staff_only"
        opened = await client.post(
            "/api/ops/incidents", json={"severity": "P3", "title": "mine"}, headers=tenant.auth(role)
        )
        assert opened.status_code == 403
