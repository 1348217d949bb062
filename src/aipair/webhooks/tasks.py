"""Background jobs of webhooks: each delivery is a job, retried with backoff while attempts remain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from aipair.webhooks.delivery import WebhookDeliverer
from aipair.worker.context import JobContext
from aipair.worker.jobs import JobGroup


@dataclass(frozen=True)
class WebhookJobServices:
    """What the webhook jobs use."""

    deliverer: WebhookDeliverer


jobs = JobGroup("webhooks", WebhookJobServices)
Context = JobContext[WebhookJobServices]


@jobs.job("deliver", timeout_s=120, retry_base_s=30, retry_max_s=3600)
async def deliver(ctx: Context, *, company_id: str, delivery_id: str) -> None:
    """Make one attempt of a webhook delivery (the target checked again, signed, posted).

    Idempotent: a delivered or failed delivery is left alone. No answer, a 5xx, 408 or 429 fails the
    attempt, retried after 30 s, 1 min, 2 min... up to an hour; other answers end the delivery.
    """
    await ctx.services.deliverer.attempt(uuid.UUID(company_id), uuid.UUID(delivery_id), ctx.is_last_attempt)


@deliver.give_up_hook
async def delivery_failed(ctx: Context, reason: str, *, company_id: str, delivery_id: str) -> None:
    """The job failed for good or was cancelled: the delivery shows ``failed``."""
    await ctx.services.deliverer.give_up(uuid.UUID(company_id), uuid.UUID(delivery_id))
