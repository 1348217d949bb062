"""What a running job gets: the services its group declared (typed), its identity and attempt, progress,
logs and the fence."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.db.engine import DbContext, transaction
from aipair.worker import queue_repository as queue
from aipair.worker.errors import LeaseLost
from aipair.worker.queue_repository import ClaimedJob

log = structlog.get_logger("aipair.worker")
S = TypeVar("S")


@dataclass(frozen=True)
class NoServices:
    """The services of a job group that needs none besides its context."""


@dataclass
class JobContext(Generic[S]):
    """One attempt of one job, as seen by the job function: ``services`` is the dataclass its group
    declared, each field filled by type (``ctx.services.pipeline``).

    Each helper opens its own short transaction except :meth:`fence`, which joins the caller's.
    """

    services: S
    job: ClaimedJob
    lease_s: float
    sessions: async_sessionmaker[AsyncSession]

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
        async with transaction(self.sessions, DbContext()) as session:
            if not await queue.set_progress(session, self.job, percent, stage):
                raise LeaseLost(f"job {self.job.id} is no longer held by this worker")

    async def log(self, message: str, level: str = "info") -> None:
        """Append a line to the job's log (``aipair jobs logs``) and to the process log."""
        log.log(_LEVELS.get(level, 20), message, job_id=str(self.job.id), job=self.job.name)
        async with transaction(self.sessions, DbContext()) as session:
            await queue.add_log(session, self.job.id, self.job.attempt, level, message)


_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}
