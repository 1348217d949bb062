"""SQL building blocks the migrations share: tenant RLS, grants to the application role.

The application role's name comes from settings through the Alembic config attributes, so the
same migrations run on the embedded server and on any managed PostgreSQL.
"""

from __future__ import annotations

from alembic import op

TENANT_PREDICATE = "company_id = app_company_id()"


def app_role() -> str:
    """The application role the migrations grant to (quoted identifier)."""
    role = op.get_context().config.attributes.get("app_role", "aipair_app")  # type: ignore[union-attr]
    return f'"{role}"'


def grant_app(table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    """Grant ``privileges`` on ``table`` to the application role."""
    op.execute(f"GRANT {privileges} ON {table} TO {app_role()}")


def enable_tenant_rls(table: str) -> None:
    """Enable and FORCE row-level security and add the tenant isolation policy to ``table``."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table}"
        f" USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )


def lookup_policy(table: str, column: str, lookup: str) -> None:
    """Let a transaction that set ``app.lookup_<lookup>`` read the single row whose secret matches.

    Used before the tenant is known: login by e-mail, API key by hash, refresh token by hash.
    """
    op.execute(
        f"CREATE POLICY lookup_by_{lookup} ON {table} FOR SELECT USING ({column} = app_lookup('{lookup}'))"
    )
