"""Background jobs of usage accounting: reservations whose gateway died are closed on a schedule.

Every minute by default (``AIPAIR_WORKER__SCHEDULES='{"usage.expire_reservations": 30}'`` changes it),
so a reservation is closed between ``gateway.abandoned_reservation_minutes`` and that plus a minute
after it was made. The database never closes one younger than a minute, whatever it is asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from aipair.config import GatewaySettings
from aipair.usage.service import UsageService
from aipair.worker.context import JobContext
from aipair.worker.jobs import JobGroup


@dataclass(frozen=True)
class UsageJobServices:
    """What the usage jobs use."""

    usage: UsageService
    gateway: GatewaySettings


jobs = JobGroup("usage", UsageJobServices)
EXPIRE_EVERY_S = 60


@jobs.job("expire_reservations", timeout_s=600)
async def expire_reservations(ctx: JobContext[UsageJobServices]) -> None:
    """Bill reservations older than ``gateway.abandoned_reservation_minutes`` as abandoned."""
    minutes = ctx.services.gateway.abandoned_reservation_minutes
    closed = await ctx.services.usage.expire_abandoned(minutes)
    await ctx.log(f"closed {closed} reservations left open for over {minutes} minutes")


jobs.every(EXPIRE_EVERY_S, expire_reservations)
