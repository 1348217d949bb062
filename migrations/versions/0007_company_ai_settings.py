"""A company's own AI settings: provider API keys (sealed), alias overrides, model allow-list.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

``company_provider_keys.sealed_key`` is AES-256-GCM ciphertext (version byte, nonce, ciphertext and
tag) whose associated data names the company and the provider: copied into another company's row it
does not decrypt. Only ``key_hint`` (the last four characters) is readable. Platform staff may read
these rows inside a support grant (they see hints) but never write them, whatever the grant's scope.

``company_model_access`` has at most one row per company: no row means every public model.
"""

from __future__ import annotations

from alembic import op

from aipair.db.migration_helpers import enable_tenant_rls, grant_app

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE company_provider_keys (
    id uuid PRIMARY KEY,
    company_id uuid NOT NULL CONSTRAINT fk_company_provider_keys_company_id_companies REFERENCES companies (id) ON DELETE CASCADE,
    provider varchar(64) NOT NULL,
    sealed_key bytea NOT NULL,
    key_hint varchar(8) NOT NULL,
    updated_by uuid CONSTRAINT fk_company_provider_keys_updated_by_users REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_company_provider_keys_provider UNIQUE (company_id, provider),
    CONSTRAINT ck_company_provider_keys_sealed CHECK (octet_length(sealed_key) BETWEEN 30 AND 2048)
);
CREATE TABLE company_model_aliases (
    id uuid PRIMARY KEY,
    company_id uuid NOT NULL CONSTRAINT fk_company_model_aliases_company_id_companies REFERENCES companies (id) ON DELETE CASCADE,
    alias varchar(128) NOT NULL,
    targets jsonb NOT NULL,
    updated_by uuid CONSTRAINT fk_company_model_aliases_updated_by_users REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_company_model_aliases_alias UNIQUE (company_id, alias),
    CONSTRAINT ck_company_model_aliases_targets CHECK (
        jsonb_typeof(targets) = 'array' AND jsonb_array_length(targets) BETWEEN 1 AND 5)
);
CREATE TABLE company_model_access (
    id uuid PRIMARY KEY,
    company_id uuid NOT NULL CONSTRAINT uq_company_model_access_company_id UNIQUE
        CONSTRAINT fk_company_model_access_company_id_companies REFERENCES companies (id) ON DELETE CASCADE,
    allowed_models varchar(128)[] NOT NULL,
    updated_by uuid CONSTRAINT fk_company_model_access_updated_by_users REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_company_model_access_size CHECK (cardinality(allowed_models) <= 200)
);
"""
TABLE_NAMES = ("company_provider_keys", "company_model_aliases", "company_model_access")


def upgrade() -> None:
    op.execute(TABLES)
    enable_tenant_rls("company_provider_keys", support_write=False)
    enable_tenant_rls("company_model_aliases")
    enable_tenant_rls("company_model_access")
    for table in TABLE_NAMES:
        grant_app(table)


def downgrade() -> None:
    for table in reversed(TABLE_NAMES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
