"""Webhooks end to end: URLs checked when set and again at every attempt, deliveries through the job queue
to a real receiver on loopback, signed so that the receiver's recipe of ``docs/webhooks.md`` verifies
them, retried after a server error, never following a redirect, and logged for the company's owner."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from ipaddress import ip_network
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from aipair.composition import Runtime
from aipair.config import Settings, WebhookSettings
from aipair.db.urls import DatabaseUrls
from tests.fixtures.database import app_on, initialised_runtime
from tests.fixtures.operators import OwnerSql
from tests.fixtures.receiver import Receiver, receiver_on_loopback
from tests.fixtures.tenants import Tenant, make_tenant
from tests.meetings.helpers import run_jobs


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance_s: int = 300) -> bool:
    """The receiver's recipe, as ``docs/webhooks.md`` gives it."""
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(mac).decode()
    return any(hmac.compare_digest(expected, given) for given in headers["webhook-signature"].split())


@pytest.fixture(scope="module")
async def loopback_runtime(settings: Settings, urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    """A platform whose operator allows webhooks to 127.0.0.1 only (where the test receivers listen)."""
    hooks = WebhookSettings(allowed_networks=[ip_network("127.0.0.1/32")], max_attempts=3)
    async with initialised_runtime(settings.model_copy(update={"webhooks": hooks}), urls) as built:
        yield built


@pytest.fixture
async def api(loopback_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = app_on(loopback_runtime.settings, loopback_runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiver_on_loopback() as listening:
        yield listening


async def set_webhook(api: httpx.AsyncClient, tenant: Tenant, url: str) -> str:
    """Set the company's webhook as its OWNER; the signing secret shown once."""
    answer = await api.put("/api/budget", json={"webhook_url": url}, headers=tenant.auth("OWNER"))
    assert answer.status_code == 200, answer.text
    secret = answer.json()["webhook_secret"]
    assert secret.startswith("whsec_")
    return str(secret)


async def queue_alert(runtime: Runtime, tenant: Tenant, url: str) -> None:
    data = {"threshold_percent": 80, "budget_usd": "100.000000", "spent_usd": "80.412300"}
    event = "budget.threshold_crossed"
    assert await runtime.webhooks.enqueue(tenant.id, url, event, uuid.uuid4().hex, data)


async def deliveries(api: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    answer = await api.get("/api/webhooks/deliveries", headers=tenant.auth("OWNER"))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()
    return items


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:{port}/hooks", "http://10.0.0.1/hooks", "http://localhost:{port}/hooks"],
)
async def test_an_internal_webhook_url_is_refused_when_set(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver, url: str
) -> None:
    answer = await client.put(
        "/api/budget", json={"webhook_url": url.format(port=receiver.port)}, headers=tenant.auth("OWNER")
    )

    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "webhook_target_refused"
    assert (await client.get("/api/budget", headers=tenant.auth("OWNER"))).json()["webhook_url"] is None


async def test_a_delivery_is_signed_and_the_receiver_verifies_it_with_the_documented_recipe(
    api: httpx.AsyncClient, loopback_runtime: Runtime, receiver: Receiver
) -> None:
    tenant = await make_tenant(loopback_runtime)
    secret = await set_webhook(api, tenant, receiver.url)

    await queue_alert(loopback_runtime, tenant, receiver.url)
    await run_jobs(loopback_runtime)

    [got] = receiver.received
    assert verify(secret, got.headers, got.body)
    assert not verify(secret, got.headers, got.body + b" ")  # a changed body fails
    other = "whsec_" + base64.b64encode(b"k" * 32).decode()
    assert not verify(other, got.headers, got.body)
    payload = orjson.loads(got.body)
    assert payload["type"] == "budget.threshold_crossed"
    assert Decimal(payload["data"]["spent_usd"]) == Decimal("80.4123")
    [logged] = await deliveries(api, tenant)
    assert logged["status"] == "delivered" and logged["message_id"] == got.headers["webhook-id"]
    assert [(a["status_code"], a["outcome"]) for a in logged["attempts"]] == [(204, "delivered")]


async def test_a_rotated_secret_signs_beside_the_old_one_for_the_grace_period(
    api: httpx.AsyncClient, loopback_runtime: Runtime, receiver: Receiver
) -> None:
    tenant = await make_tenant(loopback_runtime)
    old = await set_webhook(api, tenant, receiver.url)
    rotated = await api.post("/api/webhooks/secret", json={"grace_hours": 2}, headers=tenant.auth("OWNER"))
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()["secret"]

    await queue_alert(loopback_runtime, tenant, receiver.url)
    await run_jobs(loopback_runtime)

    [got] = receiver.received
    assert verify(new, got.headers, got.body) and verify(old, got.headers, got.body)


async def test_a_server_error_is_retried_by_the_queue_and_every_attempt_is_logged_without_the_body(
    api: httpx.AsyncClient, loopback_runtime: Runtime, receiver: Receiver, owner_sql: OwnerSql
) -> None:
    tenant = await make_tenant(loopback_runtime)
    await set_webhook(api, tenant, receiver.url)
    receiver.statuses = [503, 200]

    await queue_alert(loopback_runtime, tenant, receiver.url)
    await run_jobs(loopback_runtime)
    [waiting] = await deliveries(api, tenant)
    assert waiting["status"] == "pending" and len(receiver.received) == 1
    retry = await owner_sql(
        "UPDATE jobs SET run_after = now() WHERE name = 'webhooks.deliver' AND state = 'queued'"
        " AND args->>'delivery_id' = %s RETURNING run_after",
        waiting["id"],
    )
    assert len(retry) == 1  # the queue holds the retry, waiting for its backoff
    await run_jobs(loopback_runtime)

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]  # receivers drop duplicates by it
    [logged] = await deliveries(api, tenant)
    assert logged["status"] == "delivered"
    assert [(a["status_code"], a["outcome"]) for a in logged["attempts"]] == [
        (503, "http_error"),
        (200, "delivered"),
    ]
    assert all(set(a) >= {"status_code", "outcome"} and "body" not in a for a in logged["attempts"])


async def test_a_redirect_to_loopback_is_not_followed_even_when_loopback_is_allowed(
    api: httpx.AsyncClient, loopback_runtime: Runtime, receiver: Receiver
) -> None:
    tenant = await make_tenant(loopback_runtime)
    await set_webhook(api, tenant, receiver.url)
    with receiver_on_loopback() as elsewhere:
        receiver.statuses = [307]
        receiver.location = elsewhere.url

        await queue_alert(loopback_runtime, tenant, receiver.url)
        await run_jobs(loopback_runtime)

        assert elsewhere.received == []
    [logged] = await deliveries(api, tenant)
    assert logged["status"] == "failed"
    assert [(a["status_code"], a["outcome"]) for a in logged["attempts"]] == [(307, "redirect_not_followed")]


async def test_a_name_that_resolves_to_loopback_is_refused_at_delivery(
    client: httpx.AsyncClient, runtime: Runtime, receiver: Receiver
) -> None:
    """A URL stored earlier whose name now resolves to loopback (DNS changed since) is not called."""
    tenant = await make_tenant(runtime)
    url = f"http://localhost:{receiver.port}/hooks"

    await queue_alert(runtime, tenant, url)
    await run_jobs(runtime)

    assert receiver.received == []
    [logged] = await deliveries(client, tenant)
    assert logged["status"] == "failed"
    assert [(a["status_code"], a["outcome"]) for a in logged["attempts"]] == [(None, "address_not_allowed")]


async def test_a_direct_loopback_address_is_refused_at_delivery(
    client: httpx.AsyncClient, runtime: Runtime, receiver: Receiver
) -> None:
    tenant = await make_tenant(runtime)

    await queue_alert(runtime, tenant, receiver.url)
    await run_jobs(runtime)

    assert receiver.received == []
    [logged] = await deliveries(client, tenant)
    assert [a["outcome"] for a in logged["attempts"]] == ["address_not_allowed"]


async def test_members_below_admin_and_other_companies_read_no_delivery_log(
    api: httpx.AsyncClient, loopback_runtime: Runtime, receiver: Receiver
) -> None:
    tenant, other = await make_tenant(loopback_runtime), await make_tenant(loopback_runtime)
    await set_webhook(api, tenant, receiver.url)
    await queue_alert(loopback_runtime, tenant, receiver.url)
    await run_jobs(loopback_runtime)

    manager = await api.get("/api/webhooks/deliveries", headers=tenant.auth("MANAGER"))

    assert manager.status_code == 403
    assert await deliveries(api, other) == []
