"""Every Prometheus collector of the application (``aipair_<area>_<thing>_{total,seconds}``).

Labels come from small fixed sets only — never a company, user or key id.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

SECURITY_EVENTS = Counter(
    "aipair_security_events_total",
    "Security events recorded (cross-tenant probes, rate-limit and budget rejections, unusual key use...)",
    ["kind"],
)
SUPPORT_ACTIONS = Counter(
    "aipair_support_actions_total",
    "Requests platform staff made inside a customer company",
    ["access"],
)
FAILED_LOGINS = Counter("aipair_auth_failed_logins_total", "Failed sign-in attempts")
LOCKED_LOGINS = Counter(
    "aipair_auth_locked_logins_total", "Sign-in attempts refused because the account or address is locked"
)
RESERVATIONS_EXPIRED = Counter(
    "aipair_gateway_reservations_expired_total",
    "Reservations no gateway settled in time (its process died), closed as abandoned by the worker",
)
GATEWAY_REJECTIONS = Counter(
    "aipair_gateway_rejections_total",
    "AI calls refused with 429 (kind: rate_limited or budget_rejected; limit: rpm, aph, key_rpm, key_tpm,"
    " quota, budget, key_budget)",
    ["kind", "limit"],
)
UNUSUAL_KEY_USE = Counter(
    "aipair_security_unusual_key_use_total",
    "Unusual API key use recorded (reason: new_ip, spend_spike, error_spike, off_hours)",
    ["reason"],
)

# Operations: read from the database by every serving process (ops/gauges.py), so each one reports the
# same values; "max" keeps one series when processes share a multiprocess directory.
BACKUP_LAST_SUCCESS = Gauge(
    "aipair_backup_last_success_timestamp_seconds",
    "When the newest backup (physical or logical) finished, Unix time (0: none yet)",
    multiprocess_mode="max",
)
BACKUP_LAST_DRILL = Gauge(
    "aipair_backup_last_drill_timestamp_seconds",
    "When the newest restore drill finished, Unix time (0: none yet)",
    multiprocess_mode="max",
)
BACKUP_LAST_DRILL_SUCCESS = Gauge(
    "aipair_backup_last_drill_success",
    "1 when the newest restore drill matched the source, verified the audit chains and met the runbook",
    multiprocess_mode="max",
)
BACKUP_LAST_DRILL_RTO = Gauge(
    "aipair_backup_last_drill_rto_seconds",
    "RTO measured by the newest restore drill",
    multiprocess_mode="max",
)
BACKUP_LAST_DRILL_RPO = Gauge(
    "aipair_backup_last_drill_rpo_seconds",
    "RPO measured by the newest restore drill",
    multiprocess_mode="max",
)
MAINTENANCE_ACTIVE = Gauge(
    "aipair_maintenance_active", "1 while a maintenance window is in progress", multiprocess_mode="max"
)
INCIDENTS_OPEN = Gauge(
    "aipair_incidents_open",
    "Incidents not resolved, by severity (P0-P3)",
    ["severity"],
    multiprocess_mode="max",
)
