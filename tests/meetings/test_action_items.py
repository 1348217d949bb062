"""Action items: owners see theirs, members confirm, edit or reject them; others' items stay hidden."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from aipair.composition import Runtime
from tests.fixtures.tenants import Tenant
from tests.meetings.helpers import add_named_member, processed_meeting


async def bearer(runtime: Runtime, user_id: uuid.UUID, tenant: Tenant) -> dict[str, str]:
    issued = await runtime.auth._start_session(user_id, tenant.slug)
    return {"Authorization": f"Bearer {issued.access_token}"}


@pytest.fixture
async def team(runtime: Runtime, tenant: Tenant) -> dict[str, Any]:
    priya = await add_named_member(runtime, tenant, "Priya Natarajan")
    bob = await add_named_member(runtime, tenant, "Bob Chen")
    return {
        "priya": priya,
        "bob": bob,
        "priya_auth": await bearer(runtime, priya, tenant),
        "bob_auth": await bearer(runtime, bob, tenant),
    }


def item(detail: dict[str, Any], task_start: str) -> dict[str, Any]:
    found: dict[str, Any] = next(i for i in detail["action_items"] if i["task"].startswith(task_start))
    return found


async def test_owners_list_their_items_and_confirm_them(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, team: dict[str, Any]
) -> None:
    detail = await processed_meeting(client, runtime, tenant, role="EMPLOYEE")
    mine = (await client.get("/api/action-items?owner=me", headers=team["priya_auth"])).json()["items"]
    assert [(i["task"], i["due_date"]) for i in mine] == [("Prepare the hiring budget", "2026-03-31")]
    assert mine[0]["sources"][0]["index"] == 2
    confirmed = await client.patch(
        f"/api/action-items/{mine[0]['id']}", json={"status": "confirmed"}, headers=team["priya_auth"]
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["updated_by"] == str(team["priya"])
    reread = (await client.get(f"/api/meetings/{detail['id']}", headers=tenant.auth("EMPLOYEE"))).json()
    assert item(reread, "Prepare the hiring")["status"] == "confirmed"


async def test_a_member_who_can_see_neither_the_meeting_nor_the_item_gets_404(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, team: dict[str, Any]
) -> None:
    detail = await processed_meeting(client, runtime, tenant, role="EMPLOYEE")
    priyas = item(detail, "Prepare the hiring")
    response = await client.patch(
        f"/api/action-items/{priyas['id']}", json={"status": "rejected"}, headers=team["bob_auth"]
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "action_item_not_found"
    assert (await client.get(f"/api/meetings/{detail['id']}", headers=team["priya_auth"])).status_code == 404


async def test_edits_mark_the_item_edited_and_owners_must_be_members(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, team: dict[str, Any]
) -> None:
    detail = await processed_meeting(client, runtime, tenant, role="EMPLOYEE")
    roadmap = item(detail, "Send the roadmap")
    assert roadmap["owner_user_id"] == str(team["bob"])
    url = f"/api/action-items/{roadmap['id']}"
    edit = {"task": "Send the Q3 roadmap to the board", "due_date": "2026-03-06", "due_text": "by Friday"}
    edited = await client.patch(url, json=edit, headers=tenant.auth("EMPLOYEE"))
    assert edited.status_code == 200
    assert (edited.json()["status"], edited.json()["task"], edited.json()["due_date"]) == (
        "edited",
        "Send the Q3 roadmap to the board",
        "2026-03-06",
    )
    stranger = await client.patch(
        url, json={"owner_user_id": str(uuid.uuid4())}, headers=tenant.auth("MANAGER")
    )
    assert stranger.status_code == 422 and stranger.json()["error"]["code"] == "owner_not_member"
    moved = await client.patch(
        url, json={"owner_user_id": str(team["priya"])}, headers=tenant.auth("MANAGER")
    )
    assert (moved.json()["owner_user_id"], moved.json()["owner_name"]) == (
        str(team["priya"]),
        "Priya Natarajan",
    )
    rejected = await client.patch(url, json={"status": "rejected"}, headers=tenant.auth("MANAGER"))
    assert rejected.json()["status"] == "rejected"
    assert (await client.patch(url, json={}, headers=tenant.auth("MANAGER"))).status_code == 422
    assert (
        await client.patch(url, json={"status": "draft"}, headers=tenant.auth("MANAGER"))
    ).status_code == 422


async def test_owner_me_needs_a_person_and_lists_only_the_callers_items(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, team: dict[str, Any]
) -> None:
    await processed_meeting(client, runtime, tenant, role="EMPLOYEE")
    bobs = (await client.get("/api/action-items?owner=me", headers=team["bob_auth"])).json()["items"]
    assert [i["task"] for i in bobs] == ["Send the roadmap to the board"]
    everything = (await client.get("/api/action-items", headers=tenant.auth("MANAGER"))).json()["items"]
    assert len(everything) == 2
    bad = await client.get("/api/action-items?owner=someone", headers=tenant.auth("MANAGER"))
    assert bad.status_code == 422
