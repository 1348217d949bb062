"""Declaring jobs where their domain lives, in its ``tasks.py``: ``jobs = JobGroup("meetings",
MeetingJobServices)`` then ``@jobs.job(...)``; the worker finds every domain's ``tasks.py`` itself.

A job is ``async def name(ctx: JobContext[MeetingJobServices], *, meeting_id: str, ...) -> None``:
``ctx.services`` is the group's services dataclass, each field filled by its type when the worker
starts; the other arguments are JSON values (ids as strings, never ORM objects). The declared job is
its own typed handle: ``await process_meeting.defer(session, company_id=..., meeting_id=...)`` queues
it in the caller's transaction, and a misspelt or missing argument is a type error. Jobs must be
idempotent: a job may run again after a worker died mid-way. An optional give-up hook runs once when
the job fails for good or is cancelled (to mark domain rows).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.worker import queue_repository as queue
from aipair.worker.context import JobContext, NoServices
from aipair.worker.models import Job

S = TypeVar("S")
P = ParamSpec("P")

JobFunc = Callable[Concatenate[JobContext[S], P], Awaitable[None]]
GiveUpHook = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class QueueOptions:
    """How one deferral is queued: attempts, and the locks that keep runs or waiting copies apart.

    ``lock``: jobs sharing it never run at the same time. ``queueing_lock``: while a job with it is
    waiting, queueing again returns that job instead of adding one.
    """

    max_attempts: int = 5
    lock: str | None = None
    queueing_lock: str | None = None


@dataclass
class JobSpec(Generic[S, P]):
    """A declared job: its name, function and run policy, and the typed handle that queues it.

    ``timeout_s`` bounds one attempt; retries back off exponentially from ``retry_base_s`` up to
    ``retry_max_s``. ``on_give_up(ctx, reason, **args)`` runs after the last failed attempt or a cancel.
    """

    name: str
    func: JobFunc[S, P]
    services: type[S]
    timeout_s: float = 3600.0
    retry_base_s: float = 5.0
    retry_max_s: float = 600.0
    on_give_up: GiveUpHook | None = None

    def give_up_hook(self, hook: GiveUpHook) -> GiveUpHook:
        """Decorator registering ``hook`` as this job's give-up hook."""
        self.on_give_up = hook
        return hook

    def backoff_s(self, attempt: int) -> float:
        """Delay before the retry that follows failed attempt number ``attempt`` (1-based)."""
        return float(min(self.retry_max_s, self.retry_base_s * (2 ** max(0, attempt - 1))))

    def configure(self, options: QueueOptions) -> Deferral[P]:
        """A handle that queues this job with ``options``."""
        return Deferral(self, options)

    async def defer(self, session: AsyncSession, *args: P.args, **kwargs: P.kwargs) -> Job:
        """Queue a run with these arguments in the caller's transaction (it exists exactly when the
        caller's change commits)."""
        return await Deferral(self, QueueOptions()).defer(session, *args, **kwargs)

    def arguments(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The job's arguments by name, as stored on the job row."""
        bound = inspect.signature(self.func).bind(None, *args, **kwargs)
        return dict(list(bound.arguments.items())[1:])


@dataclass(frozen=True)
class Deferral(Generic[P]):
    """A job with its queue options, ready to be deferred."""

    spec: JobSpec[Any, P]
    options: QueueOptions

    async def defer(self, session: AsyncSession, *args: P.args, **kwargs: P.kwargs) -> Job:
        """Queue a run in the caller's transaction."""
        return await queue.enqueue(
            session,
            self.spec.name,
            self.spec.arguments(*args, **kwargs),
            max_attempts=self.options.max_attempts,
            lock=self.options.lock,
            queueing_lock=self.options.queueing_lock,
        )


@dataclass(frozen=True)
class Schedule:
    """Run ``job_name`` with ``args`` every ``every_s`` seconds (once per period across all workers)."""

    job_name: str
    every_s: int
    args: dict[str, Any] = field(default_factory=dict)


class JobGroup(Generic[S]):
    """The jobs and schedules one domain declares in its ``tasks.py``; names are ``<domain>.<verb>``.

    ``services`` is a dataclass whose fields name, by type, the services the group's jobs use.
    """

    @overload
    def __init__(self: JobGroup[NoServices], domain: str) -> None: ...

    @overload
    def __init__(self, domain: str, services: type[S]) -> None: ...

    def __init__(self, domain: str, services: type[Any] = NoServices) -> None:
        self.domain = domain
        self.services: type[S] = services
        self.specs: dict[str, JobSpec[S, Any]] = {}
        self.schedules: list[Schedule] = []

    def job(
        self, verb: str, *, timeout_s: float = 3600.0, retry_base_s: float = 5.0, retry_max_s: float = 600.0
    ) -> Callable[[JobFunc[S, P]], JobSpec[S, P]]:
        """Declare ``async def f(ctx, **args)`` as the job ``<domain>.<verb>``."""

        def declare(func: JobFunc[S, P]) -> JobSpec[S, P]:
            name = f"{self.domain}.{verb}"
            spec = JobSpec(name, func, self.services, timeout_s, retry_base_s, retry_max_s)
            self.specs[name] = spec
            return spec

        return declare

    def every(self, seconds: int, spec: JobSpec[S, Any], **args: Any) -> None:
        """Schedule ``spec`` every ``seconds`` seconds."""
        self.schedules.append(Schedule(spec.name, seconds, spec.arguments(**args)))


def describe(ctx: JobContext[Any]) -> str:
    """``name#id (attempt n/m)`` for log lines."""
    return f"{ctx.name}#{ctx.job_id} (attempt {ctx.attempt}/{ctx.max_attempts})"
