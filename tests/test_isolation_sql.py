"""Attacks on tenant isolation at the database: raw SQL as the application role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from aipair.composition import Runtime
from aipair.db.urls import DatabaseUrls, libpq
from tests.fixtures.tenants import Tenant

TENANT_TABLES_SQL = """
SELECT c.table_schema || '.' || c.table_name
FROM information_schema.columns c
JOIN information_schema.tables t USING (table_schema, table_name)
WHERE c.column_name = 'company_id' AND t.table_type = 'BASE TABLE'
  AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""


def tenant_tables(owner_url: str) -> list[str]:
    with psycopg.connect(libpq(owner_url)) as conn:
        return [row[0] for row in conn.execute(TENANT_TABLES_SQL).fetchall()]


@pytest.fixture
def app_conn(urls: DatabaseUrls) -> Iterator[psycopg.Connection]:
    with psycopg.connect(libpq(urls.app)) as conn:
        yield conn


def as_company(conn: psycopg.Connection, company_id: uuid.UUID | None) -> None:
    conn.execute("SELECT set_config('app.company_id', %s, true)", [str(company_id) if company_id else ""])


async def seed_every_tenant_table(runtime: Runtime, *tenants: Tenant) -> None:
    """Give each tenant rows in the tables that start empty (overrides, invitations)."""
    with psycopg.connect(libpq(runtime.urls.owner)) as conn:
        for t in tenants:
            conn.execute(
                "INSERT INTO limit_overrides (id, company_id, limit_name, value, reason, expires_at)"
                " VALUES (gen_random_uuid(), %s, 'ai_requests_per_month', 60000, 'test',"
                " now() + interval '1 day')",
                [t.id],
            )
            conn.execute(
                "INSERT INTO invitations (id, company_id, email, role, token_hash, expires_at)"
                " VALUES (gen_random_uuid(), %s, 'x@example.com', 'EMPLOYEE', md5(random()::text), now())",
                [t.id],
            )
            conn.execute(
                "INSERT INTO api_keys (id, company_id, name, prefix, key_hash, scopes)"
                " VALUES (gen_random_uuid(), %s, 'k', 'aip_x', md5(random()::text), '{ai}')",
                [t.id],
            )


async def test_every_tenant_table_shows_only_the_context_company(
    runtime: Runtime, tenant: Tenant, other_tenant: Tenant, app_conn: psycopg.Connection
) -> None:
    await seed_every_tenant_table(runtime, tenant, other_tenant)
    tables = tenant_tables(runtime.urls.owner)
    assert {"public.memberships", "public.api_keys", "public.refresh_tokens"} <= set(tables)
    with psycopg.connect(libpq(runtime.urls.owner)) as owner:
        populated = [
            t
            for t in tables
            if owner.execute(
                f"SELECT count(DISTINCT company_id) FROM {t} WHERE company_id = ANY(%s)",
                [[tenant.id, other_tenant.id]],
            ).fetchone()
            == (2,)
        ]
    assert {"public.memberships", "public.api_keys", "public.invitations"} <= set(populated)
    as_company(app_conn, tenant.id)
    for table in tables:
        seen = {row[0] for row in app_conn.execute(f"SELECT DISTINCT company_id FROM {table}").fetchall()}
        expected = {tenant.id} if table in populated else set()
        assert seen <= {tenant.id} and seen >= expected, f"{table} leaked {seen - {tenant.id}}"
    companies = {row[0] for row in app_conn.execute("SELECT id FROM companies").fetchall()}
    assert companies == {tenant.id}
    users = {row[0] for row in app_conn.execute("SELECT lower(email) FROM users").fetchall()}
    assert users == set(tenant.emails.values())


async def test_without_context_nothing_is_visible(
    runtime: Runtime, tenant: Tenant, app_conn: psycopg.Connection
) -> None:
    await seed_every_tenant_table(runtime, tenant)
    for table in [*tenant_tables(runtime.urls.owner), "public.companies", "public.users"]:
        count = app_conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert count == (0,), f"{table} visible without a tenant context"


async def test_writes_into_another_company_are_refused_or_change_nothing(
    runtime: Runtime, tenant: Tenant, other_tenant: Tenant, app_conn: psycopg.Connection
) -> None:
    await seed_every_tenant_table(runtime, tenant, other_tenant)
    as_company(app_conn, tenant.id)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute(
            "INSERT INTO api_keys (id, company_id, name, prefix, key_hash, scopes)"
            " VALUES (gen_random_uuid(), %s, 'evil', 'aip_e', 'h-evil', '{ai}')",
            [other_tenant.id],
        )
    app_conn.rollback()
    as_company(app_conn, tenant.id)
    for table in tenant_tables(runtime.urls.owner):
        for statement in (
            f"UPDATE {table} SET company_id = company_id WHERE company_id = %s",
            f"DELETE FROM {table} WHERE company_id = %s",
        ):
            try:
                with app_conn.transaction():
                    changed = app_conn.execute(statement, [other_tenant.id])
                    assert changed.rowcount == 0, f"{table}: {statement}"
            except psycopg.errors.InsufficientPrivilege:
                pass  # refused outright: the application role has no grant for this statement
    changed = app_conn.execute("UPDATE companies SET name = 'pwned' WHERE id = %s", [other_tenant.id])
    assert changed.rowcount == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute(
            "UPDATE memberships SET company_id = %s WHERE company_id = %s", [other_tenant.id, tenant.id]
        )


def test_every_company_table_forces_rls_and_the_app_role_owns_nothing(urls: DatabaseUrls) -> None:
    with psycopg.connect(libpq(urls.owner)) as conn:
        unprotected = conn.execute(
            """
            SELECT n.nspname || '.' || c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND (NOT c.relrowsecurity OR NOT c.relforcerowsecurity)
              AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'company_id')
            """
        ).fetchall()
        assert unprotected == []
        owned = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s",
            [urls.app_role],
        ).fetchone()
        assert owned == (0,)
        role = conn.execute(
            "SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = %s", [urls.app_role]
        ).fetchone()
        assert role == (False, False)
        policies = conn.execute("SELECT * FROM pg_policies WHERE tablename = 'companies';").fetchall()
        assert len(policies) >= 2
