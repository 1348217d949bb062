"""Key-use security signals through a real gateway: refusals per key, new addresses, off-hours use,
spend and error spikes, read by platform staff through the API and ``aipair report security``."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from ipaddress import ip_network
from typing import Any, TypeVar

import httpx
import openai
import pytest
from bench.mock_upstream import MockUpstream

from aipair.config import SecuritySignalSettings, Settings
from tests.fixtures.live_gateway import MESSAGES, LiveGateway, gateway_settings, live_gateway, sdk
from tests.fixtures.operators import Cli, OwnerSql
from tests.fixtures.staff import Staff
from tests.fixtures.tenants import Tenant, make_api_key, random_ip

pytestmark = pytest.mark.usefixtures("healthy_upstreams")
T = TypeVar("T")
SIGNALS = SecuritySignalSettings(
    flush_interval_s=0.2,
    spike_check_interval_s=0.5,
    working_hours_cache_s=0,
    spend_spike_floor_usd=Decimal("0.50"),
    error_spike_floor=10,
)


@pytest.fixture(scope="module")
def signals_settings(settings: Settings, upstreams: tuple[MockUpstream, MockUpstream]) -> Settings:
    auth = settings.auth.model_copy(update={"trusted_proxies": [ip_network("127.0.0.1/32")]})
    return gateway_settings(settings, upstreams, signals=SIGNALS, auth=auth)


@pytest.fixture(scope="module")
def gateway(signals_settings: Settings) -> Iterator[LiveGateway]:
    """A gateway that writes its signals every 0.2 s and looks for spikes every 0.5 s."""
    with live_gateway(signals_settings) as live:
        yield live


async def eventually(read: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout_s: float = 15) -> T:
    """``read()`` again until ``done`` holds (the signals are written in the background)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await read()
        if done(value) or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.1)


async def key_events(
    client: httpx.AsyncClient, staff: Staff, key_id: object, **filters: str
) -> list[dict[str, Any]]:
    params = {"api_key_id": str(key_id), "limit": "200", **filters}
    response = await client.get("/api/security/events", params=params, headers=staff.auth())
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def reasons(
    client: httpx.AsyncClient, staff: Staff, key_id: object, reason: str
) -> list[dict[str, Any]]:
    return await key_events(client, staff, key_id, kind="unusual_key_use", reason=reason)


async def call(gateway: LiveGateway, key: str, ip: str, times: int = 1) -> int:
    """``times`` chat calls from ``ip``; how many were refused with 429."""
    api = sdk(gateway, key, default_headers={"X-Forwarded-For": ip})
    refused = 0
    for _ in range(times):
        try:
            await api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        except openai.RateLimitError:
            refused += 1
    return refused


def rejections_metric(gateway: LiveGateway, kind: str, limit: str) -> float:
    text = httpx.get(f"{gateway.url}/metrics", timeout=5).text
    pattern = rf'^aipair_gateway_rejections_total\{{kind="{kind}",limit="{limit}"\}} (\S+)$'
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_calls_over_a_keys_rpm_are_counted_per_key_in_few_rows(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, support: Staff, owner_sql: OwnerSql
) -> None:
    key = await make_api_key(client, tenant, requests_per_minute=2)
    ip = random_ip()
    before = rejections_metric(gateway, "rate_limited", "key_rpm")
    api = sdk(gateway, str(key["key"]), default_headers={"X-Forwarded-For": ip})
    outcomes = await asyncio.gather(
        *(api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES) for _ in range(30)),
        return_exceptions=True,
    )
    refused = sum(isinstance(o, openai.RateLimitError) for o in outcomes)
    assert refused >= 26  # 2 admitted (a minute boundary during the burst may admit 2 more)

    async def per_key() -> list[dict[str, Any]]:
        params = {"company_id": str(tenant.id)}
        response = await client.get("/api/security/key-rejections", params=params, headers=support.auth())
        assert response.status_code == 200, response.text
        rows: list[dict[str, Any]] = response.json()
        return rows

    rows = await eventually(per_key, lambda rows: sum(r["rejections"] for r in rows) >= refused)
    assert [(r["api_key_id"], r["kind"], r["limit"], r["rejections"]) for r in rows] == [
        (key["id"], "rate_limited", "key_rpm", refused)
    ]
    assert rows[0]["sample_ips"] == [ip]
    stored = await owner_sql(
        "SELECT ip, detail FROM security_events WHERE api_key_id = %s AND kind = 'rate_limited'", key["id"]
    )
    assert len(stored) < refused / 3  # aggregated, not one row per refusal
    assert {str(r["ip"]) for r in stored} == {ip}
    assert rejections_metric(gateway, "rate_limited", "key_rpm") - before == refused


async def test_calls_over_a_keys_budget_are_budget_rejections_of_that_key(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, super_admin: Staff
) -> None:
    key = await make_api_key(client, tenant, monthly_budget_usd="0.000001")
    ip = random_ip()
    assert await call(gateway, str(key["key"]), ip, times=3) == 3

    async def read() -> list[dict[str, Any]]:
        return await key_events(client, super_admin, key["id"], kind="budget_rejected")

    events = await eventually(read, lambda events: sum(e["detail"]["count"] for e in events) >= 3)
    assert sum(e["detail"]["count"] for e in events) == 3
    assert {(e["company_id"], e["ip"], e["detail"]["limit"]) for e in events} == {
        (str(tenant.id), ip, "key_budget")
    }


async def test_refusals_still_buffered_at_shutdown_are_written(
    signals_settings: Settings, client: httpx.AsyncClient, tenant: Tenant, owner_sql: OwnerSql
) -> None:
    slow = signals_settings.model_copy(
        update={"signals": SIGNALS.model_copy(update={"flush_interval_s": 300})}
    )
    key = await make_api_key(client, tenant, requests_per_minute=1)
    with live_gateway(slow) as gateway:
        refused = await call(gateway, str(key["key"]), random_ip(), times=4)
        assert await owner_sql("SELECT 1 FROM security_events WHERE api_key_id = %s", key["id"]) == []
    rows = await owner_sql(
        "SELECT sum((detail->>'count')::int) AS refused FROM security_events WHERE api_key_id = %s", key["id"]
    )
    assert refused >= 2 and rows == [{"refused": refused}]


async def test_a_key_used_from_a_new_address_is_flagged_once_across_processes(
    gateway: LiveGateway,
    signals_settings: Settings,
    client: httpx.AsyncClient,
    tenant: Tenant,
    support: Staff,
    owner_sql: OwnerSql,
) -> None:
    key = await make_api_key(client, tenant)
    secret, first, second, third = str(key["key"]), random_ip(), random_ip(), random_ip()
    await call(gateway, secret, first, times=2)
    await call(gateway, secret, second, times=3)
    await call(gateway, secret, first)
    flagged = await eventually(lambda: reasons(client, support, key["id"], "new_ip"), lambda e: len(e) >= 1)
    assert [(e["ip"], e["detail"]["reason"]) for e in flagged] == [(second, "new_ip")]
    # Another process (a restart, a second replica) knows the key's addresses from the database.
    with live_gateway(signals_settings) as other:
        await call(other, secret, second, times=2)
        await call(other, secret, third)
        flagged = await eventually(
            lambda: reasons(client, support, key["id"], "new_ip"), lambda e: len(e) >= 2
        )
    assert sorted(e["ip"] for e in flagged) == sorted([second, third])
    sources = await owner_sql("SELECT host(ip) AS ip FROM api_key_sources WHERE api_key_id = %s", key["id"])
    assert sorted(r["ip"] for r in sources) == sorted([first, second, third])


async def test_use_outside_the_companys_working_hours_is_flagged_once_a_day(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, support: Staff
) -> None:
    today = datetime.now(UTC).isoweekday()
    other_days = [day for day in range(1, 8) if day != today]
    patched = await client.patch(
        f"/api/companies/{tenant.id}", json={"work_days": other_days}, headers=tenant.auth("OWNER")
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["work_days"] == other_days and patched.json()["work_start"] == "07:00:00"
    key = await make_api_key(client, tenant)
    secret, ip = str(key["key"]), random_ip()
    await call(gateway, secret, ip, times=2)
    flagged = await eventually(
        lambda: reasons(client, support, key["id"], "off_hours"), lambda e: len(e) >= 1
    )
    assert len(flagged) == 1
    assert flagged[0]["detail"]["time_zone"] == "UTC"
    assert flagged[0]["detail"]["local_time"].startswith(datetime.now(UTC).date().isoformat())
    await call(gateway, secret, ip, times=3)
    await call(gateway, secret, random_ip())  # its new_ip event shows the later calls were written too
    await eventually(lambda: reasons(client, support, key["id"], "new_ip"), lambda e: len(e) >= 1)
    assert len(await reasons(client, support, key["id"], "off_hours")) == 1


async def seed_usage(
    owner_sql: OwnerSql, tenant: Tenant, key_id: object, hour: tuple[int, int], daily: int
) -> None:
    """``hour``: (spend in micro-USD, failed calls) in the last hour; ``daily``: spend on each of the
    seven days before today."""
    spend, errors = hour
    month = datetime.now(UTC).date().replace(day=1)
    await owner_sql(
        "INSERT INTO usage_events (company_id, period, request_id, api_key_id, operation, public_model,"
        " cost_micro_usd, status, created_at)"
        " SELECT %s, %s, gen_random_uuid()::text, %s, 'chat_completion', 'gpt-4o-mini',"
        " CASE WHEN i = 0 THEN %s ELSE 0 END, CASE WHEN i = 0 THEN 'succeeded' ELSE 'failed' END,"
        " now() - interval '10 minutes' FROM generate_series(0, %s) AS i",
        tenant.id,
        month,
        key_id,
        spend,
        errors,
    )
    await owner_sql(
        "INSERT INTO usage_daily (company_id, day, public_model, model, provider, api_key_id, requests,"
        " cost_micro_usd) SELECT %s, (now() AT TIME ZONE 'UTC')::date - d, 'gpt-4o-mini', 'gpt-4o-mini',"
        " 'openai', %s, 100, %s"
        " FROM generate_series(1, 7) AS d",
        tenant.id,
        key_id,
        daily,
    )


async def test_spend_and_error_spikes_against_the_trailing_week_are_flagged_once_per_hour(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, support: Staff, owner_sql: OwnerSql
) -> None:
    spiking, steady = await make_api_key(client, tenant), await make_api_key(client, tenant)
    # $2 and 12 failures this hour against $0.01 an hour and none before; the steady key spends its usual $2.
    await seed_usage(owner_sql, tenant, spiking["id"], (2_000_000, 12), daily=240_000)
    await seed_usage(owner_sql, tenant, steady["id"], (2_000_000, 0), daily=48_000_000)
    await call(gateway, str(spiking["key"]), random_ip())  # the company is active on this gateway

    async def spikes(key: dict[str, object]) -> list[str]:
        events = await key_events(client, support, key["id"], kind="unusual_key_use")
        return sorted(e["detail"]["reason"] for e in events if e["detail"]["reason"].endswith("_spike"))

    assert await eventually(lambda: spikes(spiking), lambda r: len(r) >= 2) == ["error_spike", "spend_spike"]
    spend = next(e for e in await reasons(client, support, spiking["id"], "spend_spike"))
    assert spend["detail"]["spend_micro_usd"] >= 2_000_000
    assert spend["detail"]["hourly_average_micro_usd"] == 10_000  # $0.24 a day: $0.01 an hour
    await asyncio.sleep(3 * SIGNALS.spike_check_interval_s)  # more checks within the same hour
    assert await spikes(spiking) == ["error_spike", "spend_spike"]
    assert await spikes(steady) == []


async def test_key_signals_are_for_platform_staff_and_in_the_security_report(
    gateway: LiveGateway, client: httpx.AsyncClient, tenant: Tenant, support: Staff, cli: Cli
) -> None:
    key = await make_api_key(client, tenant, requests_per_minute=1)
    await call(gateway, str(key["key"]), random_ip(), times=3)
    for path in ("/api/security/key-rejections", f"/api/security/events?api_key_id={key['id']}"):
        for role in ("OWNER", "ADMIN"):
            response = await client.get(path, headers=tenant.auth(role))
            assert response.status_code == 403 and response.json()["error"]["code"] == "staff_only"
    await eventually(
        lambda: key_events(client, support, key["id"], kind="rate_limited"), lambda e: len(e) > 0
    )
    done = cli("report", "security")
    assert done.returncode == 0, done.stderr
    section = done.stdout.split("== Rate-limit and budget rejections per key in the last 24 hours")[1]
    assert tenant.slug in section and str(key["prefix"]) in section and "key_rpm" in section
    assert "== Unusual key use in the last 7 days" in done.stdout
