from __future__ import annotations

import httpx

from aipair.runtime import Runtime
from tests.fixtures.tenants import Tenant
from tests.meetings.helpers import processed_meeting


async def test_smoke(client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant) -> None:
    detail = await processed_meeting(client, runtime, tenant)
    print(detail)
    assert detail["status"] == "done"
