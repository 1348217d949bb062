"""Schema management: the application role bootstrap and the Alembic commands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import psycopg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy import create_engine, pool

from aipair.db.base import Base
from aipair.db.registry import import_all_models
from aipair.db.urls import DatabaseUrls, libpq, with_driver

PROJECT_ROOT = Path(__file__).resolve().parents[3]
COMPARE_OPTIONS: dict[str, Any] = {
    "include_schemas": True,
    "compare_type": True,
    "compare_server_default": True,
}
"""How the models are compared with a database: by ``alembic revision --autogenerate`` and by the
schema-drift test (tables, columns, types, nullability, server defaults, keys, indexes, unique
constraints, in every schema)."""


def alembic_config(urls: DatabaseUrls) -> Config:
    """Alembic configuration bound to the owner URL and the application role."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["owner_url"] = with_driver(urls.owner, "psycopg")
    config.attributes["app_role"] = urls.app_role
    config.attributes["reporting_role"] = urls.reporting_role
    return config


def _ensure_login_role(conn: psycopg.Connection[Any], role: str, password: str) -> None:
    """Create (or refresh the password of) a role that may log in and owns nothing."""
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
    attributes = "" if exists else "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"
    conn.execute(
        sql.SQL("{} ROLE {} {} PASSWORD {}").format(
            sql.SQL("ALTER" if exists else "CREATE"),
            sql.Identifier(role),
            sql.SQL(attributes),
            sql.Literal(password),
        )
    )
    database = conn.execute("SELECT current_database()").fetchone()
    assert database is not None
    grant = sql.SQL("GRANT CONNECT ON DATABASE {} TO {}")
    conn.execute(grant.format(sql.Identifier(database[0]), sql.Identifier(role)))


def ensure_app_role(urls: DatabaseUrls) -> None:
    """Create (or refresh the password of) the application role: LOGIN, NOBYPASSRLS, owns nothing, its
    statements bounded by its own ``statement_timeout``; and the read-only reporting role, which reads
    the ``reporting`` views (granted by the migrations)."""
    with psycopg.connect(libpq(urls.owner), autocommit=True) as conn:
        _ensure_login_role(conn, urls.app_role, urls.app_password)
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(urls.app_role)))
        if urls.app_statement_timeout_ms is not None:
            conn.execute(
                sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(
                    sql.Identifier(urls.app_role), sql.Literal(f"{urls.app_statement_timeout_ms}ms")
                )
            )
        _ensure_login_role(conn, urls.reporting_role, urls.reporting_password)


def upgrade(urls: DatabaseUrls, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    ensure_app_role(urls)
    command.upgrade(alembic_config(urls), revision)
    with psycopg.connect(libpq(urls.owner), autocommit=True) as conn:
        conn.execute(sql.SQL("GRANT SELECT ON alembic_version TO {}").format(sql.Identifier(urls.app_role)))


def head_revision(urls: DatabaseUrls) -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config(urls)).get_current_head()


@dataclass(frozen=True)
class SchemaStatus:
    """The database's revision against this code's head.

    ``state`` is ``ahead`` at a revision this code does not know, i.e. a newer release's. Migrations
    are expand-then-contract, so this code still runs on it: while blue and green run side by side, the
    older one stays ready after the newer one's migration. ``behind``: migrations are pending.
    """

    current: str | None
    head: str | None
    state: Literal["current", "behind", "ahead"]


def schema_status(urls: DatabaseUrls, revision: str | None) -> SchemaStatus:
    """Where the database at ``revision`` stands against this code's migrations."""
    script = ScriptDirectory.from_config(alembic_config(urls))
    head = script.get_current_head()
    if revision == head:
        return SchemaStatus(revision, head, "current")
    known = revision is None or revision in {rev.revision for rev in script.walk_revisions()}
    return SchemaStatus(revision, head, "behind" if known else "ahead")


def current_revision(urls: DatabaseUrls) -> str | None:
    """The revision the database is at (None before the first migration)."""
    engine = create_engine(with_driver(urls.owner, "psycopg"), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def history(urls: DatabaseUrls) -> list[tuple[str, str, bool]]:
    """Every revision, oldest first: (revision, message, applied)."""
    script = ScriptDirectory.from_config(alembic_config(urls))
    current = current_revision(urls)
    applied_ids: set[str] = set()
    if current is not None:
        applied_ids = {rev.revision for rev in script.iterate_revisions(current, "base")}
    revisions = list(script.walk_revisions())
    revisions.reverse()
    return [(rev.revision, rev.doc or "", rev.revision in applied_ids) for rev in revisions]


def schema_differences(urls: DatabaseUrls) -> list[Any]:
    """What ``alembic revision --autogenerate`` would write to make the database match the models
    (empty when they agree)."""
    import_all_models()
    engine = create_engine(with_driver(urls.owner, "psycopg"), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=COMPARE_OPTIONS)
            differences: list[Any] = compare_metadata(context, Base.metadata)
            return differences
    finally:
        engine.dispose()
