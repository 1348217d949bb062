"""AI gateway hot path: batched reservation and settlement, one lock order for the usage counters.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

A gateway process sends the reservations (and, separately, the settlements) that arrive while its
previous statement is in flight as one call: one round trip, one transaction, one WAL flush, one
acquisition of the company's hot counter row for many requests. Each item still runs the exact
per-request function of revision 0002 inside that transaction, in order, so quotas and budgets stay
exact (an item sees the counters as the items before it left them).

Lock order, everywhere: a company's counter row (``api_key_id`` = nil) before its key's counter row,
and companies in ascending id order (the gateway sorts every batch so). Revision 0002 settled both
counter rows with one ``UPDATE ... IN (...)``, which locks them in physical order and could deadlock
against a reservation; ``gateway_settle`` now updates them one after the other.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NO_KEY = "00000000-0000-0000-0000-000000000000"

SETTLE = f"""
CREATE OR REPLACE FUNCTION gateway_settle(
    p_company uuid, p_period date, p_request_id text, p_status text, p_provider text, p_model text,
    p_input integer, p_output integer, p_cost bigint, p_latency_ms integer, p_error text, p_day date,
    p_budget bigint, p_key_budget bigint
) RETURNS smallint[] LANGUAGE plpgsql AS $$
DECLARE
    v_event usage_events%ROWTYPE;
    v_refund integer := CASE WHEN p_status = 'failed' THEN 1 ELSE 0 END;
    v_key uuid;
    v_spent bigint;
    v_crossed smallint[];
BEGIN
    PERFORM set_config('app.company_id', p_company::text, true);
    UPDATE usage_events SET status = p_status, provider = p_provider, model = p_model, input_tokens = p_input,
                            output_tokens = p_output, cost_micro_usd = p_cost, latency_ms = p_latency_ms,
                            error_code = p_error, settled_at = now()
     WHERE company_id = p_company AND period = p_period AND request_id = p_request_id AND status = 'reserved'
    RETURNING * INTO v_event;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    v_key := coalesce(v_event.api_key_id, '{NO_KEY}'::uuid);
    -- The company's row first, then the key's: the order gateway_reserve locks them in.
    UPDATE usage_counters
       SET requests = requests - v_refund, reserved_micro_usd = reserved_micro_usd - v_event.reserved_micro_usd,
           cost_micro_usd = cost_micro_usd + p_cost, input_tokens = input_tokens + p_input,
           output_tokens = output_tokens + p_output, updated_at = now()
     WHERE company_id = p_company AND period = p_period AND api_key_id = '{NO_KEY}'
    RETURNING cost_micro_usd INTO v_spent;
    IF v_key <> '{NO_KEY}'::uuid THEN
        UPDATE usage_counters
           SET requests = requests - v_refund,
               reserved_micro_usd = reserved_micro_usd - v_event.reserved_micro_usd,
               cost_micro_usd = cost_micro_usd + p_cost, input_tokens = input_tokens + p_input,
               output_tokens = output_tokens + p_output, updated_at = now()
         WHERE company_id = p_company AND period = p_period AND api_key_id = v_key;
    END IF;
    INSERT INTO usage_daily AS d (company_id, day, model, provider, api_key_id, requests, errors,
                                  input_tokens, output_tokens, cost_micro_usd)
    VALUES (p_company, p_day, coalesce(p_model, v_event.public_model), coalesce(p_provider, 'none'), v_key,
            1, v_refund, p_input, p_output, p_cost)
    ON CONFLICT (company_id, day, model, provider, api_key_id) DO UPDATE
       SET requests = d.requests + 1, errors = d.errors + EXCLUDED.errors,
           input_tokens = d.input_tokens + EXCLUDED.input_tokens,
           output_tokens = d.output_tokens + EXCLUDED.output_tokens,
           cost_micro_usd = d.cost_micro_usd + EXCLUDED.cost_micro_usd;
    IF p_budget IS NULL OR p_budget = 0 OR p_cost = 0 THEN
        RETURN '{{}}';
    END IF;
    WITH fired AS (
        INSERT INTO budget_alerts (company_id, period, threshold_percent, spent_micro_usd, budget_micro_usd)
        SELECT p_company, p_period, t, v_spent, p_budget
          FROM companies c, unnest(c.budget_alert_thresholds) AS t
         WHERE c.id = p_company AND v_spent * 100 >= p_budget * t
        ON CONFLICT DO NOTHING
        RETURNING threshold_percent
    )
    SELECT coalesce(array_agg(threshold_percent ORDER BY threshold_percent), '{{}}') INTO v_crossed FROM fired;
    RETURN v_crossed;
END $$;
"""

BATCHES = """
CREATE FUNCTION gateway_reserve_batch(
    p_company uuid[], p_period date[], p_request_id text[], p_user uuid[], p_key uuid[], p_operation text[],
    p_model text[], p_cost bigint[], p_quota integer[], p_budget bigint[], p_key_budget bigint[]
) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    v_outcomes text[] := '{}';
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_company, 1), 0) LOOP
        v_outcomes := v_outcomes || gateway_reserve(
            p_company[i], p_period[i], p_request_id[i], p_user[i], p_key[i], p_operation[i], p_model[i],
            p_cost[i], p_quota[i], p_budget[i], p_key_budget[i]);
    END LOOP;
    RETURN v_outcomes;
END $$;

CREATE FUNCTION gateway_settle_batch(
    p_company uuid[], p_period date[], p_request_id text[], p_status text[], p_provider text[],
    p_model text[], p_input integer[], p_output integer[], p_cost bigint[], p_latency_ms integer[],
    p_error text[], p_day date[], p_budget bigint[], p_key_budget bigint[]
) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    v_crossed text[] := '{}';
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_company, 1), 0) LOOP
        v_crossed := v_crossed || gateway_settle(
            p_company[i], p_period[i], p_request_id[i], p_status[i], p_provider[i], p_model[i], p_input[i],
            p_output[i], p_cost[i], p_latency_ms[i], p_error[i], p_day[i], p_budget[i], p_key_budget[i])::text;
    END LOOP;
    RETURN v_crossed;
END $$;

CREATE OR REPLACE FUNCTION gateway_expire_reservations(p_older_than interval) RETURNS integer
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
    op.execute(SETTLE)
    op.execute(BATCHES)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS gateway_settle_batch")
    op.execute("DROP FUNCTION IF EXISTS gateway_reserve_batch")
