"""The job runner behind ``aipair worker``: claim, run with a heartbeat, settle, repeat.

Safety rules:

- A job is claimed with ``FOR UPDATE SKIP LOCKED`` and held by a lease the heartbeat renews every
  third of ``lease_s``. A worker that dies (SIGKILL, lost machine) stops renewing; once the lease
  expires another worker claims the job again (a new attempt with a new ``lock_token``).
- A worker that cannot renew (the job was cancelled or taken over, or the database is unreachable
  until its own lease deadline) cancels the job's coroutine itself, so two workers never run one job
  at the same time; and since every write is fenced by the token, a stale one cannot overwrite.
- SIGTERM stops claiming, lets running jobs finish for ``shutdown_grace_s``, then puts the rest back
  in the queue without using up their attempt.
- The database down or unresponsive is one line in the log (the database watch writes it, and one more
  when it is back), not a traceback per poll: the runner waits a little longer between polls, up to
  ``OUTAGE_BACKOFF_MAX_S``, and its next poll after the outage picks up where it left.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import traceback
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.config import Settings, WorkerSettings
from aipair.db.database import Database
from aipair.db.engine import DbContext, transaction
from aipair.db.failures import failure_kind
from aipair.kit.injection import ServiceRegistry
from aipair.observability.metrics import JOB_DURATION, JOB_RUNS
from aipair.worker import queue_repository as queue
from aipair.worker.context import JobContext
from aipair.worker.errors import LeaseLost, PermanentFailure, RetryLater
from aipair.worker.jobs import JobSpec
from aipair.worker.queue_repository import ClaimedJob
from aipair.worker.registry import JobRegistry
from aipair.worker.schedules import ScheduleTicker, with_intervals
from aipair.worker.wakeup import QueueWakeup

log = structlog.get_logger("aipair.worker")
OUTAGE_BACKOFF_MAX_S = 5.0


class JobContexts:
    """Builds each attempt's :class:`JobContext`, with its group's services resolved once per group."""

    def __init__(self, services: ServiceRegistry, lease_s: float) -> None:
        self._services = services
        self._sessions: async_sessionmaker[AsyncSession] = services.get(async_sessionmaker)
        self._lease_s = lease_s
        self._bundles: dict[type[Any], Any] = {}

    def for_job(self, spec: JobSpec[Any, Any] | None, job: ClaimedJob) -> JobContext[Any]:
        """The context of one attempt (a job nobody declared gets no services)."""
        bundle = self._bundle(spec.services) if spec is not None else None
        return JobContext(bundle, job, self._lease_s, self._sessions)

    def check(self, registry: JobRegistry) -> None:
        """Resolve every declared group's services now: a wiring mistake stops the worker at start."""
        for spec in registry.specs.values():
            self._bundle(spec.services)

    def _bundle(self, services: type[Any]) -> Any:
        bundle = self._bundles.get(services)
        if bundle is None:
            bundle = self._bundles[services] = self._services.resolve(services)
        return bundle


async def run_give_up_hook(
    contexts: JobContexts, spec: JobSpec[Any, Any] | None, job: ClaimedJob, reason: str
) -> None:
    """Run the job's give-up hook (failed for good or cancelled); a broken hook is logged, not raised."""
    if spec is None or spec.on_give_up is None:
        return
    try:
        await spec.on_give_up(contexts.for_job(spec, job), reason, **job.args)
    except Exception:  # the hook is domain code; the queue must survive it
        log.exception("job_give_up_hook_failed", job_id=str(job.id), job=job.name)


class Worker:
    """Runs up to ``concurrency`` jobs at once from the shared queue."""

    def __init__(
        self,
        services: ServiceRegistry,
        registry: JobRegistry,
        settings: WorkerSettings,
        *,
        concurrency: int,
        paused: Callable[[], bool] | None = None,
    ) -> None:
        self.sessions: async_sessionmaker[AsyncSession] = services.get(async_sessionmaker)
        # True while no job may start (a maintenance window); running jobs go on.
        self._paused = paused or (lambda: False)
        self.registry = registry
        self.settings = settings
        self.concurrency = concurrency
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self) % 10_000}"
        self.contexts = JobContexts(services, settings.lease_s)
        self.contexts.check(registry)
        self._running: dict[asyncio.Task[None], ClaimedJob] = {}
        self._ticker = ScheduleTicker(with_intervals(registry.schedules, settings.schedules))
        # LISTEN needs a session of its own, which a transaction pooler does not give: poll instead.
        pooled = services.get(Settings).db_pooler == "transaction"
        self._database = services.get(Database)
        self._wakeup = QueueWakeup(None if pooled else self._database.connector)
        self._backoff_s = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set, then shut down gracefully."""
        await self._wakeup.start()
        log.info(
            "worker_started",
            worker=self.name,
            concurrency=self.concurrency,
            jobs=self.registry.names,
            listening=self._wakeup.listening,
        )
        while not stop.is_set():
            try:
                await self._tick_schedules()
                room = len(self._running) < self.concurrency and not self._paused()
                if room and await self._start_next():
                    continue
                self._backoff_s = 0.0
            except Exception as exc:  # the database may be unreachable for a while: keep polling
                self._poll_failed(exc)
            await self._wait(stop)
        await self._shutdown()
        await self._wakeup.close()
        log.info("worker_stopped", worker=self.name)

    def _poll_failed(self, error: Exception) -> None:
        kind = failure_kind(error)
        if kind is None:
            log.exception("worker_poll_failed", worker=self.name)
            return
        self._database.watch.report(kind)
        self._backoff_s = min(OUTAGE_BACKOFF_MAX_S, max(self.settings.poll_interval_s, self._backoff_s * 2))

    async def run_until_idle(self) -> None:
        """Run ready jobs until none is left (tests and one-off runs); no schedules."""
        while True:
            while len(self._running) < self.concurrency and await self._start_next():
                pass
            if not self._running:
                return
            await asyncio.wait(set(self._running), return_when=asyncio.FIRST_COMPLETED)

    async def _wait(self, stop: asyncio.Event) -> None:
        """Until ``stop``, a poll interval, a job announced (when there is room) or a running job ending."""
        stopper = asyncio.ensure_future(stop.wait())
        waiters: set[asyncio.Future[Any]] = {stopper}
        announced: asyncio.Future[Any] | None = None
        if len(self._running) >= self.concurrency:
            waiters.update(self._running)
        else:
            announced = asyncio.ensure_future(self._wakeup.ready.wait())
            waiters.add(announced)
        await self._wakeup.ensure()
        try:
            timeout = self._backoff_s or self.settings.poll_interval_s
            await asyncio.wait(waiters, timeout=timeout, return_when="FIRST_COMPLETED")
        finally:
            stopper.cancel()
            if announced is not None:
                announced.cancel()
            self._wakeup.ready.clear()

    async def _start_next(self) -> bool:
        job = await self._claim()
        if job is None:
            return False
        task = asyncio.create_task(self._execute(job), name=f"job:{job.name}:{job.id}")
        self._running[task] = job
        task.add_done_callback(self._running.pop)
        return True

    async def _claim(self) -> ClaimedJob | None:
        async with transaction(self.sessions, DbContext()) as session:
            lost = await queue.expire_last_attempts(session, self.registry.names)
            job = await queue.claim(session, self.registry.names, self.name, self.settings.lease_s)
        for dead in lost:
            await self._give_up(dead, "its worker was lost on the last attempt")
        return job

    async def _execute(self, job: ClaimedJob) -> None:
        spec = self.registry.specs.get(job.name)
        ctx = self.contexts.for_job(spec, job)
        if spec is None:
            await self._settle_failure(ctx, None, f"unknown job {job.name!r}", final=True)
            return
        try:
            await ctx.log(f"started by {self.name}")
            work = asyncio.create_task(asyncio.wait_for(spec.func(ctx, **job.args), spec.timeout_s))
            heartbeat = asyncio.create_task(self._heartbeat(ctx, work))
            try:
                await self._settle(ctx, spec, work)
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
        except Exception as exc:  # the outcome could not be saved: the lease expires, the job runs again
            kind = failure_kind(exc)
            if kind is None:
                raise
            self._database.watch.report(kind)

    async def _settle(self, ctx: JobContext[Any], spec: JobSpec[Any, Any], work: asyncio.Task[None]) -> None:
        started = time.perf_counter()
        try:
            await asyncio.shield(work)
        except RetryLater as wait:
            await self._settle_deferral(ctx, wait)
        except PermanentFailure as exc:
            await self._settle_failure(ctx, spec, _describe(exc), final=True)
        except (LeaseLost, asyncio.CancelledError) as exc:
            if isinstance(exc, asyncio.CancelledError) and not work.cancelled():
                work.cancel()
                raise
            JOB_RUNS.labels(job=ctx.name, outcome="lease_lost").inc()
            log.warning("job_lease_lost", job_id=str(ctx.job_id), job=ctx.name, worker=self.name)
        except Exception as exc:  # the runner is where a job's unexpected failure is caught
            await self._settle_failure(ctx, spec, _describe(exc), final=False)
        else:
            await self._settle_success(ctx, time.perf_counter() - started)
        finally:
            JOB_DURATION.labels(job=ctx.name).observe(time.perf_counter() - started)

    async def _settle_success(self, ctx: JobContext[Any], elapsed: float) -> None:
        async with transaction(self.sessions, DbContext()) as session:
            held = await queue.succeed(session, ctx.job)
            if held:
                await queue.add_log(session, ctx.job_id, ctx.attempt, "info", f"succeeded in {elapsed:.2f} s")
        JOB_RUNS.labels(job=ctx.name, outcome="succeeded").inc()
        log.info("job_succeeded", job_id=str(ctx.job_id), job=ctx.name, seconds=round(elapsed, 3), held=held)

    async def _settle_deferral(self, ctx: JobContext[Any], wait: RetryLater) -> None:
        async with transaction(self.sessions, DbContext()) as session:
            if await queue.defer(session, ctx.job, wait.delay_s, wait.reason):
                message = f"waiting {wait.delay_s:.0f} s: {wait.reason}"
                await queue.add_log(session, ctx.job_id, ctx.attempt, "info", message)
        JOB_RUNS.labels(job=ctx.name, outcome="deferred").inc()

    async def _settle_failure(
        self, ctx: JobContext[Any], spec: JobSpec[Any, Any] | None, error: str, *, final: bool
    ) -> None:
        delay = spec.backoff_s(ctx.attempt) if spec else 0.0
        async with transaction(self.sessions, DbContext()) as session:
            state = await queue.fail(session, ctx.job, error, delay, final=final)
            if state is not None:
                await queue.add_log(session, ctx.job_id, ctx.attempt, "error", error)
        JOB_RUNS.labels(job=ctx.name, outcome="failed" if state == "failed" else "retrying").inc()
        log.warning(
            "job_failed", job_id=str(ctx.job_id), job=ctx.name, state=state, error=error.splitlines()[0]
        )
        if state == "failed":
            await self._give_up(ctx.job, error.splitlines()[0])

    async def _give_up(self, job: ClaimedJob, reason: str) -> None:
        spec = self.registry.specs.get(job.name)
        await run_give_up_hook(self.contexts, spec, job, reason)

    async def _heartbeat(self, ctx: JobContext[Any], work: asyncio.Task[None]) -> None:
        """Renew the lease; cancel ``work`` when the job is no longer ours or the lease ran out."""
        lease = self.settings.lease_s
        deadline = time.monotonic() + lease
        while not work.done():
            await asyncio.sleep(lease / 3)
            try:
                async with transaction(self.sessions, DbContext()) as session:
                    held = await queue.renew(session, ctx.job, lease)
            except Exception as exc:  # the database may be briefly unreachable: retry until our deadline
                kind = failure_kind(exc)
                if kind is None:
                    log.warning("job_heartbeat_failed", job_id=str(ctx.job_id), exc_info=True)
                else:
                    self._database.watch.report(kind)
                held = time.monotonic() < deadline - lease / 3
            else:
                deadline = time.monotonic() + lease
            if not held:
                work.cancel()
                return

    async def _tick_schedules(self) -> None:
        async with transaction(self.sessions, DbContext()) as session:
            await self._ticker.tick(session)

    async def _shutdown(self) -> None:
        if not self._running:
            return
        log.info("worker_draining", running=len(self._running), grace_s=self.settings.shutdown_grace_s)
        _, pending = await asyncio.wait(set(self._running), timeout=self.settings.shutdown_grace_s)
        jobs = [self._running[task] for task in pending if task in self._running]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        async with transaction(self.sessions, DbContext()) as session:
            for job in jobs:
                await queue.defer(session, job, 0, "worker shut down; waiting for another worker")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "TimeoutError: the attempt took longer than the job's timeout"
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    tail = "".join(traceback.format_tb(exc.__traceback__)[-3:])
    return f"{detail}\n{tail}".strip()
