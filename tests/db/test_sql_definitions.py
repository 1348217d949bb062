"""Each SQL function and view has one current definition, in a file beside its domain, and the migrated
database holds exactly that definition."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from aipair.db.sql_files import SqlDefinitionError, current_definitions, sql_definition
from aipair.db.urls import DatabaseUrls, libpq

OBJECTS = """
SELECT p.proname AS name, pg_get_functiondef(p.oid) AS definition
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname IN ('public', 'auth')
UNION ALL
SELECT c.relname, pg_get_viewdef(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('public', 'auth') AND c.relkind IN ('v', 'm')
"""


@pytest.fixture
def owner(urls: DatabaseUrls) -> Iterator[psycopg.Connection]:
    """The owner's connection in one transaction, rolled back afterwards."""
    with psycopg.connect(libpq(urls.owner)) as conn:
        yield conn
        conn.rollback()


def database_objects(conn: psycopg.Connection) -> dict[str, str]:
    return {name: definition for name, definition in conn.execute(OBJECTS).fetchall()}


def test_every_function_and_view_of_the_database_has_one_current_file(owner: psycopg.Connection) -> None:
    assert sorted(database_objects(owner)) == sorted(current_definitions())


def test_the_database_holds_the_current_definition_of_each(owner: psycopg.Connection) -> None:
    before = database_objects(owner)
    for definition in set(current_definitions().values()):
        owner.execute(definition.text())  # type: ignore[call-overload]
    assert database_objects(owner) == before


def test_a_changed_definition_is_noticed(owner: psycopg.Connection) -> None:
    before = database_objects(owner)
    changed = current_definitions()["app_user_id"].text().replace("'app.user_id'", "'app.someone_else'")
    owner.execute(changed)  # type: ignore[call-overload]
    assert database_objects(owner)["app_user_id"] != before["app_user_id"]


def test_references_name_existing_versions_only() -> None:
    assert sql_definition("usage/gateway_reserve.v1").path.name == "gateway_reserve.v1.sql"
    for reference in ("usage/gateway_reserve.v999", "gateway_reserve.v1", "usage/../db/app_lookup.v1"):
        with pytest.raises(SqlDefinitionError):
            sql_definition(reference)


def test_a_function_created_by_two_current_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "usage" / "sql").mkdir(parents=True)
    for name in ("first", "second"):
        (tmp_path / "usage" / "sql" / f"{name}.v1.sql").write_text(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
            "CREATE OR REPLACE FUNCTION shared_helper() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;\n"
        )
    with pytest.raises(SqlDefinitionError, match="shared_helper"):
        current_definitions(tmp_path)


def test_a_name_defined_in_two_domains_is_refused(tmp_path: Path) -> None:
    for domain in ("usage", "audit"):
        (tmp_path / domain / "sql").mkdir(parents=True)
        (tmp_path / domain / "sql" / "twice.v1.sql").write_text("SELECT 1;\n")
    with pytest.raises(SqlDefinitionError, match="twice"):
        current_definitions(tmp_path)
