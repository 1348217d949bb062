"""Resolve the owner and application connection URLs from settings (embedded or external)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import make_url

from aipair.config import Settings
from aipair.db.embedded import EmbeddedPostgres
from aipair.kit.local_secrets import local_secret


@dataclass(frozen=True)
class DatabaseUrls:
    """libpq-style URLs (``postgresql://``) of the owner and of the application role."""

    owner: str
    app: str
    app_role: str
    app_password: str
    reporting_role: str = "aipair_reporting"
    reporting_password: str = ""
    app_statement_timeout_ms: int | None = None
    """The application role's own ``statement_timeout`` (set by ``aipair db upgrade``): what bounds its
    statements where nothing is set at connect (behind a transaction pooler)."""

    @property
    def reporting(self) -> str:
        """URL of the read-only reporting role (dashboards)."""
        return (
            make_url(self.owner)
            .set(username=self.reporting_role, password=self.reporting_password)
            .render_as_string(hide_password=False)
        )


def embedded_server(settings: Settings, parameters: dict[str, str] | None = None) -> EmbeddedPostgres:
    """The embedded server of the configured data directory, started with ``parameters`` (the backup
    domain's WAL archiving: ``aipair.ops.backups.wal.archiving_embedded_server``)."""
    return EmbeddedPostgres(settings.data_path, settings.embedded_db_port, parameters or {})


def app_password(settings: Settings) -> str:
    """The application role's password: from settings, else generated for this data directory."""
    if settings.database_app_password is not None:
        return settings.database_app_password.get_secret_value()
    return local_secret(settings.data_path, "db_app_password")


def reporting_password(settings: Settings) -> str:
    """The reporting role's password: from settings, else generated for this data directory."""
    if settings.database_reporting_password is not None:
        return settings.database_reporting_password.get_secret_value()
    return local_secret(settings.data_path, "db_reporting_password")


def resolve_urls(settings: Settings) -> DatabaseUrls:
    """URLs of the running database (the embedded server must already run)."""
    owner = (
        settings.database_url.get_secret_value()
        if settings.database_url is not None
        else embedded_server(settings).owner_url()
    )
    password = app_password(settings)
    if settings.database_app_url is not None:
        app = settings.database_app_url.get_secret_value()
    else:
        app = (
            make_url(owner)
            .set(username=settings.database_app_role, password=password)
            .render_as_string(hide_password=False)
        )
    return DatabaseUrls(
        owner=owner,
        app=app,
        app_role=settings.database_app_role,
        app_password=password,
        reporting_role=settings.database_reporting_role,
        reporting_password=reporting_password(settings),
        app_statement_timeout_ms=settings.db_statement_timeout_ms,
    )


def with_driver(url: str, driver: str) -> str:
    """The same URL with an explicit SQLAlchemy driver (``asyncpg``, ``psycopg``)."""
    parsed = make_url(url)
    return parsed.set(drivername=f"postgresql+{driver}").render_as_string(hide_password=False)


def libpq(url: str) -> str:
    """The same URL without a SQLAlchemy driver suffix, as psql and pg_dump expect it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
