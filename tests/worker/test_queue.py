"""The job queue on PostgreSQL: enqueue in the caller's transaction, leases, fencing, retries, locks."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import aipair
from aipair.composition import Runtime
from aipair.config import WorkerSettings
from aipair.db.engine import DbContext, transaction
from aipair.kit.injection import ServiceNotRegistered
from aipair.worker import queue_repository as queue
from aipair.worker.context import JobContext
from aipair.worker.errors import JobStateConflict, PermanentFailure, RetryLater
from aipair.worker.jobs import JobGroup, JobSpec, QueueOptions
from aipair.worker.registry import JobRegistry, job_modules, load_registry
from aipair.worker.runner import Worker
from aipair.worker.schedules import ScheduleTicker

FAST = WorkerSettings(poll_interval_s=0.05, lease_s=1.0, shutdown_grace_s=0.2)


@dataclass
class Probe:
    """A job group of its own (unique names, so other tests' jobs are never touched) and what ran."""

    group: JobGroup = field(default_factory=lambda: JobGroup(f"t{uuid.uuid4().hex[:10]}"))
    calls: list[dict[str, Any]] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)

    def registry(self) -> JobRegistry:
        registry = JobRegistry()
        registry.add(self.group)
        return registry

    def worker(self, runtime: Runtime, settings: WorkerSettings = FAST, concurrency: int = 2) -> Worker:
        return Worker(runtime.services, self.registry(), settings, concurrency=concurrency)


async def enqueue(runtime: Runtime, job: JobSpec[Any, Any] | str, **options: Any) -> uuid.UUID:
    """Queue ``job`` through its typed handle (or, for a job no worker declares, by its name)."""
    args = options.pop("args", {})
    async with transaction(runtime.sessions, DbContext()) as session:
        if isinstance(job, str):
            return (await queue.enqueue(session, job, args, **options)).id
        return (await job.configure(QueueOptions(**options)).defer(session, **args)).id


async def job_state(runtime: Runtime, job_id: uuid.UUID) -> tuple[str, int]:
    async with transaction(runtime.sessions, DbContext()) as session:
        job = await runtime.jobs.get(session, job_id)
        return job.state, job.attempts


async def test_a_job_exists_only_if_the_enqueuing_transaction_commits(runtime: Runtime) -> None:
    probe = Probe()

    @probe.group.job("noop")
    async def noop(ctx: JobContext) -> None:
        probe.calls.append({})

    with pytest.raises(RuntimeError):
        async with transaction(runtime.sessions, DbContext()) as session:
            await noop.defer(session)
            raise RuntimeError("the caller's change failed")
    await probe.worker(runtime).run_until_idle()
    assert probe.calls == []


async def test_a_job_runs_once_with_its_arguments_and_succeeds(runtime: Runtime) -> None:
    probe = Probe()

    @probe.group.job("record")
    async def record(ctx: JobContext, value: str) -> None:
        await ctx.progress(50, "halfway")
        await ctx.log(f"got {value}")
        probe.calls.append({"value": value, "attempt": ctx.attempt})

    job_id = await enqueue(runtime, record, args={"value": "x"})
    await probe.worker(runtime).run_until_idle()
    assert probe.calls == [{"value": "x", "attempt": 1}]
    assert await job_state(runtime, job_id) == ("succeeded", 1)
    async with transaction(runtime.sessions, DbContext()) as session:
        lines = [line.message for line in await runtime.jobs.logs(session, job_id)]
    assert "got x" in lines and any(line.startswith("succeeded") for line in lines)


async def test_a_failing_job_is_retried_then_fails_and_gives_up_once(runtime: Runtime) -> None:
    probe = Probe()

    @probe.group.job("flaky", retry_base_s=0.0)
    async def flaky(ctx: JobContext) -> None:
        probe.calls.append({"attempt": ctx.attempt})
        raise ValueError(f"boom {ctx.attempt}")

    @flaky.give_up_hook
    async def gave_up(ctx: JobContext, reason: str) -> None:
        probe.given_up.append(reason)

    job_id = await enqueue(runtime, flaky, max_attempts=3)
    await probe.worker(runtime).run_until_idle()
    assert [c["attempt"] for c in probe.calls] == [1, 2, 3]
    assert await job_state(runtime, job_id) == ("failed", 3)
    assert probe.given_up == ["ValueError: boom 3"]


async def test_a_permanent_failure_is_not_retried(runtime: Runtime) -> None:
    probe = Probe()

    @probe.group.job("broken")
    async def broken(ctx: JobContext) -> None:
        probe.calls.append({})
        raise PermanentFailure("corrupt input")

    job_id = await enqueue(runtime, broken, max_attempts=5)
    await probe.worker(runtime).run_until_idle()
    assert len(probe.calls) == 1
    assert await job_state(runtime, job_id) == ("failed", 1)


async def test_retry_later_waits_without_using_an_attempt(runtime: Runtime) -> None:
    probe = Probe()

    @probe.group.job("patient")
    async def patient(ctx: JobContext) -> None:
        probe.calls.append({"attempt": ctx.attempt})
        if len(probe.calls) < 3:
            raise RetryLater(0, "waiting for budget")

    job_id = await enqueue(runtime, patient, max_attempts=1)
    await probe.worker(runtime).run_until_idle()
    assert [c["attempt"] for c in probe.calls] == [1, 1, 1]
    assert await job_state(runtime, job_id) == ("succeeded", 1)


async def test_an_expired_lease_is_reclaimed_and_the_stale_worker_is_fenced_out(runtime: Runtime) -> None:
    name = f"t{uuid.uuid4().hex[:10]}.held"
    job_id = await enqueue(runtime, name)
    async with transaction(runtime.sessions, DbContext()) as session:
        stale = await queue.claim(session, [name], "worker-a", lease_s=0.3)
    async with transaction(runtime.sessions, DbContext()) as session:
        assert await queue.claim(session, [name], "worker-b", lease_s=30) is None  # lease still valid
    await asyncio.sleep(0.4)
    async with transaction(runtime.sessions, DbContext()) as session:
        current = await queue.claim(session, [name], "worker-b", lease_s=30)
    assert stale is not None and current is not None and current.id == stale.id == job_id
    assert (stale.attempt, current.attempt) == (1, 2)
    async with transaction(runtime.sessions, DbContext()) as session:
        assert not await queue.renew(session, stale, 30)
        assert not await queue.succeed(session, stale)
        assert await queue.fail(session, stale, "late", 0) is None
        assert await queue.succeed(session, current)
    assert await job_state(runtime, job_id) == ("succeeded", 2)


async def test_jobs_sharing_a_lock_never_run_at_the_same_time(runtime: Runtime) -> None:
    probe = Probe()
    running = 0
    overlap = 0

    @probe.group.job("exclusive")
    async def exclusive(ctx: JobContext) -> None:
        nonlocal running, overlap
        running += 1
        overlap = max(overlap, running)
        await asyncio.sleep(0.1)
        running -= 1

    for _ in range(3):
        await enqueue(runtime, exclusive, lock="meeting:same")
    await probe.worker(runtime, concurrency=3).run_until_idle()
    assert overlap == 1


async def test_a_queueing_lock_keeps_one_waiting_job(runtime: Runtime) -> None:
    name = f"t{uuid.uuid4().hex[:10]}.dedupe"
    first = await enqueue(runtime, name, queueing_lock="k")
    second = await enqueue(runtime, name, queueing_lock="k")
    assert first == second


async def test_cancelling_a_running_job_stops_it_and_the_worker_cannot_finish_it(runtime: Runtime) -> None:
    probe = Probe()
    started = asyncio.Event()

    @probe.group.job("endless")
    async def endless(ctx: JobContext) -> None:
        started.set()
        await asyncio.sleep(30)
        probe.calls.append({"finished": True})

    job_id = await enqueue(runtime, endless)
    worker = probe.worker(runtime, WorkerSettings(poll_interval_s=0.05, lease_s=0.3))
    running = asyncio.create_task(worker.run_until_idle())
    await asyncio.wait_for(started.wait(), 5)
    async with transaction(runtime.sessions, DbContext()) as session:
        await runtime.jobs.cancel(session, job_id)
    await asyncio.wait_for(running, 5)
    assert probe.calls == []
    assert (await job_state(runtime, job_id))[0] == "cancelled"
    async with transaction(runtime.sessions, DbContext()) as session:
        with pytest.raises(JobStateConflict):
            await runtime.jobs.cancel(session, job_id)
        retried = await runtime.jobs.retry(session, job_id)
    assert (retried.state, retried.attempts) == ("queued", 0)


async def test_sigterm_style_shutdown_puts_unfinished_jobs_back_without_using_an_attempt(
    runtime: Runtime,
) -> None:
    probe = Probe()
    started = asyncio.Event()

    @probe.group.job("long")
    async def long(ctx: JobContext) -> None:
        started.set()
        await asyncio.sleep(30)

    job_id = await enqueue(runtime, long)
    stop = asyncio.Event()
    running = asyncio.create_task(probe.worker(runtime).run(stop))
    await asyncio.wait_for(started.wait(), 5)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert await job_state(runtime, job_id) == ("queued", 0)
    async with transaction(runtime.sessions, DbContext()) as session:
        await runtime.jobs.cancel(session, job_id)


async def test_a_schedule_is_enqueued_once_per_period_across_workers(runtime: Runtime) -> None:
    probe = Probe()

    @probe.group.job("tick")
    async def tick(ctx: JobContext) -> None:
        probe.calls.append({})

    probe.group.every(3600, tick)
    tickers = [ScheduleTicker(probe.group.schedules) for _ in range(2)]
    async with transaction(runtime.sessions, DbContext()) as session:
        added = [await ticker.tick(session, now=7200.5) for ticker in tickers]
        added.append(await ScheduleTicker(probe.group.schedules).tick(session, now=10800.0))
    assert added == [1, 0, 1]
    await probe.worker(runtime).run_until_idle()
    assert len(probe.calls) == 2


async def test_a_job_whose_worker_died_on_the_last_attempt_fails_and_gives_up(runtime: Runtime) -> None:
    probe = Probe()

    @probe.group.job("fragile")
    async def fragile(ctx: JobContext) -> None:
        probe.calls.append({})

    @fragile.give_up_hook
    async def gave_up(ctx: JobContext, reason: str) -> None:
        probe.given_up.append(reason)

    job_id = await enqueue(runtime, fragile, max_attempts=1)
    async with transaction(runtime.sessions, DbContext()) as session:
        assert await queue.claim(session, [fragile.name], "doomed-worker", lease_s=0.2) is not None
    await asyncio.sleep(0.3)
    await probe.worker(runtime).run_until_idle()
    assert probe.calls == [] and probe.given_up == ["its worker was lost on the last attempt"]
    assert await job_state(runtime, job_id) == ("failed", 1)


async def test_an_idle_worker_wakes_up_for_a_new_job_without_waiting_for_its_next_poll(
    runtime: Runtime,
) -> None:
    probe = Probe()
    ran = asyncio.Event()

    @probe.group.job("prompt")
    async def prompt(ctx: JobContext) -> None:
        ran.set()

    slow_poll = WorkerSettings(poll_interval_s=60, lease_s=5.0, shutdown_grace_s=0.2)
    stop = asyncio.Event()
    worker = probe.worker(runtime, slow_poll)
    running = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.sleep(1.0)  # it has polled once and now waits (up to 60 s) for the next poll
        await enqueue(runtime, prompt)
        await asyncio.wait_for(ran.wait(), timeout=20)  # woken by the commit, well before 60 s
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=30)


async def test_a_typed_handle_stores_its_arguments_by_name_and_refuses_unknown_ones(runtime: Runtime) -> None:
    probe = Probe()

    @probe.group.job("pair")
    async def pair(ctx: JobContext, left: str, *, right: str) -> None:
        probe.calls.append({"left": left, "right": right})

    async with transaction(runtime.sessions, DbContext()) as session:
        job = await pair.defer(session, "a", right="b")
        assert job.name == pair.name and job.args == {"left": "a", "right": "b"}
        with pytest.raises(TypeError):
            await pair.defer(session, "a", wrong="b")  # type: ignore[call-arg]
    await probe.worker(runtime).run_until_idle()
    assert probe.calls == [{"left": "a", "right": "b"}]


def test_every_domains_tasks_module_is_found() -> None:
    tasks = sorted(
        f"aipair.{path.parent.name}.tasks" for path in (Path(aipair.__file__).parent).glob("*/tasks.py")
    )
    assert job_modules() == tasks and "aipair.meetings.tasks" in tasks
    assert {"meetings.process_meeting", "usage.expire_reservations", "worker.prune_jobs"} <= set(
        load_registry().names
    )


@dataclass(frozen=True)
class NeedsSomethingUnbuilt:
    """Services no runtime provides."""

    missing: Probe


def test_a_job_needing_a_service_nobody_built_stops_the_worker_at_start(runtime: Runtime) -> None:
    group = JobGroup(f"t{uuid.uuid4().hex[:10]}", NeedsSomethingUnbuilt)

    @group.job("never")
    async def never(ctx: JobContext[NeedsSomethingUnbuilt]) -> None:
        raise AssertionError("must not run")

    registry = JobRegistry()
    registry.add(group)
    with pytest.raises(ServiceNotRegistered, match="Probe"):
        Worker(runtime.services, registry, FAST, concurrency=1)
