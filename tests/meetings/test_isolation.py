"""Another company's meetings and action items: invisible, untouchable, never counted."""

from __future__ import annotations

import httpx

from aipair.composition import Runtime
from tests.fixtures.tenants import Tenant
from tests.meetings.helpers import foreign_meeting_ids


async def test_another_companys_meeting_cannot_be_seen_changed_or_deleted(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    ids = await foreign_meeting_ids(client, other_tenant, runtime)
    meeting, item = f"/api/meetings/{ids['meeting_id']}", f"/api/action-items/{ids['item_id']}"
    for method, url, body in [
        ("DELETE", meeting, None),
        ("POST", f"{meeting}/reprocess", {"engine": "llm"}),
        ("PATCH", item, {"status": "rejected"}),
    ]:
        response = await client.request(method, url, json=body, headers=tenant.auth("OWNER"))
        assert response.status_code == 404, (method, url, response.text)
    assert (await client.get("/api/meetings", headers=tenant.auth("OWNER"))).json()["items"] == []
    assert (await client.get("/api/action-items", headers=tenant.auth("OWNER"))).json()["items"] == []
    untouched = (await client.get(meeting, headers=other_tenant.auth("OWNER"))).json()
    assert untouched["status"] == "done" and untouched["engine"] == "local"
    assert all(i["status"] == "draft" for i in untouched["action_items"])
