"""Typed settings: the only place that reads the environment (``AIPAIR_`` prefix, ``__`` for groups)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    IPvAnyNetwork,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from aipair.gateway.provider_config import GatewayProvidersConfig
from aipair.kit.sealing import decode_key

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"


class AuthSettings(BaseModel):
    """Tokens, passwords, lockout and where client addresses come from."""

    jwt_secret: SecretStr | None = None
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=14, ge=1, le=365)
    lockout_threshold: int = Field(
        default=10, ge=1, description="Failed sign-ins of one account within the window that lock it"
    )
    lockout_window_minutes: int = Field(default=60, ge=1, description="Window the failures are counted in")
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
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=1024)
    argon2_parallelism: int = Field(default=2, ge=1)
    api_key_rotation_grace_hours: int = Field(default=24, ge=0, le=24 * 30)


class PlatformSettings(BaseModel):
    """The platform company and its first SUPER_ADMIN."""

    company_slug: str = Field(default="vibethink-platform", pattern=SLUG_PATTERN)
    company_name: str = "VibeThink Platform"
    admin_email: str = "admin@aipair.local"
    admin_password: SecretStr | None = None


class HttpSettings(BaseModel):
    """The HTTP server."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_upload_bytes: int = Field(default=25 * 1_048_576, ge=1024)
    # JSON bodies of AI calls (chat, responses, messages, embeddings): images ride inside them as base64,
    # and OpenAI takes images up to 20 MB.
    max_ai_body_bytes: int = Field(default=32 * 1_048_576, ge=1024)


class GatewaySettings(BaseModel):
    """The AI gateway: providers and aliases, cache lifetimes, reservation clean-up."""

    providers: GatewayProvidersConfig = Field(default_factory=GatewayProvidersConfig)
    cache_ttl_s: float = Field(default=5.0, ge=0, le=300)
    # How often each process reads model_prices again (a new price row applies within this).
    price_refresh_s: float = Field(default=60.0, gt=0, le=3600)
    abandoned_reservation_minutes: int = Field(default=30, ge=1)
    pool_size: int = Field(default=20, ge=1, le=500)


class WorkerSettings(BaseModel):
    """The background job runner (``aipair worker``)."""

    concurrency: int = Field(default=4, ge=1, le=64)
    poll_interval_s: float = Field(default=1.0, gt=0, le=60)
    lease_s: float = Field(default=30.0, ge=0.1, le=3600)
    shutdown_grace_s: float = Field(default=30.0, ge=0, le=3600)
    job_retention_days: int = Field(default=14, ge=1)


class MeetingSettings(BaseModel):
    """The meeting processor: chunking, the ``llm`` engine, transcription, retries."""

    chunk_max_tokens: int = Field(default=3000, ge=100, le=100_000)
    llm_model: str = "gpt-4o-mini"
    llm_concurrency: int = Field(default=4, ge=1, le=32)
    llm_max_output_tokens: int = Field(default=2000, ge=100, le=32_000)
    llm_answer_retries: int = Field(default=2, ge=0, le=5)
    transcription_model: str | None = None
    offline_transcription: bool = True
    max_attempts: int = Field(default=5, ge=1, le=20)
    budget_retry_s: float = Field(default=1800.0, ge=1)
    chunk_delay_s: float = Field(default=0.0, ge=0, le=60)  # test-only: slows every chunk down


class SupportSettings(BaseModel):
    """Support access grants, temporary limit increases and the thresholds of support activity."""

    grant_default_minutes: int = Field(default=60, ge=1, le=1440)
    grant_max_minutes: int = Field(default=480, ge=1, le=1440)
    limit_increase_max: int = Field(default=500, ge=1, le=1_000_000)
    actions_per_day_threshold: int = Field(default=50, ge=1)
    increases_per_week_threshold: int = Field(default=10, ge=1)
    large_increase_threshold: int = Field(default=200, ge=1)


class SecuritySignalSettings(BaseModel):
    """The gateway's key-use signals: how often they are written and what counts as unusual."""

    flush_interval_s: float = Field(default=5.0, gt=0, le=300)
    spike_check_interval_s: float = Field(default=300.0, gt=0, le=24 * 3600)
    spike_factor: float = Field(default=5.0, ge=1)
    spike_trailing_days: int = Field(default=7, ge=1, le=90)
    spend_spike_floor_usd: Decimal = Field(default=Decimal("1.00"), ge=0, decimal_places=6)
    error_spike_floor: int = Field(default=20, ge=1)
    source_refresh_s: float = Field(default=3600.0, gt=0)
    working_hours_cache_s: float = Field(default=300.0, ge=0)


class BackupSettings(BaseModel):
    """Backups: the repository, WAL archiving of the embedded server, retention and what is scheduled."""

    # A directory, or ``s3://bucket/prefix`` for an S3-compatible bucket. Unset: ``<data dir>/backups``.
    repository: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    # The embedded server archives every WAL segment into the repository (point-in-time recovery).
    wal_archiving: bool = True
    # A segment is archived at the latest this long after a write: the bound of the recovery point.
    archive_timeout_s: int = Field(default=30, ge=1, le=3600)
    retention_days: int = Field(default=30, ge=1, le=3650)
    # What the daily scheduled backup takes. Unset: physical on the embedded server, logical otherwise.
    scheduled_kind: Literal["physical", "logical"] | None = None
    schedule: bool = True
    # A role with REPLICATION for ``pg_basebackup`` on an external server (the embedded one needs none).
    replication_url: SecretStr | None = None


class MaintenanceSettings(BaseModel):
    """Maintenance windows: the announced default, the notice and length rules, how fast replicas agree."""

    default_weekday: int = Field(default=6, ge=0, le=6)  # Monday 0 ... Sunday 6
    default_start_hour_utc: int = Field(default=2, ge=0, le=23)
    default_duration_minutes: int = Field(default=120, ge=1, le=24 * 60)
    max_duration_minutes: int = Field(default=120, ge=1, le=24 * 60)
    notice_hours: int = Field(default=48, ge=0, le=24 * 30)
    # Every process re-reads the state this often besides the NOTIFY that announces each change.
    refresh_s: float = Field(default=5.0, gt=0, le=300)


class WebSettings(BaseModel):
    """The web console: its session cookie and how long a session lasts."""

    # Browsers accept Secure cookies from http://localhost and 127.0.0.1 (secure contexts), so the flag
    # stays on everywhere by default; turn it off only to use the console over plain http from another
    # host name in development. Production refuses it off.
    cookie_secure: bool = True
    session_idle_minutes: int = Field(default=60, ge=1, le=24 * 60)
    session_max_hours: int = Field(default=12, ge=1, le=24 * 14)


class Settings(BaseSettings):
    """All settings of the platform, validated at start-up."""

    model_config = SettingsConfigDict(
        env_prefix="AIPAIR_",
        env_nested_delimiter="__",
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,  # a mistyped key or URL must not end up in a start-up log
    )

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("var")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = False
    redis_url: SecretStr | None = None
    # AES-256-GCM key (base64 of 32 bytes) sealing secrets at rest, e.g. companies' provider API keys.
    # Unset: a key generated once for the data directory (``secrets.json``), like the JWT secret.
    secrets_key: SecretStr | None = None
    # Earlier secrets keys still accepted for opening (a key ring while ``aipair secrets rotate`` runs),
    # comma-separated base64 keys. New values are always sealed under ``secrets_key``.
    secrets_previous_keys: SecretStr | None = None
    database_url: SecretStr | None = None
    database_app_url: SecretStr | None = None
    database_app_role: str = Field(default="aipair_app", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    database_app_password: SecretStr | None = None
    # The runbook's ``DB_POOL_SIZE`` (``kubectl patch configmap app-config``) is read too;
    # ``AIPAIR_DB_POOL_SIZE`` takes precedence when both are set.
    db_pool_size: int = Field(
        default=10,
        ge=1,
        le=200,
        validation_alias=AliasChoices("AIPAIR_DB_POOL_SIZE", "DB_POOL_SIZE", "db_pool_size"),
    )
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    db_statement_timeout_ms: int = Field(default=15_000, ge=100)
    # "transaction": the application role's URL leads to a pooler in transaction mode (PgBouncer
    # ``pool_mode = transaction``): no statement outlives a transaction, nothing is set per session.
    db_pooler: Literal["none", "transaction"] = "none"
    embedded_db_port: int = Field(default=5544, ge=0, le=65535)
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
