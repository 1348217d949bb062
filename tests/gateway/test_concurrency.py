"""Budgets, quotas and rate limits hold exactly under concurrency, also across gateway processes."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import psycopg
import pytest

from aipair.config import Settings
from aipair.db.urls import libpq
from aipair.gateway.pricing import DEFAULT_PRICES, PriceBook, worst_case_cost
from aipair.gateway.tokens import estimate_chat_request
from tests.fixtures.live_gateway import calls, control, free_port, providers_config
from tests.fixtures.processes import UpstreamProcess, gateway_env, served_gateways, upstream_processes
from tests.fixtures.tenants import Tenant, make_api_key
from tests.gateway.conftest import MESSAGES, usage_rows

pytestmark = pytest.mark.usefixtures("healthy_upstreams")
BODY = {"model": "gpt-4o-mini", "messages": MESSAGES, "max_tokens": 500}


def worst_case() -> int:
    estimate = estimate_chat_request(BODY, model="gpt-4o-mini")
    price = PriceBook(DEFAULT_PRICES).lookup("openai", "gpt-4o-mini", datetime.now(UTC).date())
    assert price is not None
    return worst_case_cost(price, estimate.input_tokens, estimate.max_output_tokens)


def answer_at_worst_case(mock: UpstreamProcess) -> None:
    """Make every answer cost exactly its reservation, so the budget allows exactly 50 requests."""
    estimate = estimate_chat_request(BODY, model="gpt-4o-mini")
    control(
        mock,
        usage={
            "prompt_tokens": estimate.input_tokens,
            "completion_tokens": estimate.max_output_tokens,
            "total_tokens": estimate.input_tokens + estimate.max_output_tokens,
        },
    )


def set_company(settings: Settings, company_id: uuid.UUID, **columns: object) -> None:
    assert settings.database_url is not None
    assignments = ", ".join(f"{name} = %s" for name in columns)
    with psycopg.connect(libpq(settings.database_url.get_secret_value())) as conn:
        conn.execute(f"UPDATE companies SET {assignments} WHERE id = %s", [*columns.values(), company_id])


def fire(urls: list[str], key: str, count: int) -> list[int | str]:
    """``count`` simultaneous requests from a process of their own, spread over the gateways."""
    command = [sys.executable, "-m", "tests.fixtures.burst", "--key", key, "--body", json.dumps(BODY)]
    done = subprocess.run(
        [*command, "--count", str(count), *urls],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    outcomes: list[int | str] = json.loads(done.stdout)
    return outcomes


def billed(settings: Settings, company_id: uuid.UUID) -> int:
    return sum(1 for row in usage_rows(settings, company_id) if row["status"] == "succeeded")


async def assert_budget_for_50_admits_50(
    urls: list[str], primary: UpstreamProcess, client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    """200 simultaneous requests over ``urls`` against a budget for exactly 50 (answers cost their
    worst case): 50 reach the upstream and are billed, 150 are refused with 429."""
    answer_at_worst_case(primary)
    set_company(
        settings,
        tenant.id,
        monthly_budget_micro_usd=50 * worst_case(),
        custom_requests_per_minute=10_000,
        custom_ai_requests_per_hour=10_000,
    )
    key = str((await make_api_key(client, tenant))["key"])
    statuses = fire(urls, key, 200)
    assert statuses.count(200) == 50 and statuses.count(429) == 150
    assert calls(primary) == 50
    assert billed(settings, tenant.id) == 50


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout != b"PONG\n":
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="module")
def upstreams() -> Iterator[tuple[UpstreamProcess, UpstreamProcess]]:
    """The mock upstreams as processes of their own (these tests load them with 50 calls at once)."""
    with upstream_processes(2) as (primary, backup):
        yield primary, backup


@contextmanager
def admission_gateways(
    settings: Settings,
    upstreams: tuple[UpstreamProcess, UpstreamProcess],
    data_dir: object,
    count: int,
    redis_url: str | None = None,
) -> Iterator[list[str]]:
    """``count`` gateway processes in front of ``upstreams``.

    These tests are about admission, not resilience: a generous upstream timeout and a breaker that
    never opens keep a slow, loaded machine from turning admitted calls into 503s."""
    primary, backup = upstreams
    assert settings.database_url is not None
    providers = providers_config(primary.port, backup.port, primary_timeout_s=30.0, failure_threshold=10_000)
    env = gateway_env(
        AIPAIR_DATABASE_URL=settings.database_url.get_secret_value(),
        AIPAIR_DATA_DIR=str(data_dir),
        AIPAIR_GATEWAY__PROVIDERS=providers.model_dump_json(),
    )
    if redis_url is not None:
        env["AIPAIR_REDIS_URL"] = redis_url
    with served_gateways(env, count) as urls:
        yield urls


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
    primary, _ = upstreams
    set_company(
        settings,
        tenant.id,
        custom_ai_requests_per_month=50,
        custom_requests_per_minute=10_000,
        custom_ai_requests_per_hour=10_000,
    )
    key = str((await make_api_key(client, tenant))["key"])
    statuses = fire([one_gateway], key, 200)
    assert statuses.count(200) == 50 and statuses.count(429) == 150
    assert calls(primary) == 50
    assert billed(settings, tenant.id) == 50


async def test_two_gateway_processes_share_the_budget(
    two_gateways: list[str],
    upstreams: tuple[UpstreamProcess, UpstreamProcess],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
) -> None:
    await assert_budget_for_50_admits_50(two_gateways, upstreams[0], client, tenant, settings)


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
