"""Every SQL statement of the job queue. Flushes, never commits: the caller's transaction decides.

Leases use the database clock (``now()``), so workers on different machines agree on expiry. Every
statement a worker makes about a job it holds is fenced by ``lock_token``: once the lease was taken
over (or the job cancelled), the stale worker's statements match no row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.kit.ids import new_id
from aipair.worker.models import Job, JobLog
from aipair.worker.wakeup import CHANNEL

_CLAIM = text(
    """
    UPDATE jobs SET state = 'running', attempts = jobs.attempts + 1, lock_token = :token,
           locked_by = :worker, locked_until = now() + make_interval(secs => :lease),
           started_at = now(), updated_at = now(),
           last_error = CASE WHEN jobs.state = 'running'
                             THEN 'lease expired: worker ' || coalesce(jobs.locked_by, '?') || ' was lost'
                             ELSE jobs.last_error END
     WHERE id = (
        SELECT j.id FROM jobs j
         WHERE j.name = ANY(:names)
           AND ((j.state = 'queued' AND j.run_after <= now())
                OR (j.state = 'running' AND j.locked_until < now() AND j.attempts < j.max_attempts))
           AND (j.lock IS NULL OR NOT EXISTS (
                SELECT 1 FROM jobs r WHERE r.lock = j.lock AND r.state = 'running' AND r.id <> j.id))
         ORDER BY j.priority DESC, j.run_after, j.id
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
    RETURNING id, name, args, attempts, max_attempts
    """
)
_EXPIRE_LAST_ATTEMPTS = text(
    """
    UPDATE jobs SET state = 'failed', finished_at = now(), updated_at = now(), lock_token = NULL,
           locked_until = NULL,
           last_error = 'lease expired on the last attempt: worker '
                        || coalesce(locked_by, '?') || ' was lost'
     WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND locked_until < now()
                    AND attempts >= max_attempts AND name = ANY(:names) FOR UPDATE SKIP LOCKED)
    RETURNING id, name, args, attempts, max_attempts
    """
)
_FENCE = """ WHERE id = :id AND lock_token = :token AND state = 'running'"""
_RENEW = text(
    "UPDATE jobs SET locked_until = now() + make_interval(secs => :lease), updated_at = now()"
    + _FENCE
    + " RETURNING id"
)
_SUCCEED = text(
    "UPDATE jobs SET state = 'succeeded', progress = 100, finished_at = now(), updated_at = now(),"
    " lock_token = NULL, locked_until = NULL, last_error = NULL" + _FENCE + " RETURNING id"
)
_FAIL = text(
    """
    UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
           finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
           run_after = now() + make_interval(secs => :delay), last_error = :error,
           lock_token = NULL, locked_until = NULL, updated_at = now()
    """
    + _FENCE
    + " RETURNING state"
)
_FAIL_FINAL = text(
    "UPDATE jobs SET state = 'failed', max_attempts = attempts, finished_at = now(), last_error = :error,"
    " lock_token = NULL, locked_until = NULL, updated_at = now()" + _FENCE + " RETURNING state"
)
_DEFER = text(
    "UPDATE jobs SET state = 'queued', attempts = greatest(attempts - 1, 0),"
    " run_after = now() + make_interval(secs => :delay), stage = :reason, lock_token = NULL,"
    " locked_until = NULL, updated_at = now()" + _FENCE + " RETURNING id"
)
_PROGRESS = text(
    "UPDATE jobs SET progress = :progress, stage = :stage, updated_at = now()" + _FENCE + " RETURNING id"
)


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """A job a worker now holds: ``token`` fences everything it does with it."""

    id: uuid.UUID
    name: str
    args: dict[str, Any]
    attempt: int
    max_attempts: int
    token: uuid.UUID


async def enqueue(
    session: AsyncSession,
    name: str,
    args: dict[str, Any],
    *,
    max_attempts: int = 5,
    lock: str | None = None,
    queueing_lock: str | None = None,
    delay_s: float = 0.0,
    priority: int = 0,
) -> Job:
    """Add a job in the caller's transaction (it exists exactly when the caller's change commits).

    With ``queueing_lock``, a job already waiting under that lock is returned instead of a new one.
    """
    if queueing_lock is not None:
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": queueing_lock})
        waiting = await session.scalar(
            text("SELECT id FROM jobs WHERE queueing_lock = :k AND state = 'queued' LIMIT 1"),
            {"k": queueing_lock},
        )
        if waiting is not None:
            existing = await session.get(Job, waiting)
            assert existing is not None
            return existing
    job = Job(
        id=new_id(),
        name=name,
        args=args,
        state="queued",
        max_attempts=max_attempts,
        lock=lock,
        queueing_lock=queueing_lock,
        priority=priority,
        attempts=0,
        progress=0,
    )
    session.add(job)
    await session.flush()
    await notify_ready(session, name)
    if delay_s > 0:
        await session.execute(
            text("UPDATE jobs SET run_after = now() + make_interval(secs => :d) WHERE id = :id"),
            {"d": delay_s, "id": job.id},
        )
    return job


async def claim(session: AsyncSession, names: list[str], worker: str, lease_s: float) -> ClaimedJob | None:
    """Take the next ready job (or one whose lease expired) among ``names``; None when there is none."""
    token = uuid.uuid4()
    try:
        async with session.begin_nested():
            row = (
                await session.execute(
                    _CLAIM, {"token": token, "worker": worker, "lease": lease_s, "names": names}
                )
            ).one_or_none()
    except IntegrityError:
        return None  # another worker started a job with the same lock a moment ago
    if row is None:
        return None
    return ClaimedJob(row.id, row.name, dict(row.args), row.attempts, row.max_attempts, token)


async def expire_last_attempts(session: AsyncSession, names: list[str]) -> list[ClaimedJob]:
    """Fail the jobs (among ``names``) whose worker was lost on their last attempt; returns them."""
    rows = (await session.execute(_EXPIRE_LAST_ATTEMPTS, {"names": names})).all()
    return [
        ClaimedJob(r.id, r.name, dict(r.args), r.attempts, r.max_attempts, uuid.UUID(int=0)) for r in rows
    ]


def _fenced(job: ClaimedJob, **params: Any) -> dict[str, Any]:
    return {"id": job.id, "token": job.token, **params}


async def renew(session: AsyncSession, job: ClaimedJob, lease_s: float) -> bool:
    """Extend the lease; False when this worker no longer holds the job."""
    return (await session.scalar(_RENEW, _fenced(job, lease=lease_s))) is not None


async def succeed(session: AsyncSession, job: ClaimedJob) -> bool:
    """Mark the job done; False when the worker no longer held it."""
    return (await session.scalar(_SUCCEED, _fenced(job))) is not None


async def fail(
    session: AsyncSession, job: ClaimedJob, error: str, delay_s: float, *, final: bool = False
) -> str | None:
    """Record a failed attempt: back to the queue after ``delay_s``, or ``failed`` after the last one
    (or at once when ``final``). Returns the new state, or None when the worker no longer held the job.
    """
    if final:
        failed: str | None = await session.scalar(_FAIL_FINAL, _fenced(job, error=error[:4000]))
        return failed
    state: str | None = await session.scalar(_FAIL, _fenced(job, error=error[:4000], delay=delay_s))
    return state


async def defer(session: AsyncSession, job: ClaimedJob, delay_s: float, reason: str) -> bool:
    """Put the job back in the queue after ``delay_s`` without using up the attempt."""
    return (await session.scalar(_DEFER, _fenced(job, delay=delay_s, reason=reason[:100]))) is not None


async def set_progress(session: AsyncSession, job: ClaimedJob, progress: int, stage: str | None) -> bool:
    """Record progress (0-100) and the stage; False when the worker no longer held the job."""
    params = _fenced(job, progress=max(0, min(100, progress)), stage=stage[:100] if stage else None)
    return (await session.scalar(_PROGRESS, params)) is not None


async def add_log(session: AsyncSession, job_id: uuid.UUID, attempt: int, level: str, message: str) -> None:
    """Append a log line to the job."""
    session.add(JobLog(job_id=job_id, attempt=attempt, level=level, message=message[:8000]))
    await session.flush()


async def get(session: AsyncSession, job_id: uuid.UUID) -> Job | None:
    return await session.get(Job, job_id, populate_existing=True)


async def list_jobs(
    session: AsyncSession, state: str | None, name: str | None, limit: int, offset: int
) -> list[Job]:
    """Newest first, optionally filtered by state and name."""
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit).offset(offset)
    if state is not None:
        query = query.where(Job.state == state)
    if name is not None:
        query = query.where(Job.name == name)
    return list((await session.execute(query)).scalars())


async def logs(session: AsyncSession, job_id: uuid.UUID, limit: int) -> list[JobLog]:
    """The job's log lines, oldest first (the last ``limit`` of them)."""
    query = select(JobLog).where(JobLog.job_id == job_id).order_by(JobLog.id.desc()).limit(limit)
    return list(reversed((await session.execute(query)).scalars().all()))


async def requeue(session: AsyncSession, job_id: uuid.UUID) -> bool:
    """A failed or cancelled job back to the queue with a fresh attempt budget."""
    updated = await session.scalar(
        text(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_after = now(), finished_at = NULL,"
            " progress = 0, stage = NULL, updated_at = now()"
            " WHERE id = :id AND state IN ('failed', 'cancelled') RETURNING id"
        ),
        {"id": job_id},
    )
    if updated is not None:
        await notify_ready(session, "retry")
    return updated is not None


async def cancel(session: AsyncSession, job_id: uuid.UUID) -> str | None:
    """Cancel a queued or running job (a running one stops at its next heartbeat); the previous state."""
    row = (
        await session.execute(
            text(
                "UPDATE jobs j SET state = 'cancelled', finished_at = now(), updated_at = now(),"
                " lock_token = NULL, locked_until = NULL FROM (SELECT id, state FROM jobs WHERE id = :id"
                " FOR UPDATE) old WHERE j.id = old.id AND old.state IN ('queued', 'running')"
                " RETURNING old.state"
            ),
            {"id": job_id},
        )
    ).one_or_none()
    return None if row is None else str(row.state)


async def prune(session: AsyncSession, older_than: datetime) -> int:
    """Delete finished jobs (and their logs) that finished before ``older_than``."""
    result = await session.execute(
        text(
            "DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at < :t"
            " RETURNING id"
        ),
        {"t": older_than},
    )
    return len(result.all())


async def enqueue_scheduled(
    session: AsyncSession, name: str, args: dict[str, Any], schedule_key: str
) -> bool:
    """Enqueue one run of a schedule; False when another worker already did for this period."""
    inserted = await session.scalar(
        text(
            "INSERT INTO jobs (id, name, args, schedule_key) VALUES (:id, :name, CAST(:args AS jsonb), :key)"
            " ON CONFLICT (schedule_key) DO NOTHING RETURNING id"
        ),
        {"id": new_id(), "name": name, "args": orjson.dumps(args).decode(), "key": schedule_key},
    )
    return inserted is not None


async def queue_stats(session: AsyncSession) -> dict[str, Any]:
    """Jobs per state and the age in seconds of the oldest ready job (for health and metrics)."""
    rows = (await session.execute(text("SELECT state, count(*) AS n FROM jobs GROUP BY state"))).all()
    oldest = await session.scalar(
        text(
            "SELECT extract(epoch FROM now() - min(run_after)) FROM jobs"
            " WHERE state = 'queued' AND run_after <= now()"
        )
    )
    return {"states": {r.state: int(r.n) for r in rows}, "oldest_ready_s": float(oldest or 0.0)}


async def notify_ready(session: AsyncSession, name: str) -> None:
    """Tell listening workers, when the caller's transaction commits, that ``name`` has a ready job."""
    await session.execute(text("SELECT pg_notify(:channel, :name)"), {"channel": CHANNEL, "name": name})
