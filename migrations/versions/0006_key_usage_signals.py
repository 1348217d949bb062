"""Key usage signals: where each API key is used from, companies' working hours, once-only events.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

- ``api_key_sources``: every address an API key has been used from, first and last seen. The
  gateway learns a pair is new from ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` in its background
  flusher (never on the request's path), so the "new address" signal holds across restarts and
  replicas.
- ``companies.work_start`` / ``work_end`` / ``work_days``: the company's working hours in its own
  time zone (ISO weekdays, 1 = Monday), 07:00-20:00 Monday to Friday unless the company says
  otherwise; a key used outside them raises an off-hours signal.
- ``security_events.dedup_key``: a signal that must be raised at most once per key, reason and
  period carries a key (``new_ip:<key>:<ip>``, ``off_hours:<key>:<day>``, ...) unique per company,
  so concurrent replicas insert it with ``ON CONFLICT DO NOTHING`` and only one row lands.
- ``ix_security_events_key_created``: the events of one key, for staff reading a key's rejections.
- ``ix_usage_events_created_brin``: the spike check reads the current hour of ``usage_events``. A BRIN
  index costs the gateway's inserts next to nothing and, unlike a B-tree led by ``company_id``, can
  never be picked for the settlement's primary-key lookup (see revision 0005).
"""

from __future__ import annotations

from alembic import op

from aipair.db.migration_helpers import enable_tenant_rls, grant_app

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE api_key_sources (
    company_id uuid NOT NULL
        CONSTRAINT fk_api_key_sources_company_id_companies REFERENCES companies (id) ON DELETE CASCADE,
    api_key_id uuid NOT NULL
        CONSTRAINT fk_api_key_sources_api_key_id_api_keys REFERENCES api_keys (id) ON DELETE CASCADE,
    ip inet NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_api_key_sources PRIMARY KEY (company_id, api_key_id, ip)
);
ALTER TABLE companies ADD COLUMN work_start time NOT NULL DEFAULT '07:00';
ALTER TABLE companies ADD COLUMN work_end time NOT NULL DEFAULT '20:00';
ALTER TABLE companies ADD COLUMN work_days smallint[] NOT NULL DEFAULT '{1,2,3,4,5}';
ALTER TABLE companies ADD CONSTRAINT ck_companies_work_days CHECK (work_days <@ '{1,2,3,4,5,6,7}');
ALTER TABLE security_events ADD COLUMN dedup_key varchar(200);
CREATE UNIQUE INDEX uq_security_events_company_dedup ON security_events (company_id, dedup_key)
    WHERE dedup_key IS NOT NULL;
CREATE INDEX ix_security_events_key_created ON security_events (api_key_id, created_at)
    WHERE api_key_id IS NOT NULL;
CREATE INDEX ix_usage_events_created_brin ON usage_events USING brin (created_at);
"""


def upgrade() -> None:
    op.execute(TABLES)
    enable_tenant_rls("api_key_sources")
    grant_app("api_key_sources", "SELECT, INSERT, UPDATE")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_usage_events_created_brin")
    op.execute("DROP INDEX IF EXISTS ix_security_events_key_created")
    op.execute("DROP INDEX IF EXISTS uq_security_events_company_dedup")
    op.execute("ALTER TABLE security_events DROP COLUMN IF EXISTS dedup_key")
    op.execute("ALTER TABLE companies DROP CONSTRAINT IF EXISTS ck_companies_work_days")
    for column in ("work_days", "work_end", "work_start"):
        op.execute(f"ALTER TABLE companies DROP COLUMN IF EXISTS {column}")
    op.execute("DROP TABLE IF EXISTS api_key_sources")
