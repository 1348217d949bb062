"""AI gateway hot path: the usage batch finds events by primary key and locks and reads its counter rows
in one pass.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

Version 1 of ``gateway_usage_apply`` (revision 0011) joined the batch's settlements to ``usage_events``
in a way the planner could serve with a scan of every event of the company: PostgreSQL's CPU per
request grew with the table. Version 2 (``src/aipair/usage/sql/gateway_usage_apply.v2.sql``) finds them
with ``request_id = ANY (…)`` on the primary key, and ``gateway_usage_group`` runs with sequential scans
off (its plans are cached per connection: one made while the table was small must not scan it later).
The group also locks and reads its counter rows in one sorted pass and writes its events inline, so the
helpers ``gateway_usage_lock`` and ``gateway_usage_insert_events`` go. A batch of one item goes
through ``gateway_usage_batch`` (the per-request functions, cheaper alone; same locks, same order).
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

import aipair.usage

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

SQL = Path(aipair.usage.__file__).parent / "sql"
HELPERS = (
    "gateway_usage_lock(uuid, date, uuid[])",
    "gateway_usage_insert_events(uuid, date, jsonb, integer[])",
)


def upgrade() -> None:
    op.execute((SQL / "gateway_usage_apply.v2.sql").read_text())
    for function in HELPERS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")


def downgrade() -> None:
    op.execute((SQL / "gateway_usage_apply.v1.sql").read_text())
