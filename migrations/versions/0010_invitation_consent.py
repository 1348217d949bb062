"""Tenancy: a person joins a company only by accepting its invitation; invitations can be revoked.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28

Accounts are shared across companies, and an invitation's token is shown to whoever invited. So adding
a person now creates an ``INVITED`` membership and an invitation bound to it; the membership becomes
``ACTIVE`` only when the invitation is accepted: by setting the password of an address that has no
account yet, or by the account's owner, signed in. Invitations carry the name the inviter gave (used
for a new account) and can be revoked. Memberships of accounts nobody has claimed yet (no password)
were never consented to: they become ``INVITED``, and pending invitations bind to their membership.

A company's transaction may update the account of an active colleague only: an invited person's
account is not the inviting company's to change (defence in depth under the service's rules).
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE memberships DROP CONSTRAINT ck_memberships_status;
ALTER TABLE memberships ADD CONSTRAINT ck_memberships_status
    CHECK (status IN ('INVITED','ACTIVE','DEACTIVATED'));
ALTER TABLE invitations ADD COLUMN membership_id uuid
    CONSTRAINT fk_invitations_membership_id_memberships REFERENCES memberships (id) ON DELETE SET NULL;
ALTER TABLE invitations ADD COLUMN name varchar(200) NOT NULL DEFAULT '';
ALTER TABLE invitations ADD COLUMN revoked_at timestamptz;
CREATE INDEX ix_invitations_membership_id ON invitations (membership_id);
DROP POLICY colleagues_update ON users;
CREATE POLICY colleagues_update ON users FOR UPDATE
    USING (id IN (SELECT user_id FROM memberships WHERE company_id = app_company_id() AND status = 'ACTIVE'));
-- Pending invitations bind to the membership they were issued for.
UPDATE invitations i SET membership_id = m.id
  FROM memberships m JOIN users u ON u.id = m.user_id
 WHERE m.company_id = i.company_id AND lower(u.email) = lower(i.email) AND i.membership_id IS NULL;
-- An account nobody has claimed yet (no password) was never asked: its memberships wait for consent.
UPDATE memberships m SET status = 'INVITED'
  FROM users u WHERE u.id = m.user_id AND u.password_hash IS NULL AND m.status = 'ACTIVE';
"""

DOWNGRADE = """
DROP POLICY colleagues_update ON users;
CREATE POLICY colleagues_update ON users FOR UPDATE
    USING (id IN (SELECT user_id FROM memberships WHERE company_id = app_company_id()));
DROP INDEX IF EXISTS ix_invitations_membership_id;
ALTER TABLE invitations DROP COLUMN IF EXISTS revoked_at;
ALTER TABLE invitations DROP COLUMN IF EXISTS name;
ALTER TABLE invitations DROP COLUMN IF EXISTS membership_id;
UPDATE memberships SET status = 'DEACTIVATED' WHERE status = 'INVITED';
ALTER TABLE memberships DROP CONSTRAINT ck_memberships_status;
ALTER TABLE memberships ADD CONSTRAINT ck_memberships_status CHECK (status IN ('ACTIVE','DEACTIVATED'));
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
