"""End to end with real worker processes: upload over HTTP, ``python -m aipair worker`` processes it.

A worker killed with SIGKILL mid-job leaves its lease to expire; another worker completes the job
exactly once and the minutes are not duplicated.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from bench.meetings_local import generate_vtt

from aipair.composition import Runtime
from aipair.config import Settings
from aipair.db.urls import libpq
from tests.fixtures.tenants import Tenant
from tests.meetings.helpers import add_named_member, sample, upload, wait_for_status

WORKER = [sys.executable, "-m", "aipair", "worker", "--concurrency", "2"]


def worker_env(settings: Settings, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIPAIR_")}
    assert settings.database_url is not None
    env.update(
        AIPAIR_DATABASE_URL=settings.database_url.get_secret_value(),
        AIPAIR_DATA_DIR=str(data_dir),
        AIPAIR_LOG_LEVEL="INFO",
        AIPAIR_WORKER__POLL_INTERVAL_S="0.2",
        **extra,
    )
    return env


@pytest.fixture
def start_worker(settings: Settings, data_dir: Path, tmp_path: Path) -> Iterator[object]:
    started: list[subprocess.Popen[bytes]] = []

    def start(**extra: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            WORKER, env=worker_env(settings, data_dir, **extra), stdout=log, stderr=log
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def job_rows(owner_url: str, job_id: str) -> tuple[tuple[object, ...], list[tuple[object, ...]]]:
    with psycopg.connect(libpq(owner_url)) as conn:
        job = conn.execute("SELECT state, attempts, locked_by FROM jobs WHERE id = %s", [job_id]).fetchone()
        logs = conn.execute(
            "SELECT attempt, level, message FROM job_logs WHERE job_id = %s ORDER BY id", [job_id]
        ).fetchall()
    assert job is not None
    return job, logs


async def test_uploaded_vtt_becomes_minutes_with_owned_dated_action_items(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, start_worker: object
) -> None:
    priya = await add_named_member(runtime, tenant, "Priya Natarajan")
    bob = await add_named_member(runtime, tenant, "Bob Chen")
    data = sample("teams.vtt") + f"\nNOTE {uuid.uuid4()}\n".encode()
    accepted = await upload(client, tenant, "EMPLOYEE", "standup.vtt", data, "text/vtt")
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "queued" and accepted.json()["job"]["state"] == "queued"
    start_worker()  # type: ignore[operator]
    detail = await wait_for_status(client, tenant, accepted.json()["id"], {"done", "failed"})
    assert detail["status"] == "done" and detail["progress"] == 100, detail
    assert detail["job"]["state"] == "succeeded"
    items = {item["task"]: item for item in detail["action_items"]}
    budget = items["Prepare the hiring budget"]
    assert (budget["owner_user_id"], budget["due_date"], budget["segment_refs"]) == (
        str(priya),
        "2026-03-31",
        [2],
    )
    assert budget["sources"][0]["speaker"] == "Priya Natarajan"
    roadmap = items["Send the roadmap to the board"]
    assert (roadmap["owner_user_id"], roadmap["due_date"], roadmap["due_text"]) == (
        str(bob),
        "2026-03-05",
        "tomorrow",
    )
    assert roadmap["sources"][0]["text"] == "Bob, can you send the roadmap to the board tomorrow?"
    assert detail["minutes"]["decisions"][0]["segment_refs"] == [1]


async def test_a_killed_worker_s_job_is_completed_once_by_another(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, start_worker: object
) -> None:
    slow = {
        "AIPAIR_WORKER__LEASE_S": "2",
        "AIPAIR_MEETINGS__CHUNK_DELAY_S": "0.4",
        "AIPAIR_MEETINGS__CHUNK_MAX_TOKENS": "150",
    }
    data = generate_vtt(seed=int(time.time()), target_words=1500).encode()
    accepted = await upload(client, tenant, "EMPLOYEE", "long.vtt", data, "text/vtt")
    meeting_id, job_id = accepted.json()["id"], accepted.json()["job"]["id"]
    first = start_worker(**slow)  # type: ignore[operator]
    detail = await wait_for_status(client, tenant, meeting_id, {"analysing"})
    while detail["progress"] < 30:
        await asyncio.sleep(0.1)
        detail = (await client.get(f"/api/meetings/{meeting_id}", headers=tenant.auth("OWNER"))).json()
    first.kill()  # SIGKILL: no chance to release the lease
    first.wait(timeout=10)
    state, attempts, locked_by = job_rows(runtime.urls.owner, job_id)[0]
    assert (state, attempts) == ("running", 1)
    start_worker(**slow)  # type: ignore[operator]
    detail = await wait_for_status(client, tenant, meeting_id, {"done", "failed"})
    assert detail["status"] == "done", detail
    (state, attempts, _), logs = job_rows(runtime.urls.owner, job_id)
    assert (state, attempts) == ("succeeded", 2)
    starts = [(attempt, message) for attempt, _, message in logs if str(message).startswith("started by")]
    assert [attempt for attempt, _ in starts] == [1, 2] and starts[0][1] != starts[1][1]
    assert sum(1 for _, _, message in logs if str(message).startswith("succeeded")) == 1
    assert str(locked_by) in str(starts[0][1])
    with psycopg.connect(libpq(runtime.urls.owner)) as conn:
        minutes = conn.execute(
            "SELECT count(*) FROM meeting_minutes WHERE meeting_id = %s", [meeting_id]
        ).fetchone()
        items = conn.execute(
            "SELECT count(*), count(DISTINCT (task, owner_name)) FROM action_items WHERE meeting_id = %s",
            [meeting_id],
        ).fetchone()
        segments = conn.execute(
            "SELECT count(*) FROM meeting_segments WHERE meeting_id = %s", [meeting_id]
        ).fetchone()
    assert minutes == (1,)
    assert items is not None and items[0] == items[1] == len(detail["action_items"]) > 0
    assert segments == (detail["segment_count"],)
