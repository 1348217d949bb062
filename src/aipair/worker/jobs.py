"""Declaring jobs where their domain lives: ``jobs = JobGroup("meetings", MeetingJobServices)`` then
``@jobs.job(...)``.

A job is ``async def name(ctx: JobContext[MeetingJobServices], **args) -> None``: ``ctx.services`` is
the group's services dataclass, each field filled by its type when the worker starts; ``args`` are JSON
values (ids as strings, never ORM objects). Jobs must be idempotent: a job may run again after a worker
died mid-way. An optional give-up hook runs once when the job fails for good or is cancelled (to mark
domain rows).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

from aipair.worker.context import JobContext, NoServices

S = TypeVar("S")

JobFunc = Callable[..., Awaitable[None]]
GiveUpHook = Callable[..., Awaitable[None]]


@dataclass
class JobSpec(Generic[S]):
    """A declared job: its name, function and run policy.

    ``timeout_s`` bounds one attempt; retries back off exponentially from ``retry_base_s`` up to
    ``retry_max_s``. ``on_give_up(ctx, reason, **args)`` runs after the last failed attempt or a cancel.
    """

    name: str
    func: JobFunc
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
        self.specs: dict[str, JobSpec[S]] = {}
        self.schedules: list[Schedule] = []

    def job(
        self, verb: str, *, timeout_s: float = 3600.0, retry_base_s: float = 5.0, retry_max_s: float = 600.0
    ) -> Callable[[JobFunc], JobSpec[S]]:
        """Declare ``async def f(ctx, **args)`` as the job ``<domain>.<verb>``."""

        def declare(func: JobFunc) -> JobSpec[S]:
            name = f"{self.domain}.{verb}"
            spec = JobSpec(name, func, self.services, timeout_s, retry_base_s, retry_max_s)
            self.specs[name] = spec
            return spec

        return declare

    def every(self, seconds: int, spec: JobSpec[S], **args: Any) -> None:
        """Schedule ``spec`` every ``seconds`` seconds."""
        self.schedules.append(Schedule(spec.name, seconds, args))


def describe(ctx: JobContext[Any]) -> str:
    """``name#id (attempt n/m)`` for log lines."""
    return f"{ctx.name}#{ctx.job_id} (attempt {ctx.attempt}/{ctx.max_attempts})"
