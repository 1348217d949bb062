"""AI gateway: reservations left behind by a gateway that died mid-request are closed by the worker.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27

A reservation is settled by the gateway process that made it. When that process dies between the
reservation and the settlement (killed, out of memory, host lost), the reservation would hold quota
and budget for the rest of the period. ``gateway_expire_reservations`` closes every reservation older
than a given age as ``abandoned`` at its reserved (worst-case) cost and tokens unknown
(``outcome_unknown``): the provider may well have served the request, so the company is billed the
amount it had agreed to risk, and the event is kept, never lost.

The worker calls it on a schedule across every company, so it runs with its owner's rights
(``SECURITY DEFINER``) and the owner may read and lock ``usage_events`` rows of any company; the
settlement itself runs in each row's own tenant context, through ``gateway_settle``. Rows are taken
in the lock order of the hot path (company, then key) and in bounded batches; the day of the daily
roll-up is the company's local day of the reservation. Whatever age the caller passes, a reservation
younger than five minutes is never touched: the application role may call the function, and must not
be able to close requests still in flight.
"""

from __future__ import annotations

from alembic import op

from aipair.db.migration_helpers import app_role

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

EXPIRE = """
CREATE FUNCTION gateway_expire_reservations(p_older_than interval, p_limit integer DEFAULT 1000)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_row record;
    v_count integer := 0;
BEGIN
    FOR v_row IN SELECT e.company_id, e.period, e.request_id, e.reserved_micro_usd,
                        (e.created_at AT TIME ZONE c.time_zone)::date AS day
                   FROM usage_events e JOIN companies c ON c.id = e.company_id
                  WHERE e.status = 'reserved'
                    AND e.created_at < now() - greatest(p_older_than, interval '5 minutes')
                  ORDER BY e.company_id, e.api_key_id
                  LIMIT p_limit
                  FOR UPDATE OF e SKIP LOCKED LOOP
        PERFORM gateway_settle(v_row.company_id, v_row.period, v_row.request_id, 'abandoned', NULL, NULL,
                               0, 0, v_row.reserved_micro_usd, NULL, 'outcome_unknown', v_row.day,
                               NULL, NULL);
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END $$;
"""

OLD_EXPIRE = """
CREATE FUNCTION gateway_expire_reservations(p_older_than interval) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_row record;
    v_count integer := 0;
BEGIN
    FOR v_row IN SELECT company_id, period, request_id, reserved_micro_usd, created_at FROM usage_events
                  WHERE status = 'reserved' AND created_at < now() - p_older_than
                  ORDER BY company_id, api_key_id FOR UPDATE SKIP LOCKED LOOP
        PERFORM gateway_settle(v_row.company_id, v_row.period, v_row.request_id, 'abandoned', NULL, NULL,
                               0, 0, v_row.reserved_micro_usd, NULL, 'outcome_unknown',
                               v_row.created_at::date, NULL, NULL);
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END $$;
"""


def upgrade() -> None:
    op.execute("DROP FUNCTION gateway_expire_reservations(interval)")
    # The owner finds and locks open reservations of every company (only inside this function: the
    # app role has no such policy and cannot call anything else running as the owner).
    op.execute("CREATE POLICY owner_expiry_read ON usage_events FOR SELECT TO CURRENT_USER USING (true)")
    op.execute("CREATE POLICY owner_expiry_lock ON usage_events FOR UPDATE TO CURRENT_USER USING (true)")
    op.execute(EXPIRE)
    op.execute("REVOKE ALL ON FUNCTION gateway_expire_reservations(interval, integer) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION gateway_expire_reservations(interval, integer) TO {app_role()}")


def downgrade() -> None:
    op.execute("DROP FUNCTION gateway_expire_reservations(interval, integer)")
    op.execute("DROP POLICY owner_expiry_lock ON usage_events")
    op.execute("DROP POLICY owner_expiry_read ON usage_events")
    op.execute(OLD_EXPIRE)
