"""The queue as the operator sees it: list, inspect, read logs, retry, cancel."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.worker import queue_repository as queue
from aipair.worker.errors import JobNotFound, JobStateConflict
from aipair.worker.models import Job, JobLog
from aipair.worker.queue_repository import ClaimedJob


class JobsService:
    """Operations on jobs by id; every method runs in the caller's transaction."""

    async def find(self, session: AsyncSession, job_id: uuid.UUID | None) -> Job | None:
        """The job, or None (no id, or pruned)."""
        return await queue.get(session, job_id) if job_id is not None else None

    async def cancel_if_pending(self, session: AsyncSession, job_id: uuid.UUID) -> bool:
        """Cancel the job when it is queued or running (without the give-up hook); False otherwise."""
        return await queue.cancel(session, job_id) is not None

    async def list_jobs(
        self, session: AsyncSession, *, state: str | None, name: str | None, limit: int, offset: int = 0
    ) -> list[Job]:
        """Jobs newest first, optionally filtered by state and name."""
        return await queue.list_jobs(session, state, name, limit, offset)

    async def get(self, session: AsyncSession, job_id: uuid.UUID) -> Job:
        """One job; raises :class:`JobNotFound`."""
        job = await queue.get(session, job_id)
        if job is None:
            raise JobNotFound()
        return job

    async def logs(self, session: AsyncSession, job_id: uuid.UUID, limit: int = 500) -> list[JobLog]:
        """The job's last ``limit`` log lines, oldest first."""
        await self.get(session, job_id)
        return await queue.logs(session, job_id, limit)

    async def retry(self, session: AsyncSession, job_id: uuid.UUID) -> Job:
        """Queue a failed or cancelled job again with a fresh attempt budget."""
        job = await self.get(session, job_id)
        if not await queue.requeue(session, job_id):
            raise JobStateConflict(f"Only failed or cancelled jobs can be retried (this one is {job.state})")
        await queue.add_log(session, job_id, job.attempts, "info", "retried by the operator")
        return await self.get(session, job_id)

    async def cancel(self, session: AsyncSession, job_id: uuid.UUID) -> ClaimedJob:
        """Cancel a queued or running job; a running one is stopped by its worker's next heartbeat.

        Returns the job as the give-up hook expects it (the caller runs the hook after commit).
        """
        job = await self.get(session, job_id)
        previous = await queue.cancel(session, job_id)
        if previous is None:
            raise JobStateConflict(f"Only queued or running jobs can be cancelled (this one is {job.state})")
        await queue.add_log(
            session, job_id, job.attempts, "warning", f"cancelled by the operator ({previous})"
        )
        return ClaimedJob(job.id, job.name, dict(job.args), job.attempts, job.max_attempts, uuid.UUID(int=0))
