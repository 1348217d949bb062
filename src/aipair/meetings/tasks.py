"""Background jobs of the meeting processor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from aipair.meetings.pipeline import MeetingPipeline
from aipair.worker.context import JobContext
from aipair.worker.jobs import JobGroup


@dataclass(frozen=True)
class MeetingJobServices:
    """What the meeting jobs use."""

    pipeline: MeetingPipeline


jobs = JobGroup("meetings", MeetingJobServices)
Context = JobContext[MeetingJobServices]


@jobs.job("process_meeting", timeout_s=3600, retry_base_s=10, retry_max_s=900)
async def process_meeting(ctx: Context, *, company_id: str, meeting_id: str) -> None:
    """Parse or transcribe, chunk, extract, merge, validate and save one meeting's minutes.

    Idempotent: a retry or a reprocess replaces the results. Over budget it waits (``awaiting_budget``)
    without using up attempts; a failing chunk fails the attempt, retried with backoff.
    """
    await ctx.services.pipeline.process(ctx, uuid.UUID(company_id), uuid.UUID(meeting_id))


@process_meeting.give_up_hook
async def meeting_failed(ctx: Context, reason: str, *, company_id: str, meeting_id: str) -> None:
    """The job failed for good or was cancelled: the meeting shows ``failed`` with the reason."""
    await ctx.services.pipeline.give_up(uuid.UUID(company_id), uuid.UUID(meeting_id), reason)
