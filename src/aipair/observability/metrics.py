"""Every Prometheus collector of the application (``aipair_<area>_<thing>_<unit>``).

Labels come from small fixed sets only — never a company, user or key id. Route labels are route
templates, model labels are models with a platform price (others count as ``other``).

Under several server processes (``aipair serve --workers N``) every value lives in a memory-mapped file
per process (prometheus-client's multiprocess mode, see :mod:`aipair.observability.exposition`), so one
scrape shows the whole process tree. Gauges therefore declare how processes combine: ``livesum`` (add
up the live processes: in-flight requests, pool connections, memory) or ``livemax`` / ``livemin``
(state flags). Values read from PostgreSQL at scrape time (job queue, active users, connections) are
not here: :mod:`aipair.observability.snapshot` produces them.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# --- HTTP -------------------------------------------------------------------------------------------
# Buckets resolve the runbook's 200 ms SLO and 500 ms scaling trigger.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0)
HTTP_REQUESTS = Counter(
    "aipair_http_requests_total",
    "HTTP requests answered, by route template, method and status class (2xx, 4xx, 5xx...)",
    ["route", "method", "status_class"],
)
HTTP_DURATION = Histogram(
    "aipair_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template",
    ["route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge(
    "aipair_http_requests_in_flight", "Requests being answered right now", multiprocess_mode="livesum"
)

# --- database ---------------------------------------------------------------------------------------
DB_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)
DB_POOL_CONNECTIONS = Gauge(
    "aipair_db_pool_connections",
    "Connections of the process pools (pool: orm or gateway; state: capacity, open, in_use)",
    ["pool", "state"],
    multiprocess_mode="livesum",
)
DB_POOL_WAITING = Gauge(
    "aipair_db_pool_waiting_requests",
    "Requests waiting for a pooled connection",
    ["pool"],
    multiprocess_mode="livesum",
)
DB_CHECKOUT_WAIT = Histogram(
    "aipair_db_pool_checkout_wait_seconds",
    "Time spent waiting for a pooled connection (connecting included)",
    ["pool"],
    buckets=DB_BUCKETS,
)
DB_QUERY_DURATION = Histogram(
    "aipair_db_query_duration_seconds", "Duration of SQL statements", ["pool"], buckets=DB_BUCKETS
)
DB_ERRORS = Counter(
    "aipair_db_errors_total",
    "Database failures seen by requests and jobs (kind: unavailable, timeout, other)",
    ["kind"],
)
DB_UP = Gauge(
    "aipair_db_up",
    "1 while the database answers the process's probe, 0 during an outage",
    multiprocess_mode="livemin",
)

# --- rate-limit state (Redis) -----------------------------------------------------------------------
RATELIMIT_BACKEND_UP = Gauge(
    "aipair_ratelimit_backend_up",
    "1 while the shared rate-limit store (Redis) answers, 0 while limits are in-process or refused",
    multiprocess_mode="livemin",
)
RATELIMIT_DEGRADED = Counter(
    "aipair_ratelimit_degraded_total",
    "AI calls decided without the shared rate-limit store (action: local or refused)",
    ["action"],
)

# --- AI gateway -------------------------------------------------------------------------------------
AI_REQUESTS = Counter(
    "aipair_ai_requests_total",
    "Settled AI calls by provider, model and outcome (success, client_error, rate_limited,"
    " upstream_error, cancelled)",
    ["provider", "model", "outcome"],
)
AI_TOKENS = Counter(
    "aipair_ai_tokens_total",
    "Tokens billed, by direction (input, output)",
    ["provider", "model", "direction"],
)
AI_COST = Counter(
    "aipair_ai_cost_micro_usd_total", "Cost billed to companies in micro-USD", ["provider", "model"]
)
AI_UPSTREAM_DURATION = Histogram(
    "aipair_ai_upstream_duration_seconds",
    "Duration of each call to a provider (retries are separate calls; streams: until the first chunk)",
    ["provider", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0),
)
AI_FALLBACKS = Counter(
    "aipair_ai_fallbacks_total",
    "Calls served by a later target of the model after the first failed",
    ["provider"],
)
AI_BREAKER_STATE = Gauge(
    "aipair_ai_breaker_state",
    "Circuit breaker of each platform provider: 0 closed, 1 half-open, 2 open",
    ["provider"],
    multiprocess_mode="livemax",
)
GATEWAY_REJECTIONS = Counter(
    "aipair_gateway_rejections_total",
    "AI calls refused with 429 (kind: rate_limited or budget_rejected; limit: rpm, aph, key_rpm, key_tpm,"
    " quota, budget, key_budget)",
    ["kind", "limit"],
)
RESERVATIONS_EXPIRED = Counter(
    "aipair_gateway_reservations_expired_total",
    "Reservations no gateway settled in time (its process died), closed as abandoned by the worker",
)

# --- jobs (counted by the worker process) -----------------------------------------------------------
JOB_DURATION = Histogram(
    "aipair_jobs_duration_seconds",
    "Duration of job attempts by job name",
    ["job"],
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0),
)
JOB_RUNS = Counter(
    "aipair_jobs_runs_total",
    "Job attempts by job name and outcome (succeeded, retrying, failed, deferred, lease_lost)",
    ["job", "outcome"],
)

# --- security and support ---------------------------------------------------------------------------
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
UNUSUAL_KEY_USE = Counter(
    "aipair_security_unusual_key_use_total",
    "Unusual API key use recorded (reason: new_ip, spend_spike, error_spike, off_hours)",
    ["reason"],
)

# --- the process and the build ----------------------------------------------------------------------
PROCESS_CPU = Counter(
    "aipair_process_cpu_seconds_total", "CPU time (user and system) spent by the application's processes"
)
PROCESS_MEMORY = Gauge(
    "aipair_process_resident_memory_bytes",
    "Resident memory of the application's processes",
    multiprocess_mode="livesum",
)
PROCESS_CPU_LIMIT = Gauge(
    "aipair_process_cpu_limit_cores",
    "CPU cores available to the application (its container's quota, else the machine's cores)",
    multiprocess_mode="livemax",
)
PROCESS_MEMORY_LIMIT = Gauge(
    "aipair_process_memory_limit_bytes",
    "Memory available to the application (its container's limit, else the machine's memory)",
    multiprocess_mode="livemax",
)
BUILD_INFO = Gauge(
    "aipair_build_info",
    "Always 1: the running version, git revision and the migration head the code expects",
    ["version", "revision", "migration_head"],
    multiprocess_mode="livemax",
)

# --- operations -------------------------------------------------------------------------------------
# Read from the database by every serving process (ops/gauges.py), so each one reports the same values;
# "livemax" keeps one series when processes share a multiprocess directory.
BACKUP_LAST_SUCCESS = Gauge(
    "aipair_backup_last_success_timestamp_seconds",
    "When the newest backup (physical or logical) finished, Unix time (0: none yet)",
    multiprocess_mode="livemax",
)
BACKUP_LAST_DRILL = Gauge(
    "aipair_backup_last_drill_timestamp_seconds",
    "When the newest restore drill finished, Unix time (0: none yet)",
    multiprocess_mode="livemax",
)
BACKUP_LAST_DRILL_SUCCESS = Gauge(
    "aipair_backup_last_drill_success",
    "1 when the newest restore drill matched the source, verified the audit chains and met the runbook",
    multiprocess_mode="livemax",
)
BACKUP_LAST_DRILL_RTO = Gauge(
    "aipair_backup_last_drill_rto_seconds",
    "RTO measured by the newest restore drill",
    multiprocess_mode="livemax",
)
BACKUP_LAST_DRILL_RPO = Gauge(
    "aipair_backup_last_drill_rpo_seconds",
    "RPO measured by the newest restore drill",
    multiprocess_mode="livemax",
)
MAINTENANCE_ACTIVE = Gauge(
    "aipair_maintenance_active", "1 while a maintenance window is in progress", multiprocess_mode="livemax"
)
INCIDENTS_OPEN = Gauge(
    "aipair_incidents_open",
    "Incidents not resolved, by severity (P0-P3)",
    ["severity"],
    multiprocess_mode="livemax",
)
