"""The ORM models are the schema: a database built by running every migration on an empty database
has exactly the tables, columns, types, nullability, server defaults, keys, indexes and unique
constraints the models declare (what ``alembic revision --autogenerate`` compares)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from psycopg import sql

from aipair.db import migrate
from aipair.db.embedded import SUPERUSER, EmbeddedPostgres
from aipair.db.urls import DatabaseUrls
from aipair.kit.local_secrets import local_secret

EXTRA_REVISION = """
revision = "9999"
down_revision = "{head}"


def upgrade() -> None:
    from alembic import op

    op.execute("ALTER TABLE usage_events ADD COLUMN note text")
"""


@pytest.fixture
def empty_database(postgres: EmbeddedPostgres, urls: DatabaseUrls, data_dir: Path) -> Iterator[DatabaseUrls]:
    """A new, empty database on the test server, owned by the migrations' role; dropped afterwards."""
    name = f"drift_{uuid.uuid4().hex[:12]}"
    admin = postgres.url(SUPERUSER, local_secret(data_dir, "db_superuser_password"), "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER aipair_owner").format(sql.Identifier(name)))
    try:
        yield DatabaseUrls(
            owner=urls.owner.rsplit("/", 1)[0] + f"/{name}",
            app=urls.app.rsplit("/", 1)[0] + f"/{name}",
            app_role=urls.app_role,
            app_password=urls.app_password,
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_freshly_migrated_database_matches_the_models(empty_database: DatabaseUrls) -> None:
    migrate.upgrade(empty_database)
    assert migrate.schema_differences(empty_database) == []


def test_a_migration_adding_a_column_the_models_lack_is_found(
    empty_database: DatabaseUrls, tmp_path: Path
) -> None:
    config = migrate.alembic_config(empty_database)
    head = migrate.head_revision(empty_database)
    (tmp_path / "9999_extra_column.py").write_text(EXTRA_REVISION.format(head=head))
    versions = Path(config.get_main_option("script_location") or "") / "versions"
    config.set_main_option("version_locations", f"{versions}:{tmp_path}")
    migrate.ensure_app_role(empty_database)
    command.upgrade(config, "9999")

    differences = migrate.schema_differences(empty_database)
    assert [(kind, table, column.name) for kind, _, table, column in differences] == [
        ("remove_column", "usage_events", "note")
    ]
