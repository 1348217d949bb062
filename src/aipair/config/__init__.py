"""Typed settings: the only place that reads the environment (``AIPAIR_`` prefix, ``__`` for groups)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from aipair.config.providers import GatewayProvidersConfig
from aipair.kit.sealing import decode_key

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"


class SettingsGroup(BaseModel):
    """A group of settings (``AIPAIR_<GROUP>__<NAME>``); the docstring under each field documents it."""

    model_config = ConfigDict(use_attribute_docstrings=True)


class AuthSettings(SettingsGroup):
    """Tokens, passwords, lockout and where client addresses come from."""

    jwt_secret: SecretStr | None = None
    """Secret signing access tokens. Unset: generated once for the data directory (`secrets.json`); set it,
    the same on every replica, in production."""
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    """Lifetime of an access token (JWT), in minutes."""
    refresh_token_days: int = Field(default=14, ge=1, le=365)
    """Lifetime of a refresh token, in days; each works once and is rotated on use."""
    lockout_threshold: int = Field(
        default=10, ge=1, description="Failed sign-ins of one account within the window that lock it"
    )
    """Failed sign-ins, per account and per source address, that lock it for the rest of the window."""
    lockout_window_minutes: int = Field(default=60, ge=1, description="Window the failures are counted in")
    """The window over which failed sign-ins are counted, in minutes."""
    lockout_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="How long a lock lasts (attempts while locked never extend it)",
    )
    address_throttle_threshold: int = Field(
        default=50, ge=1, description="Failed sign-ins from one address within the window before it is slowed"
    )
    address_throttle_max_delay_s: int = Field(
        default=60, ge=1, le=3600, description="Longest wait imposed between attempts from a slowed address"
    )
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Reverse proxies (addresses or networks, JSON list) whose X-Forwarded-For is believed",
    )
    password_min_length: int = Field(default=12, ge=8, le=128)
    """Shortest password accepted."""
    argon2_time_cost: int = Field(default=3, ge=1)
    """argon2id iterations for password hashes."""
    argon2_memory_kib: int = Field(default=65536, ge=1024)
    """argon2id memory per hash, in KiB."""
    argon2_parallelism: int = Field(default=2, ge=1)
    """argon2id lanes per hash."""
    api_key_rotation_grace_hours: int = Field(default=24, ge=0, le=24 * 30)
    """How long a rotated API key keeps working beside its successor, by default."""
    password_reset_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)
    """How long a password reset code works, in minutes (once; a newer code replaces it)."""


class PlatformSettings(SettingsGroup):
    """The platform company and its first SUPER_ADMIN."""

    company_slug: str = Field(default="vibethink-platform", pattern=SLUG_PATTERN)
    """Slug of the platform company, home of SUPER_ADMIN and SUPPORT staff."""
    company_name: str = "VibeThink Platform"
    """Display name of the platform company."""
    admin_email: str = "admin@aipair.local"
    """E-mail of the first SUPER_ADMIN, created by `aipair init`."""
    admin_password: SecretStr | None = None
    """Password of the first SUPER_ADMIN. Unset: `aipair init` generates one and prints it once."""


class HttpSettings(SettingsGroup):
    """The HTTP server."""

    host: str = "127.0.0.1"
    """Interface `aipair serve` binds (`0.0.0.0` for every interface)."""
    port: int = Field(default=8000, ge=1, le=65535)
    """Port `aipair serve` listens on."""
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    """Largest JSON body of the API's own routes; larger answers 413."""
    max_upload_bytes: int = Field(default=25 * 1_048_576, ge=1024)
    """Largest upload (meetings, audio transcriptions); larger answers 413."""
    # JSON bodies of AI calls (chat, responses, messages, embeddings): images ride inside them as base64,
    # and OpenAI takes images up to 20 MB.
    max_ai_body_bytes: int = Field(default=32 * 1_048_576, ge=1024)
    """Largest JSON body of an AI call (chat, responses, messages, embeddings), which carries images inline
    as base64."""
    cors_origins: list[str] = Field(default_factory=list)
    """Browser origins allowed to call the API from their own pages (JSON list, e.g.
    `'["https://app.example.com"]'`). Empty: no cross-origin calls. `*`, plain http and localhost origins
    are for development; production refuses them."""


class GatewaySettings(SettingsGroup):
    """The AI gateway: providers and aliases, cache lifetimes, reservation clean-up."""

    providers: GatewayProvidersConfig = Field(default_factory=GatewayProvidersConfig)
    cache_ttl_s: float = Field(default=5.0, ge=0, le=300)
    """How long a process trusts its cached API keys, company policies and company AI settings, in seconds (a
    change made in the process applies at once)."""
    # How often each process reads model_prices again (a new price row applies within this).
    price_refresh_s: float = Field(default=60.0, gt=0, le=3600)
    """How often each process reads `model_prices` again, in seconds."""
    abandoned_reservation_minutes: int = Field(default=30, ge=1)
    """Reservations older than this (their gateway died mid-call) are closed by the worker as `abandoned`,
    billed at their worst case."""
    pool_size: int = Field(default=20, ge=1, le=500)
    """Connections of the gateway's own asyncpg pool (reservations, settlements, caches)."""


class WebhookSettings(SettingsGroup):
    """Outgoing webhooks: what they may reach, how long an attempt waits, how often it is tried."""

    allow_http: bool | None = None
    """Allow plain `http://` webhook URLs. Unset: allowed in development and tests only; production refuses
    to start with it on."""
    allowed_networks: list[IPvAnyNetwork] = Field(default_factory=list)
    """Non-public networks webhooks may reach anyway (JSON list, e.g. `'["10.20.0.0/16"]'`). Empty: only
    public addresses (never loopback, private, link-local, CGNAT or metadata ranges)."""
    timeout_s: float = Field(default=10.0, gt=0, le=60)
    """How long one delivery attempt waits for the receiver's answer, in seconds."""
    max_attempts: int = Field(default=8, ge=1, le=20)
    """Attempts of one delivery (retried with backoff after no answer, a 5xx, 408 or 429)."""


class SmtpSettings(SettingsGroup):
    """The mail server password reset codes are sent through. Unset host: nothing is e-mailed (codes are
    shown once to whoever issued them)."""

    host: str | None = None
    """SMTP server host name. Unset: no e-mail."""
    port: int = Field(default=587, ge=1, le=65535)
    """SMTP server port (587 with STARTTLS, 465 with TLS)."""
    security: Literal["starttls", "tls", "none"] = "starttls"
    """`starttls`, `tls` (implicit, port 465) or `none` (a relay on a trusted network only)."""
    username: str | None = None
    """Login name at the SMTP server. Unset: no login."""
    password: SecretStr | None = None
    """Password at the SMTP server."""
    sender: str = "aipair@localhost"
    """The `From` address of the platform's e-mail."""
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    """How long to wait for the SMTP server, in seconds."""


class WorkerSettings(SettingsGroup):
    """The background job runner (``aipair worker``)."""

    concurrency: int = Field(default=4, ge=1, le=64)
    """Jobs one worker process runs at once (`aipair worker --concurrency` overrides it)."""
    poll_interval_s: float = Field(default=1.0, gt=0, le=60)
    """How often an idle worker looks for due jobs when no notification arrives, in seconds."""
    lease_s: float = Field(default=30.0, ge=0.1, le=3600)
    """How long a claimed job stays a worker's without a heartbeat; after it another worker takes the job
    over."""
    shutdown_grace_s: float = Field(default=30.0, ge=0, le=3600)
    """On SIGTERM, how long running jobs may finish before they are put back in the queue, in seconds."""
    job_retention_days: int = Field(default=14, ge=1)
    """Finished jobs and their logs are deleted after this many days."""
    in_process: bool = False
    """Run a worker inside each `aipair serve` process (what `make run` does with `--with-worker`). Off:
    jobs wait for `aipair worker` processes, as in production."""
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Serve the worker's own Prometheus metrics (job durations and outcomes) on this port. Unset: none."""
    metrics_host: str = "127.0.0.1"
    """Interface the worker's metrics listen on (`0.0.0.0` in a container)."""
    schedules: dict[str, int] = Field(default_factory=dict)
    """Seconds between runs of scheduled jobs, by job name, overriding their defaults, as JSON
    (`{"usage.expire_reservations": 30}`)."""


class MeetingSettings(SettingsGroup):
    """The meeting processor: chunking, the ``llm`` engine, transcription, retries."""

    chunk_max_tokens: int = Field(default=3000, ge=100, le=100_000)
    """Largest transcript chunk sent to the `llm` engine, in tokens (chunks split at speaker turns)."""
    llm_model: str = "gpt-4o-mini"
    """Model the `llm` engine calls through the gateway."""
    llm_concurrency: int = Field(default=4, ge=1, le=32)
    """Chunks of one meeting the `llm` engine sends at once."""
    llm_max_output_tokens: int = Field(default=2000, ge=100, le=32_000)
    """`max_tokens` of each `llm` call (also what the budget reserves)."""
    llm_answer_retries: int = Field(default=2, ge=0, le=5)
    """How many times a malformed model answer is asked again."""
    transcription_model: str | None = None
    """Gateway model that transcribes meeting audio (e.g. `whisper-1`). Unset: offline transcription, when
    enabled."""
    offline_transcription: bool = True
    """Transcribe WAV audio offline (PocketSphinx) when no transcription model is set."""
    max_attempts: int = Field(default=5, ge=1, le=20)
    """Attempts of a meeting's processing job before it fails for good."""
    budget_retry_s: float = Field(default=1800.0, ge=1)
    """How long a meeting over budget waits (`awaiting_budget`) before it is tried again, in seconds."""
    chunk_delay_s: float = Field(default=0.0, ge=0, le=60)  # test-only: slows every chunk down
    """A pause before every chunk, in seconds; for tests that watch progress, keep 0 otherwise."""


class SupportSettings(SettingsGroup):
    """Support access grants, temporary limit increases and the thresholds of support activity."""

    grant_default_minutes: int = Field(default=60, ge=1, le=1440)
    """Duration of a support access grant when the request names none."""
    grant_max_minutes: int = Field(default=480, ge=1, le=1440)
    """Longest support access grant."""
    limit_increase_max: int = Field(default=500, ge=1, le=1_000_000)
    """Most AI requests a temporary limit increase may add above the company's own monthly limit."""
    actions_per_day_threshold: int = Field(default=50, ge=1)
    """Staff actions per member and day above which the security views flag them."""
    increases_per_week_threshold: int = Field(default=10, ge=1)
    """Temporary limit increases per week above which the security views flag them."""
    large_increase_threshold: int = Field(default=200, ge=1)
    """A single limit increase above this many requests is listed in the security report."""


class MetricsSettings(SettingsGroup):
    """Prometheus metrics (`/metrics`) and how they are collected."""

    enabled: bool = True
    """Off: no per-request, per-query or per-call instrumentation (`/metrics` still answers)."""
    multiprocess_dir: Path | None = None
    """Where `aipair serve --workers N` keeps the values of its processes (emptied at start). Unset: a
    temporary directory removed at exit."""
    sample_interval_s: float = Field(default=5.0, gt=0, le=300)
    """How often pool sizes, breaker states, requests in flight, CPU and memory are sampled, in seconds."""
    snapshot_timeout_s: float = Field(default=1.0, gt=0, le=30)
    """Bound of the database read behind the job-queue, active-user and connection gauges at each scrape."""
    activity_flush_s: float = Field(default=15.0, gt=0, le=300)
    """How often each process writes who was active (the active-users gauge lags by at most this)."""


class TracingSettings(SettingsGroup):
    """Optional OpenTelemetry tracing (off unless an OTLP endpoint is set)."""

    otlp_endpoint: str | None = Field(default=None, pattern=r"^https?://")
    """OTLP/HTTP collector base URL (`http://otel-collector:4318`; spans go to `/v1/traces`). Unset: no
    tracing, and nothing of it is loaded."""
    service_name: str = "aipair"
    """The `service.name` of the exported spans."""
    sample_ratio: float = Field(default=1.0, ge=0, le=1)
    """Share of requests traced (a request inside a traced caller's trace follows the caller)."""


class SecuritySignalSettings(SettingsGroup):
    """The gateway's key-use signals: how often they are written and what counts as unusual."""

    flush_interval_s: float = Field(default=5.0, gt=0, le=300)
    """How often the gateway's key-use signals (refusals, new addresses) are written, in seconds."""
    spike_check_interval_s: float = Field(default=300.0, gt=0, le=24 * 3600)
    """How often keys are checked for spend and error spikes, in seconds."""
    spike_factor: float = Field(default=5.0, ge=1)
    """A key's last hour counts as a spike at this many times its trailing hourly average."""
    spike_trailing_days: int = Field(default=7, ge=1, le=90)
    """Days of history the hourly average of a key is taken over."""
    spend_spike_floor_usd: Decimal = Field(default=Decimal("1.00"), ge=0, decimal_places=6)
    """Spend in an hour below which no spend spike is raised, in USD."""
    error_spike_floor: int = Field(default=20, ge=1)
    """Failed calls in an hour below which no error spike is raised."""
    source_refresh_s: float = Field(default=3600.0, gt=0)
    """How often a process forgets the (key, address) pairs it knows and asks the database again, in
    seconds."""
    working_hours_cache_s: float = Field(default=300.0, ge=0)
    """How long the companies' working hours are cached, in seconds."""


class BackupSettings(SettingsGroup):
    """Backups: the repository, WAL archiving of the embedded server, retention and what is scheduled."""

    repository: str | None = None
    """Where backups go: a directory, or `s3://bucket/prefix` for an S3-compatible bucket. Unset: `<data
    dir>/backups`."""
    s3_endpoint_url: str | None = None
    """Endpoint of an S3-compatible service (unset: AWS S3)."""
    s3_region: str = "us-east-1"
    """Region of the bucket."""
    s3_access_key_id: SecretStr | None = None
    """Access key id for the bucket (unset: the usual AWS credential chain)."""
    s3_secret_access_key: SecretStr | None = None
    """Secret access key for the bucket."""
    wal_archiving: bool = True
    """The embedded server archives every WAL segment into the repository (point-in-time recovery)."""
    archive_timeout_s: int = Field(default=30, ge=1, le=3600)
    """A segment is archived at the latest this long after a write: the bound of the recovery point, in
    seconds."""
    retention_days: int = Field(default=30, ge=1, le=3650)
    """Backups older than this are pruned (the newest of each kind stays), with the WAL no kept backup
    needs."""
    scheduled_kind: Literal["physical", "logical"] | None = None
    """What the daily scheduled backup takes. Unset: physical on the embedded server, logical otherwise."""
    schedule: bool = True
    """Take the daily backup on schedule."""
    replication_url: SecretStr | None = None
    """A role with REPLICATION for `pg_basebackup` on an external server (the embedded one needs none)."""


class MaintenanceSettings(SettingsGroup):
    """Maintenance windows: the announced default, the notice and length rules, how fast replicas agree."""

    default_weekday: int = Field(default=6, ge=0, le=6)
    """Weekday of the announced maintenance window (Monday 0 … Sunday 6)."""
    default_start_hour_utc: int = Field(default=2, ge=0, le=23)
    """Hour (UTC) the announced maintenance window starts."""
    default_duration_minutes: int = Field(default=120, ge=1, le=24 * 60)
    """Length of the announced maintenance window."""
    max_duration_minutes: int = Field(default=120, ge=1, le=24 * 60)
    """Longest maintenance window that may be scheduled."""
    notice_hours: int = Field(default=48, ge=0, le=24 * 30)
    """Notice a scheduled maintenance window needs, in hours."""
    refresh_s: float = Field(default=5.0, gt=0, le=300)
    """Every process re-reads the maintenance state this often besides the notification that announces each
    change, in seconds."""


class WebSettings(SettingsGroup):
    """The web console: its session cookie and how long a session lasts."""

    cookie_secure: bool = True
    """Mark the console's cookies `Secure`. Browsers accept them from `http://localhost`; turn it off only
    for plain http from another host in development (refused in production)."""
    session_idle_minutes: int = Field(default=60, ge=1, le=24 * 60)
    """A console session unused this long ends."""
    session_max_hours: int = Field(default=12, ge=1, le=24 * 14)
    """A console session ends this long after sign-in, however active."""


class Settings(BaseSettings):
    """All settings of the platform, validated at start-up."""

    model_config = SettingsConfigDict(
        env_prefix="AIPAIR_",
        env_nested_delimiter="__",
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,  # a mistyped key or URL must not end up in a start-up log
        use_attribute_docstrings=True,
        env_file=".env",
    )

    env: Literal["development", "production", "test"] = "development"
    """`production` refuses unsafe settings; `test` is for the test suite."""
    data_dir: Path = Path("var")
    """Directory of the embedded PostgreSQL (`pgdata/`), generated secrets (`secrets.json`) and local
    files."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """Lowest level logged."""
    log_json: bool = False
    """Log JSON lines (production) instead of readable text."""
    redis_url: SecretStr | None = None
    """Redis shared by every replica for rate limits (`redis://host:6379/0`). Unset: limits are counted in
    each process."""
    redis_failure_mode: Literal["local", "refuse"] = "local"
    """While Redis is unreachable: count rate limits in each process (`local`, /health/integrations says
    degraded) or refuse AI calls with 503 `rate_limiter_unavailable` (`refuse`)."""
    redis_timeout_ms: int = Field(default=500, ge=10, le=10_000)
    """Bound of each Redis connect and command, in milliseconds."""
    # AES-256-GCM key (base64 of 32 bytes) sealing secrets at rest, e.g. companies' provider API keys.
    # Unset: a key generated once for the data directory (``secrets.json``), like the JWT secret.
    secrets_key: SecretStr | None = None
    """AES-256-GCM key (base64 of 32 bytes) sealing secrets at rest, such as companies' provider API keys.
    Unset: generated once for the data directory; set it, the same on every replica, in production."""
    secrets_previous_keys: SecretStr | None = None
    """Earlier secrets keys still accepted for opening (a key ring while `aipair secrets rotate` runs): comma-
    separated base64 keys. New values are always sealed under the current key."""
    database_url: SecretStr | None = None
    """PostgreSQL URL of the owner role, which runs migrations (`postgresql://owner:…@host/db`). Unset: the
    embedded PostgreSQL in the data directory."""
    database_app_url: SecretStr | None = None
    """URL the application connects with (e.g. through a pooler). Unset: the owner URL with the application
    role and its password."""
    database_app_role: str = Field(default="aipair_app", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    """The application role: owns nothing, subject to row-level security; created by `aipair db upgrade`."""
    database_app_password: SecretStr | None = None
    """Password of the application role. Unset: generated once for the data directory."""
    database_reporting_role: str = Field(default="aipair_reporting", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    """The read-only reporting role (Grafana): reads the `reporting` views only; created by `aipair db
    upgrade`."""
    database_reporting_password: SecretStr | None = None
    """Password of the reporting role. Unset: generated once for the data directory."""
    build_revision: str | None = Field(default=None, max_length=64)
    """The git revision the running code was built from (set by the image build). Unset: read from the
    checkout, else `unknown`."""
    # The runbook's ``DB_POOL_SIZE`` (``kubectl patch configmap app-config``) is read too;
    # ``AIPAIR_DB_POOL_SIZE`` takes precedence when both are set.
    db_pool_size: int = Field(
        default=10,
        ge=1,
        le=200,
        validation_alias=AliasChoices("AIPAIR_DB_POOL_SIZE", "DB_POOL_SIZE", "db_pool_size"),
    )
    """Connections of the application's SQLAlchemy pool per process (the runbook's `DB_POOL_SIZE` is read too;
    this one wins)."""
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    """Connections the pool may open beyond its size under load."""
    db_statement_timeout_ms: int = Field(default=15_000, ge=100)
    """Longest a statement may run before PostgreSQL cancels it, in milliseconds."""
    # "transaction": the application role's URL leads to a pooler in transaction mode (PgBouncer
    # ``pool_mode = transaction``): no statement outlives a transaction, nothing is set per session.
    db_pooler: Literal["none", "transaction"] = "none"
    """`transaction` when the application URL leads to a pooler in transaction mode (PgBouncer): nothing is
    set per session and workers poll instead of listening."""
    db_connect_timeout_ms: int = Field(default=1_000, ge=100, le=60_000)
    """Bound of opening a database connection, in milliseconds."""
    db_checkout_timeout_ms: int = Field(default=1_000, ge=50, le=60_000)
    """Longest wait for a pooled connection before answering 503 `database_unavailable`, in milliseconds."""
    db_probe_interval_ms: int = Field(default=500, ge=50, le=60_000)
    """How often each process probes the database (`SELECT 1`), in milliseconds."""
    db_probe_timeout_ms: int = Field(default=500, ge=50, le=60_000)
    """A probe not answered within this is a failure (confirmed on a fresh connection), in milliseconds."""
    embedded_db_port: int = Field(default=5544, ge=0, le=65535)
    """Port of the embedded PostgreSQL (`0`: a free port each start)."""
    auth: AuthSettings = AuthSettings()
    platform: PlatformSettings = PlatformSettings()
    http: HttpSettings = HttpSettings()
    support: SupportSettings = Field(default_factory=SupportSettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    meetings: MeetingSettings = Field(default_factory=MeetingSettings)
    signals: SecuritySignalSettings = Field(default_factory=SecuritySignalSettings)
    backup: BackupSettings = Field(default_factory=BackupSettings)
    maintenance: MaintenanceSettings = Field(default_factory=MaintenanceSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    tracing: TracingSettings = Field(default_factory=TracingSettings)

    @field_validator("database_url", "database_app_url")
    @classmethod
    def _postgres_only(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.match(r"^postgres(ql)?(\+\w+)?://", value.get_secret_value()):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("secrets_key", "secrets_previous_keys")
    @classmethod
    def _thirty_two_bytes(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            for key in filter(None, (part.strip() for part in value.get_secret_value().split(","))):
                decode_key(key)  # ValueError: "must be base64" / "must decode to 32 bytes"
        return value

    @model_validator(mode="after")
    def _secure_cookies_in_production(self) -> Settings:
        if self.env == "production" and not self.web.cookie_secure:
            raise ValueError("web.cookie_secure cannot be turned off in production")
        return self

    @property
    def data_path(self) -> Path:
        """The data directory as an absolute path."""
        return self.data_dir.expanduser().resolve()

    @property
    def embedded(self) -> bool:
        """True when the platform runs its own embedded PostgreSQL."""
        return self.database_url is None


def load_settings() -> Settings:
    """Read and validate the settings from the environment."""
    return Settings()
