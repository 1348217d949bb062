"""``aipair jobs list|logs|retry|cancel`` from the operator's console, against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from aipair.composition import Runtime
from aipair.config import Settings
from aipair.db.engine import DbContext, transaction
from aipair.worker import queue_repository as queue


def aipair(settings: Settings, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIPAIR_")}
    assert settings.database_url is not None
    env.update(AIPAIR_DATABASE_URL=settings.database_url.get_secret_value(), AIPAIR_DATA_DIR=str(data_dir))
    return subprocess.run(
        [sys.executable, "-m", "aipair", *args], env=env, capture_output=True, text=True, timeout=60
    )


async def failed_job(runtime: Runtime, name: str) -> uuid.UUID:
    async with transaction(runtime.sessions, DbContext()) as session:
        job = await queue.enqueue(session, name, {"n": 1}, max_attempts=1)
    async with transaction(runtime.sessions, DbContext()) as session:
        claimed = await queue.claim(session, [name], "cli-test", 30)
        assert claimed is not None
        await queue.add_log(session, job.id, 1, "error", "it broke")
        await queue.fail(session, claimed, "RuntimeError: it broke", 0)
    return job.id


async def test_the_operator_lists_reads_logs_retries_and_cancels_jobs(
    runtime: Runtime, settings: Settings, data_dir: Path
) -> None:
    name = f"cli{uuid.uuid4().hex[:8]}.thing"
    job_id = await failed_job(runtime, name)
    listing = aipair(settings, data_dir, "jobs", "list", "--state", "failed", "--name", name)
    assert listing.returncode == 0, listing.stderr
    assert str(job_id) in listing.stdout and "failed" in listing.stdout and "RuntimeError" in listing.stdout
    logs = aipair(settings, data_dir, "jobs", "logs", str(job_id))
    assert "ERROR" in logs.stdout and "it broke" in logs.stdout
    retried = aipair(settings, data_dir, "jobs", "retry", str(job_id))
    assert retried.returncode == 0 and "queued" in retried.stdout
    cancelled = aipair(settings, data_dir, "jobs", "cancel", "--yes", str(job_id))
    assert cancelled.returncode == 0 and "cancelled" in cancelled.stdout
    again = aipair(settings, data_dir, "jobs", "cancel", "--yes", str(job_id))
    assert again.returncode == 1 and "Only queued or running jobs can be cancelled" in again.stderr
