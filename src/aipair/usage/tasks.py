"""Background jobs of usage accounting: reservations whose gateway died are closed on a schedule."""

from __future__ import annotations

from aipair.worker.context import JobContext
from aipair.worker.jobs import JobGroup

jobs = JobGroup("usage")
EXPIRE_EVERY_S = 300


@jobs.job("expire_reservations", timeout_s=600)
async def expire_reservations(ctx: JobContext) -> None:
    """Bill reservations older than ``gateway.abandoned_reservation_minutes`` as abandoned."""
    minutes = ctx.runtime.settings.gateway.abandoned_reservation_minutes
    closed = await ctx.runtime.usage.expire_abandoned(minutes)
    await ctx.log(f"closed {closed} reservations left open for over {minutes} minutes")


jobs.every(EXPIRE_EVERY_S, expire_reservations)
