"""The metrics snapshot reads when the last good backup finished and whether maintenance is in progress.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

Backups are taken by whichever process runs them (the worker, ``aipair backup``); every process that
answers a scrape reads the newest one from ``ops_backups`` instead, so the backup-age alert sees the same
value on every replica. ``observability_snapshot`` runs as the owner, which reads ``ops_backups`` only
through a policy of its own (the table's policies are for platform staff).
"""

from __future__ import annotations

from alembic import op

from aipair.db.sql_files import sql_text

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE POLICY owner_reporting_read ON ops_backups FOR SELECT TO CURRENT_USER USING (true)")
    op.execute(sql_text("observability/observability_snapshot.v2"))


def downgrade() -> None:
    op.execute(sql_text("observability/observability_snapshot.v1"))
    op.execute("DROP POLICY owner_reporting_read ON ops_backups")
