# ruff: noqa: W291  (the runbook query is kept verbatim, trailing spaces included)
"""Budget alerts fire once per threshold, the usage API and the runbook's capacity query see usage."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from ipaddress import ip_network

import httpx
import openai
import psycopg
import pytest
from bench.mock_upstream import MockUpstream

from aipair.composition import Runtime
from aipair.config import Settings, WebhookSettings
from aipair.db.urls import libpq
from tests.fixtures.database import initialised_runtime
from tests.fixtures.live_gateway import LiveGateway, control
from tests.fixtures.tenants import Tenant, make_api_key
from tests.gateway.conftest import MESSAGES, sdk, usage_rows
from tests.meetings.helpers import run_jobs

pytestmark = pytest.mark.usefixtures("healthy_upstreams")
RUNBOOK_CAPACITY_QUERY = """SELECT company_id, 
       current_usage->>'users' as users,
       current_usage->>'ai_requests' as ai_requests,
       current_usage->>'storage_mb' as storage_mb
FROM company_limits 
WHERE current_usage->>'ai_requests' > '8000';"""


async def test_alerts_fire_once_per_threshold_and_the_first_refusal_fires_the_100_percent_alert(
    gateway: LiveGateway,
    upstreams: tuple[MockUpstream, MockUpstream],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
    runtime: Runtime,
) -> None:
    primary, _ = upstreams
    # Each answer uses all of its 5,000 tokens: 5,000 x $0.60/M = $0.003, i.e. 30 % of a $0.01 budget.
    control(primary, usage={"prompt_tokens": 0, "completion_tokens": 5_000, "total_tokens": 5_000})
    hook = f"http://127.0.0.1:{primary.port}/__hooks"
    admin = tenant.auth("ADMIN")
    put = await client.put("/api/budget", json={"monthly_budget_usd": "0.01"}, headers=admin)
    assert put.status_code == 200, put.text
    # The receiver listens on loopback, which only an operator's allow-list admits: stored as the owner.
    with psycopg.connect(libpq(runtime.urls.owner), autocommit=True) as conn:
        conn.execute("UPDATE companies SET budget_webhook_url = %s WHERE id = %s", (hook, tenant.id))
    api = sdk(gateway, str((await make_api_key(client, tenant))["key"]))
    for _ in range(3):
        await api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=5_000)
    with pytest.raises(openai.RateLimitError) as refused:
        await api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=5_000)
    assert refused.value.code == "insufficient_quota"
    with pytest.raises(openai.RateLimitError):  # a second refusal alerts nobody again
        await api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=5_000)
    for _ in range(50):
        alerts = (await client.get("/api/budget/alerts", headers=admin)).json()
        if len(alerts) >= 3:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.2)
    # 90 % is spent: the refused call's worst case did not fit, so the budget is reached for this client.
    alerts = (await client.get("/api/budget/alerts", headers=admin)).json()
    assert sorted(a["threshold_percent"] for a in alerts) == [50, 80, 100]
    hooks = WebhookSettings(allowed_networks=[ip_network("127.0.0.1/32")])
    async with initialised_runtime(settings.model_copy(update={"webhooks": hooks}), runtime.urls) as worker:
        await run_jobs(worker)
    delivered = [h for h in httpx.get(hook).json() if h["data"]["company_id"] == str(tenant.id)]
    assert sorted(h["data"]["threshold_percent"] for h in delivered) == [50, 80, 100]
    assert {h["data"]["budget_usd"] for h in delivered} == {"0.010000"}  # amounts as decimal strings
    assert all(isinstance(h["data"]["spent_usd"], str) for h in delivered)
    budget = (await client.get("/api/budget", headers=admin)).json()
    assert budget["spent_usd"] == "0.009000" and budget["requests"] == 3


async def test_usage_api_groups_by_model_day_and_key_and_capacity_query_sees_it(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    key = await make_api_key(client, tenant)
    api = sdk(gateway, str(key["key"]))
    for model in ("gpt-4o-mini", "gpt-4o-mini", "resilient", "local"):
        await api.chat.completions.create(model=model, messages=MESSAGES)
    assert len(usage_rows(settings, tenant.id)) == 4  # settled (just after each answer was sent)
    headers = tenant.auth("ADMIN")
    by_model = (await client.get("/api/usage", params={"group_by": "model"}, headers=headers)).json()
    # Grouped by the name each call asked for (an alias too), not by the provider's model behind it.
    assert {i["key"]: i["requests"] for i in by_model["items"]} == {
        "gpt-4o-mini": 2,
        "local": 1,
        "resilient": 1,
    }
    assert by_model["totals"]["requests"] == 4 and by_model["totals"]["cost_usd"] == "0.000018"
    served = (await client.get("/api/usage", params={"group_by": "provider_model"}, headers=headers)).json()
    assert {i["key"]: i["requests"] for i in served["items"]} == {"gpt-4o-mini": 3, "local-extractive": 1}
    by_day = (await client.get("/api/usage", params={"group_by": "day"}, headers=headers)).json()
    assert [i["key"] for i in by_day["items"]] == [datetime.now(UTC).date().isoformat()]
    by_key = (await client.get("/api/usage", params={"group_by": "key"}, headers=headers)).json()
    assert [(i["key"], i["name"], i["prefix"]) for i in by_key["items"]] == [
        (key["id"], key["name"], key["prefix"])
    ]
    assert settings.database_url is not None
    with psycopg.connect(libpq(settings.database_url.get_secret_value())) as conn:
        conn.execute(
            "UPDATE usage_counters SET requests = requests + 8001 WHERE company_id = %s", [tenant.id]
        )
        rows = conn.execute(RUNBOOK_CAPACITY_QUERY).fetchall()
    assert (tenant.id, "4", "8005") in [tuple(r[:3]) for r in rows]
