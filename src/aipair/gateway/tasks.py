"""Background jobs of the gateway: expired ``Idempotency-Key`` records are deleted on a schedule."""

from __future__ import annotations

from dataclasses import dataclass

from aipair.gateway.service import GatewayService
from aipair.worker.context import JobContext
from aipair.worker.jobs import JobGroup


@dataclass(frozen=True)
class GatewayJobServices:
    """What the gateway's jobs use."""

    gateway: GatewayService


jobs = JobGroup("gateway", GatewayJobServices)
PURGE_EVERY_S = 3600


@jobs.job("purge_idempotency_keys", timeout_s=600)
async def purge_idempotency_keys(ctx: JobContext[GatewayJobServices]) -> None:
    """Delete every expired ``Idempotency-Key`` record (a key expires a day after its call)."""
    deleted = await ctx.services.gateway.purge_expired_idempotency_keys()
    await ctx.log(f"deleted {deleted} expired idempotency keys")


jobs.every(PURGE_EVERY_S, purge_idempotency_keys)
