"""Every SQL function and view re-created from its file beside its domain (``<domain>/sql/``).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

The definitions are the ones the earlier migrations left in place, unchanged: from here on each has one
current text to read, in ``src/aipair/<domain>/sql/<name>.v<N>.sql``, and a later change adds a new
version of the file and a migration that executes it (``aipair.db.sql_files``).
"""

from __future__ import annotations

from alembic import op

from aipair.db.sql_files import sql_text

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

DEFINITIONS = (
    "db/app_company_id.v1",
    "db/app_user_id.v1",
    "db/app_platform_role.v1",
    "db/app_lookup.v1",
    "support/app_support_company_id.v1",
    "support/app_support_scope.v1",
    "support/support_approval_required.v1",
    "support/support_grants_guard.v1",
    "audit/audit_canonical.v1",
    "audit/audit_logs_chain.v1",
    "audit/audit_logs_append_only.v1",
    "tenancy/company_limits.v1",
    "usage/gateway_reserve.v1",
    "usage/gateway_settle.v1",
    "usage/gateway_usage_batch.v1",
    "usage/gateway_expire_reservations.v1",
    "ops/maintenance_windows_notify.v1",
)


def upgrade() -> None:
    for reference in DEFINITIONS:
        op.execute(sql_text(reference))


def downgrade() -> None:
    """Nothing to undo: the definitions are the ones revision 0015 had."""
