"""What a running job gets: the runtime, its identity and attempt, progress, logs and the fence."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.db.engine import DbContext, transaction
from aipair.worker import queue
from aipair.worker.errors import LeaseLost
from aipair.worker.jobs import JobSpec
from aipair.worker.queue import ClaimedJob

if TYPE_CHECKING:
    from aipair.runtime import Runtime

log = structlog.get_logger("aipair.worker")


@dataclass
class JobContext:
    """One attempt of one job, as seen by the job function.

    Each helper opens its own short transaction except :meth:`fence`, which joins the caller's.
    """

    runtime: Runtime
    job: ClaimedJob
    lease_s: float

    @property
    def job_id(self) -> uuid.UUID:
        return self.job.id

    @property
    def name(self) -> str:
        return self.job.name

    @property
    def attempt(self) -> int:
        return self.job.attempt

    @property
    def max_attempts(self) -> int:
        return self.job.max_attempts

    @property
    def is_last_attempt(self) -> bool:
        """True when a failure now fails the job for good."""
        return self.job.attempt >= self.job.max_attempts

    async def fence(self, session: AsyncSession) -> None:
        """Inside the caller's transaction: lock the job row, renew the lease, or raise :class:`LeaseLost`.

        Call it first in every transaction that saves the job's results: the row lock orders it with
        any takeover, and a worker that lost the job rolls back instead of overwriting.
        """
        if not await queue.renew(session, self.job, self.lease_s):
            raise LeaseLost(f"job {self.job.id} is no longer held by this worker")

    async def progress(self, percent: int, stage: str | None = None) -> None:
        """Record progress (0-100) and stage; raises :class:`LeaseLost` when the job was taken over."""
        async with transaction(self.runtime.sessions, DbContext()) as session:
            if not await queue.set_progress(session, self.job, percent, stage):
                raise LeaseLost(f"job {self.job.id} is no longer held by this worker")

    async def log(self, message: str, level: str = "info") -> None:
        """Append a line to the job's log (``aipair jobs logs``) and to the process log."""
        log.log(_LEVELS.get(level, 20), message, job_id=str(self.job.id), job=self.job.name)
        async with transaction(self.runtime.sessions, DbContext()) as session:
            await queue.add_log(session, self.job.id, self.job.attempt, level, message)


_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}


async def run_give_up_hook(
    runtime: Runtime, spec: JobSpec | None, job: ClaimedJob, reason: str, lease_s: float
) -> None:
    """Run the job's give-up hook (failed for good or cancelled); a broken hook is logged, not raised."""
    if spec is None or spec.on_give_up is None:
        return
    try:
        await spec.on_give_up(JobContext(runtime, job, lease_s), reason, **job.args)
    except Exception:  # the hook is domain code; the queue must survive it
        log.exception("job_give_up_hook_failed", job_id=str(job.id), job=job.name)
