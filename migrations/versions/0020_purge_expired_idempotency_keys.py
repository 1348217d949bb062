"""AI gateway: expired ``Idempotency-Key`` records are deleted by the worker.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

A key expires a day after its call (a later call with it is claimed afresh), but its record stayed in
``gateway_idempotency_keys`` for ever. ``gateway_purge_idempotency_keys`` deletes expired records of
every company in bounded batches; the ``gateway.purge_idempotency_keys`` job calls it hourly. It runs
with its owner's rights (``SECURITY DEFINER``); the owner's policies reach expired records only, so no
caller of the function can delete a key still in force.
"""

from __future__ import annotations

from alembic import op

from aipair.db.migration_helpers import app_role
from aipair.db.sql_files import sql_text

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLE = "gateway_idempotency_keys"
FUNCTION = "gateway_purge_idempotency_keys(integer)"


def upgrade() -> None:
    for action in ("SELECT", "DELETE"):
        op.execute(
            f"CREATE POLICY owner_purge_{action.lower()} ON {TABLE} FOR {action} TO CURRENT_USER"
            " USING (expires_at < now())"
        )
    op.execute(sql_text("gateway/gateway_purge_idempotency_keys.v1"))
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {FUNCTION} TO {app_role()}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
    for action in ("select", "delete"):
        op.execute(f"DROP POLICY IF EXISTS owner_purge_{action} ON {TABLE}")
