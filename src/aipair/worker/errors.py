"""Errors and control-flow signals of the job queue."""

from __future__ import annotations

from aipair.errors import Conflict, NotFound


class JobNotFound(NotFound):
    """No job with this id."""

    code = "job_not_found"
    default_message = "Job not found"


class JobStateConflict(Conflict):
    """The job is not in a state that allows this (e.g. retrying a running job)."""

    code = "job_state_conflict"
    default_message = "The job is not in a state that allows this"


class RetryLater(Exception):
    """Raised by a job to be run again after ``delay_s`` without using up an attempt.

    For waiting on something outside the job's control (a budget, a rate limit); ``reason`` becomes
    the job's stage so ``aipair jobs list`` shows why it waits.
    """

    def __init__(self, delay_s: float, reason: str) -> None:
        super().__init__(reason)
        self.delay_s = delay_s
        self.reason = reason


class LeaseLost(Exception):
    """This worker no longer holds the job (lease expired and taken over, or the job was cancelled).

    Raised by :meth:`JobContext.fence`; the job's transaction rolls back, so a stale worker never
    overwrites what the current holder writes.
    """


class PermanentFailure(Exception):
    """Raised by a job whose failure no retry can fix (e.g. corrupt input): it fails at once."""
