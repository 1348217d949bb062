"""Operations: backup and drill records, maintenance windows, incidents, secret rotations.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

These are platform tables (no ``company_id``): row-level security lets platform staff read them
(SUPPORT and SUPER_ADMIN), and only a SUPER_ADMIN context (the operator's command line, the worker)
change backups, drills, rotations and maintenance windows. Maintenance windows are public: every
caller may read them (customers see upcoming windows). Incidents are written by platform staff.
``maintenance_windows`` changes are announced with ``NOTIFY aipair_maintenance`` by a trigger, so
every replica learns of them at commit.
"""

from __future__ import annotations

from alembic import op

from aipair.db.migration_helpers import grant_app

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE ops_backups (
    id uuid PRIMARY KEY,
    label varchar(64) NOT NULL CONSTRAINT uq_ops_backups_label UNIQUE,
    kind varchar(16) NOT NULL,
    repository text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    size_bytes bigint NOT NULL,
    verified_at timestamptz,
    verified_ok boolean,
    problems jsonb NOT NULL DEFAULT '[]'::jsonb,
    pruned_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_ops_backups_kind CHECK (kind IN ('physical', 'logical'))
);
CREATE INDEX ix_ops_backups_finished ON ops_backups (finished_at);
CREATE TABLE ops_drills (
    id uuid PRIMARY KEY,
    backup_label varchar(64) NOT NULL,
    target text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    passed boolean NOT NULL,
    rto_seconds double precision,
    rpo_seconds double precision,
    tables_compared integer NOT NULL DEFAULT 0,
    mismatches jsonb NOT NULL DEFAULT '[]'::jsonb,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_ops_drills_finished ON ops_drills (finished_at);
CREATE TABLE maintenance_windows (
    id uuid PRIMARY KEY,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    reason text NOT NULL,
    emergency boolean NOT NULL DEFAULT false,
    created_by uuid CONSTRAINT fk_maintenance_windows_created_by_users REFERENCES users (id) ON DELETE SET NULL,
    cancelled_at timestamptz,
    ended_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_maintenance_windows_order CHECK (ends_at > starts_at)
);
CREATE INDEX ix_maintenance_windows_ends ON maintenance_windows (ends_at);
CREATE TABLE incidents (
    id uuid PRIMARY KEY,
    number bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT uq_incidents_number UNIQUE,
    severity varchar(2) NOT NULL,
    title varchar(200) NOT NULL,
    status varchar(16) NOT NULL DEFAULT 'open',
    opened_at timestamptz NOT NULL DEFAULT now(),
    response_due_at timestamptz NOT NULL,
    acknowledged_at timestamptz,
    resolved_at timestamptz,
    opened_by uuid CONSTRAINT fk_incidents_opened_by_users REFERENCES users (id) ON DELETE SET NULL,
    resolution text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_incidents_severity CHECK (severity IN ('P0', 'P1', 'P2', 'P3')),
    CONSTRAINT ck_incidents_status CHECK (status IN ('open', 'acknowledged', 'resolved'))
);
CREATE INDEX ix_incidents_status ON incidents (status, response_due_at);
CREATE TABLE incident_events (
    id uuid PRIMARY KEY,
    incident_id uuid NOT NULL CONSTRAINT fk_incident_events_incident_id_incidents REFERENCES incidents (id) ON DELETE CASCADE,
    kind varchar(16) NOT NULL,
    body text NOT NULL,
    author_user_id uuid CONSTRAINT fk_incident_events_author_user_id_users REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_incident_events_kind CHECK (kind IN ('opened', 'acknowledged', 'note', 'resolved'))
);
CREATE INDEX ix_incident_events_incident ON incident_events (incident_id, created_at);
CREATE TABLE secret_rotations (
    id uuid PRIMARY KEY,
    kind varchar(32) NOT NULL,
    rotated_at timestamptz NOT NULL DEFAULT now(),
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT ck_secret_rotations_kind CHECK (kind IN ('db_password', 'secrets_key'))
);
CREATE INDEX ix_secret_rotations_kind ON secret_rotations (kind, rotated_at);
CREATE FUNCTION maintenance_windows_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('aipair_maintenance', '');
    RETURN NULL;
END $$;
CREATE TRIGGER maintenance_windows_notify AFTER INSERT OR UPDATE OR DELETE ON maintenance_windows
    FOR EACH STATEMENT EXECUTE FUNCTION maintenance_windows_notify();
"""
STAFF = "app_platform_role() IN ('SUPER_ADMIN', 'SUPPORT')"
SUPER = "app_platform_role() = 'SUPER_ADMIN'"
# table -> (who reads, who writes)
POLICIES = {
    "ops_backups": (STAFF, SUPER),
    "ops_drills": (STAFF, SUPER),
    "secret_rotations": (STAFF, SUPER),
    "maintenance_windows": ("true", SUPER),
    "incidents": (STAFF, STAFF),
    "incident_events": (STAFF, STAFF),
}


def upgrade() -> None:
    op.execute(TABLES)
    for table, (reads, writes) in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY platform_read ON {table} FOR SELECT USING ({reads})")
        op.execute(f"CREATE POLICY platform_insert ON {table} FOR INSERT WITH CHECK ({writes})")
        op.execute(
            f"CREATE POLICY platform_update ON {table} FOR UPDATE USING ({writes}) WITH CHECK ({writes})"
        )
        grant_app(table, "SELECT, INSERT, UPDATE")


def downgrade() -> None:
    for table in reversed(list(POLICIES)):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP FUNCTION IF EXISTS maintenance_windows_notify()")
