"""Auth: sign-in locks as rows of their own, lifted without deleting the evidence.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28

A lock used to be "ten failures within the hour", read from ``auth.failed_logins``: every attempt made
while locked extended it, one address's failures locked every account behind that address, and the only
way out was to delete the evidence. Now a lock is a row: one account (by e-mail, known or not), from
``locked_at`` to a fixed ``locked_until``. Attempts while locked are still recorded in
``auth.failed_logins`` but add no time, and only failures after a lock ended count toward the next one.
Lifting a lock (``aipair users unlock``, or the API) records who lifted it, when and why; the failed
sign-ins stay where the runbook's queries read them.
"""

from __future__ import annotations

from alembic import op

from aipair.db.migration_helpers import grant_app

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE auth.login_locks (
    id uuid PRIMARY KEY,
    email varchar(320) NOT NULL,
    user_id uuid,
    failures integer NOT NULL,
    locked_at timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz NOT NULL,
    lifted_at timestamptz,
    lifted_by uuid,
    lift_reason varchar(500)
);
CREATE INDEX ix_login_locks_email ON auth.login_locks (email, locked_at);
"""


def upgrade() -> None:
    op.execute(UPGRADE)
    grant_app("auth.login_locks", "SELECT, INSERT, UPDATE")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS auth.login_locks")
