"""AI gateway: ``Idempotency-Key`` records, so that a retried call is billed once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

``X-Request-ID`` is a correlation id only (echoed and logged); a client that wants a retried call to
bill once sends ``Idempotency-Key``. The first call with a key claims a row (``status_code`` NULL while
it runs); a repeat gets the stored answer replayed, or 409 while the first is still running. A call
that failed releases its key (nothing was billed: the client may try again). Keys expire after a day.
"""

from __future__ import annotations

from alembic import op

from aipair.db.migration_helpers import enable_tenant_rls, grant_app

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLE = """
CREATE TABLE gateway_idempotency_keys (
    company_id uuid NOT NULL
        CONSTRAINT fk_gateway_idempotency_keys_company_id_companies REFERENCES companies (id) ON DELETE CASCADE,
    idempotency_key varchar(255) NOT NULL,
    fingerprint bytea NOT NULL,
    status_code smallint,
    response bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    CONSTRAINT pk_gateway_idempotency_keys PRIMARY KEY (company_id, idempotency_key)
);
CREATE INDEX ix_gateway_idempotency_keys_expires_at ON gateway_idempotency_keys (expires_at);
"""


def upgrade() -> None:
    op.execute(TABLE)
    enable_tenant_rls("gateway_idempotency_keys", support_write=False)
    grant_app("gateway_idempotency_keys")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS gateway_idempotency_keys")
