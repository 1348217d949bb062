"""Every labelled series of a counter that can be known in advance, exported at 0 from the start.

Prometheus computes ``rate()`` and ``increase()`` only from a series' second sample, and a panel or an
alert over a series that does not exist yet shows "no data" instead of 0. So each process creates the
series for every label value the code can produce before the first event happens.
"""

from __future__ import annotations

from collections.abc import Iterable

from aipair.observability.metrics import (
    DB_ERRORS,
    GATEWAY_REJECTIONS,
    JOB_DURATION,
    JOB_RUNS,
    RATELIMIT_DEGRADED,
    SECURITY_EVENTS,
    SUPPORT_ACTIONS,
    UNUSUAL_KEY_USE,
)

DB_ERROR_KINDS = ("unavailable", "timeout", "other")
DEGRADED_ACTIONS = ("local", "refused")
SECURITY_EVENT_KINDS = (
    "cross_tenant_probe",
    "rate_limited",
    "budget_rejected",
    "unusual_key_use",
    "support_limit_increase",
    "refresh_token_reuse",
)
SUPPORT_ACCESS = ("read", "write")
UNUSUAL_KEY_USE_REASONS = ("new_ip", "off_hours", "spend_spike", "error_spike")
REJECTIONS = {
    "rate_limited": ("rpm", "aph", "key_rpm", "key_tpm"),
    "budget_rejected": ("quota", "budget", "key_budget"),
}
JOB_OUTCOMES = ("succeeded", "retrying", "failed", "deferred", "lease_lost")


def initialise_server_series() -> None:
    """The server's counters, each labelled series at 0."""
    for kind in DB_ERROR_KINDS:
        DB_ERRORS.labels(kind=kind)
    for action in DEGRADED_ACTIONS:
        RATELIMIT_DEGRADED.labels(action=action)
    for event in SECURITY_EVENT_KINDS:
        SECURITY_EVENTS.labels(kind=event)
    for access in SUPPORT_ACCESS:
        SUPPORT_ACTIONS.labels(access=access)
    for reason in UNUSUAL_KEY_USE_REASONS:
        UNUSUAL_KEY_USE.labels(reason=reason)
    for kind, limits in REJECTIONS.items():
        for limit in limits:
            GATEWAY_REJECTIONS.labels(kind=kind, limit=limit)


def initialise_job_series(job_names: Iterable[str]) -> None:
    """The worker's job counters and histograms, for every job it knows."""
    for job in job_names:
        JOB_DURATION.labels(job=job)
        for outcome in JOB_OUTCOMES:
            JOB_RUNS.labels(job=job, outcome=outcome)
