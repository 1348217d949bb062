"""Observability: what the metrics read at scrape time, the reporting role and its views, the runbook's
connection counts, platform usage across companies, and abandoned reservations closed sooner.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02

- ``principal_activity``: when each user and API key was last seen (written by every process about
  every 15 seconds through ``record_activity``), so the active-users gauge counts distinct people and
  keys across every worker and replica.
- ``observability_snapshot()``: jobs by state, age of the oldest ready job, active users and keys,
  connections by state. It runs with the owner's rights: the application role sees neither other
  sessions' states nor other companies' rows.
- The reporting role (``AIPAIR_DATABASE_REPORTING_ROLE``, created by ``aipair db upgrade``) reads the
  views of the ``reporting`` schema and nothing else; Grafana's PostgreSQL data source uses it for the
  panels that need a company dimension.
- The owner gets to read the state of every connection (``pg_read_all_stats`` when it may grant it,
  else membership of the application role), so the runbook's connection query counts them.
- ``platform_usage(over)``: each company's usage this month for platform staff (counts only), without
  a support grant.
- ``gateway_expire_reservations``: the floor under the age of a reservation it may close goes from five
  minutes to one (the setting's minimum); the worker runs it every minute.

The functions come from their files (``observability/sql/``, ``usage/sql/``).
"""

from __future__ import annotations

from alembic import op

from aipair.db.migration_helpers import app_role, reporting_role
from aipair.db.sql_files import sql_text

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

ACTIVITY = """
CREATE TABLE principal_activity (
    kind varchar(8) NOT NULL,
    principal_id uuid NOT NULL,
    last_seen_at timestamptz NOT NULL,
    CONSTRAINT pk_principal_activity PRIMARY KEY (kind, principal_id),
    CONSTRAINT ck_principal_activity_kind CHECK (kind IN ('user', 'key'))
);
CREATE INDEX ix_principal_activity_last_seen_at ON principal_activity (last_seen_at);
"""

REPORTING_VIEWS = """
CREATE SCHEMA reporting;
COMMENT ON SCHEMA reporting IS 'Views for dashboards (Grafana), read by the reporting role only';

CREATE VIEW reporting.usage_daily AS
SELECT d.day, c.slug AS company, c.plan_code AS plan, d.model, d.provider,
       sum(d.requests)::bigint AS requests, sum(d.errors)::bigint AS errors,
       sum(d.input_tokens)::bigint AS input_tokens, sum(d.output_tokens)::bigint AS output_tokens,
       round(sum(d.cost_micro_usd) / 1000000.0, 6) AS cost_usd
  FROM usage_daily d JOIN companies c ON c.id = d.company_id
 GROUP BY d.day, c.slug, c.plan_code, d.model, d.provider;

-- company_limits checks its tables as whoever reads it (security invoker): read it as the owner here.
CREATE FUNCTION reporting.company_limits() RETURNS SETOF company_limits
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$ SELECT * FROM company_limits $$;
REVOKE ALL ON FUNCTION reporting.company_limits() FROM PUBLIC;

CREATE VIEW reporting.company_usage AS
SELECT l.slug AS company, l.plan, l.status,
       (l.current_usage->>'users')::bigint AS users, l.max_users,
       (l.current_usage->>'ai_requests')::bigint AS ai_requests, l.ai_requests_per_month,
       round(100.0 * (l.current_usage->>'ai_requests')::bigint / nullif(l.ai_requests_per_month, 0), 1)
           AS ai_requests_used_percent,
       (l.current_usage->>'tokens')::bigint AS tokens, (l.current_usage->>'cost_usd')::numeric AS cost_usd,
       round(l.monthly_budget_micro_usd / 1000000.0, 2) AS budget_usd
  FROM reporting.company_limits() l;

CREATE VIEW reporting.gateway_refusals AS
SELECT e.created_at, c.slug AS company, e.kind, coalesce(e.detail->>'limit', '') AS limit_name,
       coalesce((e.detail->>'count')::bigint, 1) AS refusals
  FROM security_events e JOIN companies c ON c.id = e.company_id
 WHERE e.kind IN ('rate_limited', 'budget_rejected');

CREATE VIEW reporting.security_events AS
SELECT e.created_at, c.slug AS company, e.kind, e.method, e.path
  FROM security_events e JOIN companies c ON c.id = e.company_id;

CREATE VIEW reporting.support_actions AS
SELECT s.created_at, c.slug AS company, u.email AS staff, s.action_type, s.status_code
  FROM support_actions_log s
  JOIN companies c ON c.id = s.target_company_id
  LEFT JOIN users u ON u.id = s.support_user_id;
"""
VIEWS = ("usage_daily", "company_usage", "gateway_refusals", "security_events", "support_actions")
# What the views (and the owner functions above) read: the owner reads them in full even where it does
# not bypass row-level security (the policies apply to the owner role only).
OWNER_READ = (
    "companies",
    "users",
    "memberships",
    "limit_overrides",
    "usage_daily",
    "usage_counters",
    "security_events",
    "support_actions_log",
)

STATS_ACCESS = """
DO $$
BEGIN
    BEGIN
        EXECUTE 'GRANT pg_read_all_stats TO ' || quote_ident(current_user);
    EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
        -- A managed server keeps that role to itself: seeing the application role's sessions is enough.
        EXECUTE format('GRANT %I TO %I', {app}, current_user);
    END;
END $$;
"""

# Functions of this revision, from their files (``aipair.db.sql_files``).
DEFINITIONS = (
    "observability/record_activity.v1",
    "observability/observability_snapshot.v1",
    "usage/platform_usage.v1",
)


def _grant_functions() -> None:
    for signature in ("record_activity(text[], uuid[], timestamptz[])", "observability_snapshot()",
                      "platform_usage(bigint)"):  # fmt: skip
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {app_role()}")


def upgrade() -> None:
    for table in OWNER_READ:
        op.execute(f"CREATE POLICY owner_reporting_read ON {table} FOR SELECT TO CURRENT_USER USING (true)")
    op.execute(ACTIVITY)
    for reference in DEFINITIONS:
        op.execute(sql_text(reference))
    _grant_functions()
    op.execute(REPORTING_VIEWS)
    op.execute(f"GRANT USAGE ON SCHEMA reporting TO {reporting_role()}")
    for view in VIEWS:
        op.execute(f"GRANT SELECT ON reporting.{view} TO {reporting_role()}")
    # A view's readers call its functions themselves (this one reads company_limits as the owner).
    op.execute(f"GRANT EXECUTE ON FUNCTION reporting.company_limits() TO {reporting_role()}")
    op.execute(STATS_ACCESS.replace("{app}", "'" + app_role().strip('"') + "'"))
    op.execute(sql_text("usage/gateway_expire_reservations.v2"))


def downgrade() -> None:
    op.execute(sql_text("usage/gateway_expire_reservations.v1"))
    op.execute("DROP SCHEMA reporting CASCADE")
    op.execute("DROP FUNCTION platform_usage(bigint)")
    op.execute("DROP FUNCTION observability_snapshot()")
    op.execute("DROP FUNCTION record_activity(text[], uuid[], timestamptz[])")
    op.execute("DROP TABLE principal_activity")
    for table in OWNER_READ:
        op.execute(f"DROP POLICY owner_reporting_read ON {table}")
