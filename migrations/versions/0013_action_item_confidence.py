"""Meetings: how sure the engine is of each action item, for review.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

``action_items.confidence`` (0–1, NULL for items written before it existed or by a model that gave
none) lets reviewers look at the doubtful items first. Expand only: old code ignores the column.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE action_items ADD COLUMN confidence double precision"
        " CONSTRAINT ck_action_items_confidence_range CHECK (confidence >= 0 AND confidence <= 1)"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE action_items DROP COLUMN confidence")
