"""AI gateway: each model's largest output in ``model_prices``, beside its prices.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

``max_output_tokens`` is the most completion tokens the model can produce. The gateway refuses a
``max_tokens`` above it (400, ``param``) and, for a request that names none, holds up to it against an
API key's tokens-per-minute limit. A row without a value inherits the one of the model's earlier rows
(a price change need not repeat it); a model no row limits is taken at the gateway's generous default.
The rows are filled with the limits the providers publish for the models the table was seeded with.
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

LIMITS = {
    "gpt-4o": 16_384,
    "gpt-4o-2024-05-13": 4_096,
    "gpt-4o-mini": 16_384,
    "gpt-4.1": 32_768,
    "gpt-4.1-mini": 32_768,
    "gpt-4.1-nano": 32_768,
    "o3-mini": 100_000,
    "o3": 100_000,
    "o4-mini": 100_000,
    "claude-3-5-haiku": 8_192,
    "claude-3-5-sonnet": 8_192,
    "claude-3-7-sonnet": 64_000,
    "claude-sonnet-4": 64_000,
    "claude-sonnet-4-5": 64_000,
    "claude-haiku-4-5": 64_000,
    "claude-opus-4": 32_000,
    "claude-opus-4-1": 32_000,
    "claude-opus-4-5": 64_000,
}
LOCAL_LIMIT = 4_096
"""The built-in offline provider (``local``, any model id)."""


def upgrade() -> None:
    op.execute(
        "ALTER TABLE model_prices ADD COLUMN max_output_tokens integer"
        " CONSTRAINT ck_model_prices_max_output_tokens CHECK (max_output_tokens > 0)"
    )
    for model, limit in LIMITS.items():
        op.execute(
            f"UPDATE model_prices SET max_output_tokens = {limit:d}"
            f" WHERE model = '{model}' AND unit = 'token' AND max_output_tokens IS NULL"
        )
    op.execute(
        f"UPDATE model_prices SET max_output_tokens = {LOCAL_LIMIT:d}"
        " WHERE provider = 'local' AND model = '*' AND max_output_tokens IS NULL"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE model_prices DROP COLUMN IF EXISTS max_output_tokens")
