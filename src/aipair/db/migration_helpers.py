"""SQL building blocks the migrations share: tenant RLS, support-access RLS, grants to the app role.

The application role's name comes from settings through the Alembic config attributes, so the
same migrations run on the embedded server and on any managed PostgreSQL.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

TENANT_PREDICATE = "company_id = app_company_id()"
# The open grant of the calling staff member for the company it acts in: evaluated once per
# statement (an InitPlan), never per row.
SUPPORT_SCOPE = "(SELECT app_support_scope(app_support_company_id()))"
SUPPORT_POLICIES = ("support_read", "support_insert", "support_update", "support_delete")


def app_role() -> str:
    """The application role the migrations grant to (quoted identifier)."""
    role = op.get_context().config.attributes.get("app_role", "aipair_app")  # type: ignore[union-attr]
    return f'"{role}"'


def reporting_role() -> str:
    """The read-only reporting role (dashboards) the migrations grant views to (quoted identifier)."""
    attributes = op.get_context().config.attributes  # type: ignore[union-attr]
    return f'"{attributes.get("reporting_role", "aipair_reporting")}"'


def grant_app(table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    """Grant ``privileges`` on ``table`` to the application role."""
    op.execute(f"GRANT {privileges} ON {table} TO {app_role()}")


def enable_tenant_rls(table: str, *, support_write: bool = True) -> None:
    """Enable and FORCE row-level security and add the tenant isolation policy to ``table``.

    Once the support-access functions exist (migration 0003), the table also gets the support
    policies: platform staff read it only under an open grant for the company, and write it only
    under a write-scope grant (``support_write=False`` leaves writes out entirely).
    """
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table}"
        f" USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )
    if support_functions_exist():
        support_policies(table, write=support_write)


def support_functions_exist() -> bool:
    """True once ``app_support_scope(uuid)`` is defined (from migration 0003 on)."""
    found = op.get_bind().execute(text("SELECT to_regprocedure('app_support_scope(uuid)') IS NOT NULL"))
    return bool(found.scalar())


def support_policies(table: str, *, write: bool = True, column: str = "company_id") -> None:
    """The policies through which platform staff reach ``table`` inside a support access grant.

    Staff transactions carry no ``app.company_id`` (so ``tenant_isolation`` never matches) but an
    ``app.support_company_id``; a row is visible when it belongs to that company and the caller
    holds an open grant for it, and writable only under a write-scope grant.
    """
    target = f"{column} = app_support_company_id()"
    readable = f"{target} AND {SUPPORT_SCOPE} IS NOT NULL"
    op.execute(f"CREATE POLICY support_read ON {table} FOR SELECT USING ({readable})")
    if not write:
        return
    writable = f"{target} AND {SUPPORT_SCOPE} = 'write'"
    op.execute(f"CREATE POLICY support_insert ON {table} FOR INSERT WITH CHECK ({writable})")
    op.execute(
        f"CREATE POLICY support_update ON {table} FOR UPDATE USING ({writable}) WITH CHECK ({writable})"
    )
    op.execute(f"CREATE POLICY support_delete ON {table} FOR DELETE USING ({writable})")


def lookup_policy(table: str, column: str, lookup: str) -> None:
    """Let a transaction that set ``app.lookup_<lookup>`` read the single row whose secret matches.

    Used before the tenant is known: login by e-mail, API key by hash, refresh token by hash.
    """
    op.execute(
        f"CREATE POLICY lookup_by_{lookup} ON {table} FOR SELECT USING ({column} = app_lookup('{lookup}'))"
    )
