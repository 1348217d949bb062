"""Foundation: tenant context functions, plans, companies, users, memberships, auth tables, RLS.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

from aipair.db.migration_helpers import app_role, enable_tenant_rls, grant_app, lookup_policy

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CONTEXT_FUNCTIONS = """
CREATE FUNCTION app_company_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.company_id', true), '')::uuid $$;
CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
CREATE FUNCTION app_platform_role() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(current_setting('app.platform_role', true), '') $$;
CREATE FUNCTION app_lookup(name text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.lookup_' || name, true), '') $$;
"""

TABLES = """
CREATE TABLE plans (
    code varchar(32) PRIMARY KEY,
    name varchar(100) NOT NULL,
    price_usd_cents integer,
    max_users integer,
    ai_requests_per_month integer,
    storage_mb integer,
    requests_per_minute integer NOT NULL DEFAULT 100,
    ai_requests_per_hour integer NOT NULL DEFAULT 1000,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE companies (
    id uuid PRIMARY KEY,
    name varchar(200) NOT NULL,
    slug varchar(63) NOT NULL CONSTRAINT uq_companies_slug UNIQUE,
    status varchar(16) NOT NULL,
    plan_code varchar(32) NOT NULL CONSTRAINT fk_companies_plan_code_plans REFERENCES plans (code),
    time_zone varchar(64) NOT NULL,
    is_platform boolean NOT NULL DEFAULT false,
    trial_ends_at timestamptz,
    custom_max_users integer,
    custom_ai_requests_per_month integer,
    custom_storage_mb integer,
    custom_requests_per_minute integer,
    custom_ai_requests_per_hour integer,
    monthly_budget_micro_usd bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_companies_status CHECK (status IN ('TRIAL','ACTIVE','SUSPENDED','CANCELLED')),
    CONSTRAINT ck_companies_slug CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$')
);
CREATE UNIQUE INDEX uq_companies_single_platform ON companies (is_platform) WHERE is_platform;
CREATE TABLE users (
    id uuid PRIMARY KEY,
    email varchar(320) NOT NULL,
    name varchar(200) NOT NULL,
    password_hash varchar(255),
    status varchar(16) NOT NULL,
    last_login_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_users_email_lower ON users (lower(email));
CREATE TABLE memberships (
    id uuid PRIMARY KEY,
    company_id uuid NOT NULL CONSTRAINT fk_memberships_company_id_companies REFERENCES companies (id) ON DELETE CASCADE,
    user_id uuid NOT NULL CONSTRAINT fk_memberships_user_id_users REFERENCES users (id) ON DELETE CASCADE,
    role varchar(16) NOT NULL,
    status varchar(16) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_memberships_role CHECK (role IN ('SUPER_ADMIN','SUPPORT','OWNER','ADMIN','MANAGER','EMPLOYEE')),
    CONSTRAINT ck_memberships_status CHECK (status IN ('ACTIVE','DEACTIVATED')),
    CONSTRAINT uq_memberships_company_user UNIQUE (company_id, user_id)
);
CREATE INDEX ix_memberships_user_id ON memberships (user_id);
CREATE TABLE limit_overrides (
    id uuid PRIMARY KEY,
    company_id uuid NOT NULL CONSTRAINT fk_limit_overrides_company_id_companies REFERENCES companies (id) ON DELETE CASCADE,
    limit_name varchar(32) NOT NULL,
    value integer NOT NULL,
    reason text NOT NULL,
    author_user_id uuid CONSTRAINT fk_limit_overrides_author_user_id_users REFERENCES users (id) ON DELETE SET NULL,
    expires_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_limit_overrides_company ON limit_overrides (company_id, limit_name);
CREATE TABLE invitations (
    id uuid PRIMARY KEY,
    company_id uuid NOT NULL CONSTRAINT fk_invitations_company_id_companies REFERENCES companies (id) ON DELETE CASCADE,
    email varchar(320) NOT NULL,
    role varchar(16) NOT NULL,
    token_hash varchar(64) NOT NULL CONSTRAINT uq_invitations_token_hash UNIQUE,
    invited_by uuid CONSTRAINT fk_invitations_invited_by_users REFERENCES users (id) ON DELETE SET NULL,
    expires_at timestamptz NOT NULL,
    accepted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_invitations_company ON invitations (company_id);
CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY,
    company_id uuid NOT NULL CONSTRAINT fk_refresh_tokens_company_id_companies REFERENCES companies (id) ON DELETE CASCADE,
    user_id uuid NOT NULL CONSTRAINT fk_refresh_tokens_user_id_users REFERENCES users (id) ON DELETE CASCADE,
    family_id uuid NOT NULL,
    token_hash varchar(64) NOT NULL CONSTRAINT uq_refresh_tokens_token_hash UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX ix_refresh_tokens_company_family ON refresh_tokens (company_id, family_id);
CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    company_id uuid NOT NULL CONSTRAINT fk_api_keys_company_id_companies REFERENCES companies (id) ON DELETE CASCADE,
    name varchar(100) NOT NULL,
    prefix varchar(16) NOT NULL,
    key_hash varchar(64) NOT NULL CONSTRAINT uq_api_keys_key_hash UNIQUE,
    scopes varchar(32)[] NOT NULL,
    created_by uuid CONSTRAINT fk_api_keys_created_by_users REFERENCES users (id) ON DELETE SET NULL,
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz,
    rotated_from_id uuid CONSTRAINT fk_api_keys_rotated_from_id_api_keys REFERENCES api_keys (id) ON DELETE SET NULL,
    requests_per_minute integer,
    tokens_per_minute integer,
    monthly_budget_micro_usd bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_api_keys_company ON api_keys (company_id, created_at);
CREATE SCHEMA IF NOT EXISTS auth;
CREATE TABLE auth.failed_logins (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id uuid,
    email varchar(320) NOT NULL,
    ip inet,
    user_agent varchar(500),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_failed_logins_email_time ON auth.failed_logins (lower(email), created_at);
CREATE INDEX ix_failed_logins_ip_time ON auth.failed_logins (ip, created_at);
"""

PLANS = """
INSERT INTO plans (code, name, price_usd_cents, max_users, ai_requests_per_month, storage_mb) VALUES
    ('STARTER', 'Starter', 2900, 5, 1000, 5120),
    ('PROFESSIONAL', 'Professional', 9900, 25, 10000, 25600),
    ('ENTERPRISE', 'Enterprise', 29900, 100, 50000, 102400),
    ('CUSTOM', 'Custom', NULL, NULL, NULL, NULL);
"""

# Who sees which row, beyond the tenant isolation policy every tenant table gets.
POLICIES = """
CREATE POLICY company_members ON companies FOR SELECT
    USING (id = app_company_id() OR id IN (
        SELECT company_id FROM memberships WHERE user_id = app_user_id() AND status = 'ACTIVE'));
CREATE POLICY company_self_update ON companies FOR UPDATE
    USING (id = app_company_id()) WITH CHECK (id = app_company_id());
CREATE POLICY platform_super_admin ON companies
    USING (app_platform_role() = 'SUPER_ADMIN') WITH CHECK (app_platform_role() = 'SUPER_ADMIN');
CREATE POLICY own_memberships ON memberships FOR SELECT USING (user_id = app_user_id());
CREATE POLICY self ON users USING (id = app_user_id()) WITH CHECK (id = app_user_id());
CREATE POLICY colleagues ON users FOR SELECT
    USING (id IN (SELECT user_id FROM memberships WHERE company_id = app_company_id()));
CREATE POLICY colleagues_update ON users FOR UPDATE
    USING (id IN (SELECT user_id FROM memberships WHERE company_id = app_company_id()));
CREATE POLICY new_user ON users FOR INSERT
    WITH CHECK (app_company_id() IS NOT NULL OR app_platform_role() = 'SUPER_ADMIN');
CREATE POLICY platform_super_admin ON users FOR SELECT USING (app_platform_role() = 'SUPER_ADMIN');
"""


def upgrade() -> None:
    op.execute(CONTEXT_FUNCTIONS)
    op.execute(TABLES)
    op.execute(PLANS)
    for table in ("memberships", "limit_overrides", "invitations", "refresh_tokens", "api_keys"):
        enable_tenant_rls(table)
        grant_app(table)
    for table in ("companies", "users"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(POLICIES)
    lookup_policy("users", "lower(email)", "email")
    lookup_policy("api_keys", "key_hash", "key_hash")
    lookup_policy("refresh_tokens", "token_hash", "refresh_hash")
    lookup_policy("invitations", "token_hash", "invitation_hash")
    grant_app("companies", "SELECT, INSERT, UPDATE")
    grant_app("users", "SELECT, INSERT, UPDATE")
    grant_app("plans", "SELECT")
    op.execute(f"GRANT USAGE ON SCHEMA auth TO {app_role()}")
    grant_app("auth.failed_logins", "SELECT, INSERT")
    op.execute(COMPANY_LIMITS_VIEW)
    grant_app("company_limits", "SELECT")


COMPANY_LIMITS_VIEW = """
CREATE VIEW company_limits WITH (security_invoker = true) AS
WITH active_overrides AS (
    SELECT DISTINCT ON (company_id, limit_name) company_id, limit_name, value
    FROM limit_overrides
    WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
    ORDER BY company_id, limit_name, created_at DESC
)
SELECT
    c.id AS company_id,
    c.slug,
    c.status,
    c.plan_code AS plan,
    coalesce((SELECT value FROM active_overrides o WHERE o.company_id = c.id AND o.limit_name = 'max_users'),
             c.custom_max_users, p.max_users) AS max_users,
    coalesce((SELECT value FROM active_overrides o WHERE o.company_id = c.id AND o.limit_name = 'ai_requests_per_month'),
             c.custom_ai_requests_per_month, p.ai_requests_per_month) AS ai_requests_per_month,
    coalesce((SELECT value FROM active_overrides o WHERE o.company_id = c.id AND o.limit_name = 'storage_mb'),
             c.custom_storage_mb, p.storage_mb) AS storage_mb,
    coalesce((SELECT value FROM active_overrides o WHERE o.company_id = c.id AND o.limit_name = 'requests_per_minute'),
             c.custom_requests_per_minute, p.requests_per_minute) AS requests_per_minute,
    coalesce((SELECT value FROM active_overrides o WHERE o.company_id = c.id AND o.limit_name = 'ai_requests_per_hour'),
             c.custom_ai_requests_per_hour, p.ai_requests_per_hour) AS ai_requests_per_hour,
    c.monthly_budget_micro_usd,
    jsonb_build_object(
        'users', (SELECT count(*) FROM memberships m WHERE m.company_id = c.id AND m.status = 'ACTIVE'),
        'ai_requests', 0,
        'storage_mb', 0,
        'tokens', 0,
        'cost_usd', 0
    ) AS current_usage
FROM companies c
JOIN plans p ON p.code = c.plan_code;
"""


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS company_limits")
    for table in (
        "auth.failed_logins",
        "api_keys",
        "refresh_tokens",
        "invitations",
        "limit_overrides",
        "memberships",
        "users",
        "companies",
        "plans",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    op.execute("DROP SCHEMA IF EXISTS auth CASCADE")
    for fn in ("app_company_id()", "app_user_id()", "app_platform_role()", "app_lookup(text)"):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
