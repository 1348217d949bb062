"""Past one process: three ``aipair serve`` and two ``aipair worker`` processes on one PostgreSQL and
one Redis, behind a round-robin client. The app and the worker keep no state of their own, so the
budget stays exact across the three gateways and every meeting job runs exactly once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path

import httpx
import psycopg
import pytest

from aipair.config import Settings
from aipair.db.urls import DatabaseUrls, libpq
from tests.fixtures.budget_race import (  # noqa: F401  (*_fixture: the module's fixtures)
    admission_gateways,
    assert_budget_for_50_admits_50,
    redis_url_fixture,
    upstreams_fixture,
)
from tests.fixtures.processes import (
    UpstreamProcess,
    WorkerProcesses,
    gateway_env,
    served_workers,
)
from tests.fixtures.tenants import Tenant
from tests.meetings.helpers import sample, upload

MEETINGS = 12
# Small pools: five processes share the test server's connections (see docs/scaling.md).
POOLS = {"DB_POOL_SIZE": "4", "AIPAIR_DB_MAX_OVERFLOW": "4", "AIPAIR_GATEWAY__POOL_SIZE": "8"}


@dataclass(frozen=True)
class Cluster:
    servers: list[str]
    workers: WorkerProcesses


@pytest.fixture(scope="module")
def cluster(
    settings: Settings,
    urls: DatabaseUrls,
    upstreams: tuple[UpstreamProcess, UpstreamProcess],
    redis_url: str,
    data_dir: Path,
) -> Iterator[Cluster]:
    """Three ``aipair serve`` and two ``aipair worker`` processes on the migrated test database, all
    starting at once (each worker's chunks slowed down, so that both get work)."""
    assert settings.database_url is not None
    env = gateway_env(
        AIPAIR_DATABASE_URL=settings.database_url.get_secret_value(),
        AIPAIR_DATA_DIR=str(data_dir),
        AIPAIR_REDIS_URL=redis_url,
        AIPAIR_LOG_LEVEL="INFO",
        AIPAIR_MEETINGS__CHUNK_DELAY_S="0.1",
        **POOLS,
    )
    with (
        served_workers(env, 2) as workers,
        admission_gateways(settings, upstreams, data_dir, 3, redis_url, **POOLS) as servers,
    ):
        workers.wait_started()
        yield Cluster(servers, workers)


@pytest.fixture(scope="module")
def servers(cluster: Cluster) -> list[str]:
    return cluster.servers


@pytest.fixture
async def round_robin(servers: list[str]) -> AsyncIterator[Iterator[httpx.AsyncClient]]:
    """One client per server, taken in turn."""
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30)) for url in servers
        ]
        yield cycle(clients)


async def test_every_server_reads_the_pool_size_from_db_pool_size(servers: list[str]) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        bodies = [(await http.get(f"{url}/health/db")).json() for url in servers]
    assert [body["database"]["pool"]["size"] for body in bodies] == [4, 4, 4]


async def test_three_servers_keep_the_budget_exact_for_200_concurrent_requests(
    servers: list[str],
    upstreams: tuple[UpstreamProcess, UpstreamProcess],
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
) -> None:
    await assert_budget_for_50_admits_50(servers, upstreams[0], client, tenant, settings)


async def test_two_workers_finish_a_batch_of_meetings_uploaded_round_robin_exactly_once_each(
    round_robin: Iterator[httpx.AsyncClient], tenant: Tenant, settings: Settings
) -> None:
    uploads = [
        upload(next(round_robin), tenant, "EMPLOYEE", "standup.vtt", unique_transcript(), "text/vtt")
        for _ in range(MEETINGS)
    ]
    accepted = [response.json() for response in await asyncio.gather(*uploads)]
    assert all(body["status"] == "queued" for body in accepted), accepted
    jobs = [body["job"]["id"] for body in accepted]
    assert settings.database_url is not None
    owner = libpq(settings.database_url.get_secret_value())
    await wait_finished(owner, jobs)
    with psycopg.connect(owner) as conn:
        states = conn.execute("SELECT state, attempts FROM jobs WHERE id = ANY(%s)", [jobs]).fetchall()
        logs = conn.execute(
            "SELECT job_id, message FROM job_logs WHERE job_id = ANY(%s) AND attempt = 1", [jobs]
        ).fetchall()
        minutes = conn.execute(
            "SELECT meeting_id, count(*) FROM meeting_minutes WHERE meeting_id = ANY(%s) GROUP BY 1",
            [[body["id"] for body in accepted]],
        ).fetchall()
    assert states == [("succeeded", 1)] * MEETINGS
    started = [(job, message) for job, message in logs if message.startswith("started by")]
    finished = [job for job, message in logs if message.startswith("succeeded")]
    assert sorted(str(job) for job, _ in started) == sorted(jobs) == sorted(str(job) for job in finished)
    assert len({message for _, message in started}) == 2, "one worker did all the work"
    assert sorted(count for _, count in minutes) == [1] * MEETINGS
    for body in accepted:  # every server answers for every meeting, whichever took the upload
        detail = (
            await next(round_robin).get(f"/api/meetings/{body['id']}", headers=tenant.auth("OWNER"))
        ).json()
        assert detail["status"] == "done" and detail["action_items"], detail


def unique_transcript() -> bytes:
    return sample("teams.vtt") + f"\nNOTE {uuid.uuid4()}\n".encode()


async def wait_finished(owner_url: str, jobs: list[str], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        with psycopg.connect(owner_url) as conn:
            open_jobs = conn.execute(
                "SELECT count(*) FROM jobs WHERE id = ANY(%s) AND state IN ('queued', 'running')", [jobs]
            ).fetchone()
        if open_jobs == (0,):
            return
        assert time.monotonic() < deadline, f"{open_jobs} meeting jobs still open"
        await asyncio.sleep(0.25)
