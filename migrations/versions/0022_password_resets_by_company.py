"""Password reset codes under row-level security, like every table with a ``company_id``.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06

A code is visible to the company that issued it (and to platform staff under a read grant), and, before
any tenant is known, only the single row whose hash the caller holds (``app.lookup_reset_hash``), as
refresh tokens and invitations are. Expand only: no column changes.
"""

from __future__ import annotations

from alembic import op

from aipair.db.migration_helpers import SUPPORT_POLICIES, enable_tenant_rls, lookup_policy

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TABLE = "auth.password_resets"


def upgrade() -> None:
    enable_tenant_rls(TABLE, support_write=False)
    lookup_policy(TABLE, "token_hash", "reset_hash")


def downgrade() -> None:
    for policy in ("tenant_isolation", "lookup_by_reset_hash", *SUPPORT_POLICIES):
        op.execute(f"DROP POLICY IF EXISTS {policy} ON {TABLE}")
    op.execute(f"ALTER TABLE {TABLE} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {TABLE} DISABLE ROW LEVEL SECURITY")
