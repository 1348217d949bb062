"""Usage: the daily roll-up keeps the model as the caller named it, beside the provider's model.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

``usage_daily.public_model`` is the name the call asked for (an alias such as ``local``, or a company's
own alias); ``model`` stays the provider's model that served it. Usage grouped by model is grouped by
``public_model``, what companies recognise; by provider model on request. Rows written before this
revision do not know the name asked for and take the provider's model as theirs. ``gateway_settle``
(version 2) and ``gateway_usage_apply`` (version 3) write the new column.
"""

from __future__ import annotations

from alembic import op

from aipair.db.sql_files import sql_text

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE usage_daily ADD COLUMN public_model varchar(128)")
    op.execute("UPDATE usage_daily SET public_model = model")
    op.execute("ALTER TABLE usage_daily ALTER COLUMN public_model SET NOT NULL")
    op.execute("ALTER TABLE usage_daily DROP CONSTRAINT pk_usage_daily")
    op.execute(
        "ALTER TABLE usage_daily ADD CONSTRAINT pk_usage_daily"
        " PRIMARY KEY (company_id, day, public_model, model, provider, api_key_id)"
    )
    op.execute(sql_text("usage/gateway_settle.v2"))
    op.execute(sql_text("usage/gateway_usage_apply.v3"))


def downgrade() -> None:
    op.execute(sql_text("usage/gateway_settle.v1"))
    op.execute(sql_text("usage/gateway_usage_apply.v2"))
    op.execute(
        "CREATE TEMPORARY TABLE usage_daily_merged ON COMMIT DROP AS"
        " SELECT company_id, day, model, provider, api_key_id, sum(requests) AS requests,"
        " sum(errors) AS errors, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,"
        " sum(cost_micro_usd) AS cost_micro_usd FROM usage_daily GROUP BY 1, 2, 3, 4, 5"
    )
    op.execute("DELETE FROM usage_daily")
    op.execute("ALTER TABLE usage_daily DROP CONSTRAINT pk_usage_daily")
    op.execute("ALTER TABLE usage_daily DROP COLUMN public_model")
    op.execute(
        "ALTER TABLE usage_daily ADD CONSTRAINT pk_usage_daily"
        " PRIMARY KEY (company_id, day, model, provider, api_key_id)"
    )
    op.execute(
        "INSERT INTO usage_daily (company_id, day, model, provider, api_key_id, requests, errors,"
        " input_tokens, output_tokens, cost_micro_usd) SELECT * FROM usage_daily_merged"
    )
