"""What the company's audit view shows of meetings: uploads, reviews, deletions and budget waits."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import psycopg

from aipair.composition import Runtime
from aipair.db.urls import libpq
from tests.fixtures.tenants import Tenant
from tests.meetings.helpers import processed_meeting, run_jobs, sample, upload
from tests.meetings.test_llm_engine import FakeModel, with_model


def unique_vtt() -> bytes:
    return sample("teams.vtt") + f"\nNOTE {uuid.uuid4()}\n".encode()


async def audit_entries(
    client: httpx.AsyncClient, tenant: Tenant, action: str, target_id: str
) -> list[dict[str, Any]]:
    """The company's audit entries of ``action`` on ``target_id``, as its ADMIN sees them."""
    response = await client.get(
        "/api/audit", params={"action": action, "target_id": target_id}, headers=tenant.auth("ADMIN")
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def run_now(runtime: Runtime, job_id: str) -> None:
    """Let a job that waits for budget run again at once."""
    with psycopg.connect(libpq(runtime.urls.owner)) as conn:
        conn.execute("UPDATE jobs SET run_after = now() WHERE id = %s", [job_id])


async def test_an_upload_is_audited_once_and_the_same_file_again_adds_no_entry(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = unique_vtt()
    first = await upload(client, tenant, "EMPLOYEE", "sync.vtt", data, "text/vtt", title="Weekly sync")
    meeting_id = first.json()["id"]
    again = await upload(client, tenant, "MANAGER", "copy.vtt", data, "text/vtt")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    [created] = await audit_entries(client, tenant, "meetings.meeting", meeting_id)
    assert created["action"] == "meetings.meeting.create" and created["actor_type"] == "user"
    assert created["after"]["title"] == "Weekly sync" and created["after"]["status"] == "queued"
    assert created["after"]["job_id"] == first.json()["job"]["id"]
    assert "content" not in created["after"] and created["before"] is None


async def test_reviewing_an_item_and_deleting_the_meeting_show_before_and_after(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    detail = await processed_meeting(client, runtime, tenant, role="EMPLOYEE")
    item_id = detail["action_items"][0]["id"]
    patched = await client.patch(
        f"/api/action-items/{item_id}", json={"status": "rejected"}, headers=tenant.auth("EMPLOYEE")
    )
    assert patched.status_code == 200, patched.text
    [review] = await audit_entries(client, tenant, "meetings.action_item.update", item_id)
    assert (review["before"]["status"], review["after"]["status"]) == ("draft", "rejected")
    assert review["target_type"] == "action_item"
    assert (
        await client.delete(f"/api/meetings/{detail['id']}", headers=tenant.auth("OWNER"))
    ).status_code == 204
    [deleted] = await audit_entries(client, tenant, "meetings.meeting.delete", detail["id"])
    assert deleted["before"]["status"] == "done" and "content" not in deleted["before"]
    assert deleted["after"]["deleted"] is True and deleted["actor_role"] == "OWNER"


async def test_admins_are_told_once_per_budget_wait_not_on_every_retry(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    accepted = (await upload(client, tenant, "EMPLOYEE", "c.vtt", unique_vtt(), engine="llm")).json()
    meeting_id, job_id = accepted["id"], accepted["job"]["id"]
    await run_jobs(with_model(runtime, FakeModel(headroom=10)))
    run_now(runtime, job_id)
    await run_jobs(with_model(runtime, FakeModel(headroom=10)))
    waits = await audit_entries(client, tenant, "meetings.meeting.awaiting_budget", meeting_id)
    assert len(waits) == 1
    [wait] = waits
    assert wait["actor_type"] == "system" and wait["actor_user_id"] is None
    assert wait["after"]["status"] == "awaiting_budget" and wait["after"]["budget_left_micro_usd"] == 10
    assert wait["after"]["estimated_cost_micro_usd"] > 10 and "budget" in wait["reason"]
    run_now(runtime, job_id)
    await run_jobs(with_model(runtime, FakeModel(headroom=10**9)))
    reprocess = await client.post(f"/api/meetings/{meeting_id}/reprocess", headers=tenant.auth("EMPLOYEE"))
    assert reprocess.status_code == 202, reprocess.text
    await run_jobs(with_model(runtime, FakeModel(headroom=10)))
    assert len(await audit_entries(client, tenant, "meetings.meeting.awaiting_budget", meeting_id)) == 2
