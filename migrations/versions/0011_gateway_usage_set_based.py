"""AI gateway hot path: a batch of settlements and reservations applied set-based, one counter update
per company and batch.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

``gateway_usage_apply`` replaces ``gateway_usage_batch`` on the hot path (which ran the per-request
functions one after the other: two or three counter updates and an event write per request). The new
function works one company (and period) at a time in ascending order: it locks the company's counter
row and its keys' rows once, in sorted order; closes all of the company's settlements with one UPDATE
of their events and one upsert of the daily roll-up; decides its reservations in order against the
locked counters plus what the settlements freed, held in variables (the same rules as
``gateway_reserve``: quota, company budget, key budget), and writes the admitted ones with one INSERT
of their events; then updates each counter row once with everything the batch changed. Quotas and budgets stay exact across processes: every
decision is taken under the counter rows' locks.

The SQL lives in ``src/aipair/usage/sql/gateway_usage_apply.v1.sql``; the version in the file name is
part of this migration (a later change is a new file and a new revision). ``gateway_usage_batch`` stays
(expand, then contract): a gateway of the previous release still calls it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

import aipair.usage

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SQL = Path(aipair.usage.__file__).parent / "sql" / "gateway_usage_apply.v1.sql"
FUNCTIONS = (
    "gateway_usage_apply(jsonb, jsonb)",
    "gateway_usage_keys(uuid, date, jsonb, jsonb)",
    "gateway_usage_lock(uuid, date, uuid[])",
    "gateway_usage_group(uuid, date, uuid[], jsonb, jsonb, text[])",
    "gateway_usage_insert_events(uuid, date, jsonb, integer[])",
    "gateway_usage_alerts(uuid, date, jsonb, bigint)",
)


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
