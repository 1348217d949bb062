"""Budgets, quotas and rate limits hold exactly under concurrency, also across gateway processes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from aipair.config import Settings
from tests.fixtures.budget_race import (  # noqa: F401  (*_fixture: the module's fixtures)
    admission_gateways,
    assert_budget_for_50_admits_50,
    assert_quota_of_50_admits_50,
    fire,
    redis_url_fixture,
    set_company,
    upstreams_fixture,
)
from tests.fixtures.live_gateway import calls
from tests.fixtures.processes import UpstreamProcess
from tests.fixtures.tenants import Tenant, make_api_key

pytestmark = pytest.mark.usefixtures("healthy_upstreams")


@pytest.fixture(scope="module")
def one_gateway(
    settings: Settings, upstreams: tuple[UpstreamProcess, UpstreamProcess], data_dir: object
) -> Iterator[str]:
    with admission_gateways(settings, upstreams, data_dir, 1) as urls:
        yield urls[0]


@pytest.fixture(scope="module")
def two_gateways(
    settings: Settings, upstreams: tuple[UpstreamProcess, UpstreamProcess], redis_url: str, data_dir: object
) -> Iterator[list[str]]:
    with admission_gateways(settings, upstreams, data_dir, 2, redis_url) as urls:
        yield urls


async def test_200_concurrent_requests_against_a_budget_for_50_admit_at_most_50(
    one_gateway: str,
    upstreams: tuple[UpstreamProcess, UpstreamProcess],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
) -> None:
    await assert_budget_for_50_admits_50([one_gateway], upstreams[0], client, tenant, settings)


async def test_200_concurrent_requests_against_a_quota_of_50_admit_exactly_50(
    one_gateway: str,
    upstreams: tuple[UpstreamProcess, UpstreamProcess],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
) -> None:
    await assert_quota_of_50_admits_50([one_gateway], upstreams[0], client, tenant, settings)


async def test_two_gateway_processes_share_the_budget(
    two_gateways: list[str],
    upstreams: tuple[UpstreamProcess, UpstreamProcess],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
) -> None:
    await assert_budget_for_50_admits_50(two_gateways, upstreams[0], client, tenant, settings)


async def test_two_gateway_processes_share_the_quota(
    two_gateways: list[str],
    upstreams: tuple[UpstreamProcess, UpstreamProcess],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
) -> None:
    await assert_quota_of_50_admits_50(two_gateways, upstreams[0], client, tenant, settings)


async def test_two_gateway_processes_share_rate_limits_through_redis(
    two_gateways: list[str],
    upstreams: tuple[UpstreamProcess, UpstreamProcess],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
) -> None:
    primary, _ = upstreams
    set_company(settings, tenant.id, custom_requests_per_minute=30)
    key = str((await make_api_key(client, tenant))["key"])
    if datetime.now(UTC).second > 50:
        await asyncio.sleep(61 - datetime.now(UTC).second)  # keep the burst inside one minute window
    statuses = fire(two_gateways, key, 100)
    assert statuses.count(200) == 30 and statuses.count(429) == 70
    assert calls(primary) == 30


def test_health_integrations_reports_the_shared_redis(two_gateways: list[str]) -> None:
    body = httpx.get(f"{two_gateways[0]}/health/integrations", timeout=5).json()
    assert body["status"] == "ok"
    assert body["integrations"]["redis"]["status"] == "ok"
