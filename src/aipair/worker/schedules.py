"""Periodic jobs: each schedule is enqueued once per period, whichever worker gets there first."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.worker import queue_repository as queue
from aipair.worker.jobs import Schedule

CHECK_EVERY_S = 15.0


def schedule_key(schedule: Schedule, now: float) -> str:
    """The key of the period ``now`` falls in; the unique index on it makes enqueueing idempotent."""
    return f"{schedule.job_name}@{int(now // schedule.every_s) * schedule.every_s}"


def with_intervals(schedules: Sequence[Schedule], every_s: Mapping[str, int]) -> list[Schedule]:
    """``schedules`` with the intervals the settings give by job name (``AIPAIR_WORKER__SCHEDULES``)."""
    return [replace(s, every_s=every_s[s.job_name]) if s.job_name in every_s else s for s in schedules]


class ScheduleTicker:
    """Enqueues due schedules, checking at most every ``CHECK_EVERY_S`` seconds."""

    def __init__(self, schedules: Sequence[Schedule], check_every_s: float = CHECK_EVERY_S) -> None:
        self._schedules = tuple(schedules)
        self._check_every_s = check_every_s
        self._next_check = 0.0

    async def tick(self, session: AsyncSession, now: float | None = None) -> int:
        """Enqueue this period's run of every schedule not yet enqueued; returns how many were."""
        moment = time.time() if now is None else now
        if not self._schedules or moment < self._next_check:
            return 0
        self._next_check = moment + self._check_every_s
        added = 0
        for schedule in self._schedules:
            key = schedule_key(schedule, moment)
            added += await queue.enqueue_scheduled(session, schedule.job_name, schedule.args, key)
        return added
