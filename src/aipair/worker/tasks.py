"""The queue's own upkeep: finished jobs older than the retention period are deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from aipair.config import WorkerSettings
from aipair.db.engine import DbContext, transaction
from aipair.kit.clock import utcnow
from aipair.worker import queue_repository as queue
from aipair.worker.context import JobContext
from aipair.worker.jobs import JobGroup


@dataclass(frozen=True)
class HousekeepingServices:
    """What the queue's upkeep uses (its sessions come with the context)."""

    settings: WorkerSettings


jobs = JobGroup("worker", HousekeepingServices)
PRUNE_EVERY_S = 3600


@jobs.job("prune_jobs", timeout_s=300)
async def prune_jobs(ctx: JobContext[HousekeepingServices]) -> None:
    """Delete succeeded, failed and cancelled jobs (with their logs) past ``worker.job_retention_days``."""
    days = ctx.services.settings.job_retention_days
    async with transaction(ctx.sessions, DbContext()) as session:
        deleted = await queue.prune(session, utcnow() - timedelta(days=days))
    await ctx.log(f"pruned {deleted} finished jobs older than {days} days")


jobs.every(PRUNE_EVERY_S, prune_jobs)
