"""AI gateway hot path: batched reservation and settlement, one lock order for the usage counters.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

A gateway process sends the settlements and reservations that arrive while its previous statement is
in flight as one call (``gateway_usage_batch``, each list a JSON array of argument arrays: one
parameter each, far cheaper for the driver to send than one array per argument): one round trip, one
transaction, one WAL flush, one acquisition of the company's hot counter row for many requests. Each item still runs the exact
per-request function inside that transaction, in order, so quotas and budgets stay exact (an item
sees the counters as the items before it left them).

Lock order, everywhere: a company's counter row (``api_key_id`` = nil) before its key's counter row,
and companies in ascending id order (the gateway sorts every batch so). Revision 0002 settled both
counter rows with one ``UPDATE ... IN (...)``, which locks them in physical order and could deadlock
against a reservation; ``gateway_settle`` now updates them one after the other.

Fewer statements per request, same rules: ``gateway_reserve`` creates a period's counter rows only
when the update finds none (not with an ``INSERT ... ON CONFLICT`` every time), and ``gateway_settle``
takes the company's alert thresholds from the caller (the gateway caches them with the company's
policy) so it reads ``companies`` only when called without them, and writes ``budget_alerts`` only when
the spend reached a threshold.

Every usage event is found through its primary key, whatever the planner's statistics say. The
functions' plans are cached per connection; planned while ``usage_events`` was empty (a new database,
and every new monthly partition once it is partitioned), revision 0002's duplicate check (``IF
EXISTS``) and settlement (``... AND status = 'reserved'``) used ``ix_usage_events_company_created``
(every event of the company) or the partial ``ix_usage_events_reserved`` (every reservation since the
last vacuum: each request leaves an entry there) instead of the primary key, and kept doing so as the
table grew: in the benchmark, thousands of index entries read per request until autovacuum happened to
analyse the table. So: a reused request id is detected by the insert's primary key (the counters it
had just taken are given back: a retried request is still billed once, and refused first if the quota
or budget is spent); the settlement's status test is written so that no partial index can serve it;
and ``ix_usage_events_company_created``, which no query uses, is dropped (one index less to maintain
per request too). An index led by ``company_id`` alone would bring the problem back.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NO_KEY = "00000000-0000-0000-0000-000000000000"

RESERVE = f"""
CREATE OR REPLACE FUNCTION gateway_reserve(
    p_company uuid, p_period date, p_request_id text, p_user uuid, p_key uuid, p_operation text,
    p_model text, p_cost bigint, p_quota integer, p_budget bigint, p_key_budget bigint
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_requests integer;
BEGIN
    PERFORM set_config('app.company_id', p_company::text, true);
    LOOP
        UPDATE usage_counters SET requests = requests + 1, reserved_micro_usd = reserved_micro_usd + p_cost,
                                  updated_at = now()
         WHERE company_id = p_company AND period = p_period AND api_key_id = '{NO_KEY}'
           AND (p_quota IS NULL OR requests < p_quota)
           AND (p_budget IS NULL OR cost_micro_usd + reserved_micro_usd + p_cost <= p_budget);
        EXIT WHEN FOUND;
        SELECT requests INTO v_requests FROM usage_counters
         WHERE company_id = p_company AND period = p_period AND api_key_id = '{NO_KEY}';
        IF FOUND THEN
            RETURN CASE WHEN p_quota IS NOT NULL AND v_requests >= p_quota THEN 'quota' ELSE 'budget' END;
        END IF;
        -- The period's first request creates the row, then takes it like any other.
        INSERT INTO usage_counters (company_id, period) VALUES (p_company, p_period) ON CONFLICT DO NOTHING;
    END LOOP;
    IF p_key IS NOT NULL THEN
        LOOP
            UPDATE usage_counters SET requests = requests + 1, reserved_micro_usd = reserved_micro_usd + p_cost,
                                      updated_at = now()
             WHERE company_id = p_company AND period = p_period AND api_key_id = p_key
               AND (p_key_budget IS NULL OR cost_micro_usd + reserved_micro_usd + p_cost <= p_key_budget);
            EXIT WHEN FOUND;
            IF EXISTS (SELECT 1 FROM usage_counters
                       WHERE company_id = p_company AND period = p_period AND api_key_id = p_key) THEN
                UPDATE usage_counters SET requests = requests - 1, reserved_micro_usd = reserved_micro_usd - p_cost
                 WHERE company_id = p_company AND period = p_period AND api_key_id = '{NO_KEY}';
                RETURN 'key_budget';
            END IF;
            INSERT INTO usage_counters (company_id, period, api_key_id) VALUES (p_company, p_period, p_key)
            ON CONFLICT DO NOTHING;
        END LOOP;
    END IF;
    -- A request id seen before is billed once: the primary key finds it (see the module docstring).
    INSERT INTO usage_events (company_id, period, request_id, user_id, api_key_id, operation, public_model,
                              reserved_micro_usd, status)
    VALUES (p_company, p_period, p_request_id, p_user, p_key, p_operation, p_model, p_cost, 'reserved')
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        UPDATE usage_counters SET requests = requests - 1, reserved_micro_usd = reserved_micro_usd - p_cost
         WHERE company_id = p_company AND period = p_period
           AND api_key_id IN ('{NO_KEY}', coalesce(p_key, '{NO_KEY}'::uuid));
        RETURN 'duplicate';
    END IF;
    RETURN 'ok';
END $$;
"""

SETTLE = f"""
DROP FUNCTION gateway_settle(uuid, date, text, text, text, text, integer, integer, bigint, integer, text, date,
                             bigint, bigint);
CREATE FUNCTION gateway_settle(
    p_company uuid, p_period date, p_request_id text, p_status text, p_provider text, p_model text,
    p_input integer, p_output integer, p_cost bigint, p_latency_ms integer, p_error text, p_day date,
    p_budget bigint, p_key_budget bigint, p_thresholds smallint[] DEFAULT NULL
) RETURNS smallint[] LANGUAGE plpgsql AS $$
DECLARE
    v_event usage_events%ROWTYPE;
    v_refund integer := CASE WHEN p_status = 'failed' THEN 1 ELSE 0 END;
    v_key uuid;
    v_spent bigint;
    v_threshold smallint;
    v_due smallint[] := '{{}}';
    v_crossed smallint[];
BEGIN
    PERFORM set_config('app.company_id', p_company::text, true);
    UPDATE usage_events SET status = p_status, provider = p_provider, model = p_model, input_tokens = p_input,
                            output_tokens = p_output, cost_micro_usd = p_cost, latency_ms = p_latency_ms,
                            error_code = p_error, settled_at = now()
     WHERE company_id = p_company AND period = p_period AND request_id = p_request_id
       AND status || '' = 'reserved'  -- not "status = 'reserved'": see the module docstring
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
    IF p_thresholds IS NULL THEN
        SELECT budget_alert_thresholds INTO p_thresholds FROM companies WHERE id = p_company;
    END IF;
    FOREACH v_threshold IN ARRAY coalesce(p_thresholds, '{{}}') LOOP
        IF v_spent * 100 >= p_budget * v_threshold THEN
            v_due := v_due || v_threshold;
        END IF;
    END LOOP;
    IF cardinality(v_due) = 0 THEN
        RETURN '{{}}';  -- no threshold reached: nothing to record (the common case)
    END IF;
    WITH fired AS (
        INSERT INTO budget_alerts (company_id, period, threshold_percent, spent_micro_usd, budget_micro_usd)
        SELECT p_company, p_period, t, v_spent, p_budget FROM unnest(v_due) AS t
        ON CONFLICT DO NOTHING
        RETURNING threshold_percent
    )
    SELECT coalesce(array_agg(threshold_percent ORDER BY threshold_percent), '{{}}') INTO v_crossed FROM fired;
    RETURN v_crossed;
END $$;
"""

BATCHES = """
CREATE FUNCTION gateway_usage_batch(
    p_settlements jsonb, p_reservations jsonb, OUT settled text[], OUT reserved text[]
) LANGUAGE plpgsql AS $$
DECLARE
    i integer := 0;
    j integer := 0;
    ns integer := jsonb_array_length(p_settlements);
    nr integer := jsonb_array_length(p_reservations);
    s jsonb;
    r jsonb;
BEGIN
    settled := '{}';
    reserved := '{}';
    -- Both lists come sorted by company: walk them together so that every company's counter rows are
    -- locked in ascending company order, its settlements (which free budget) before its reservations.
    WHILE i < ns OR j < nr LOOP
        s := p_settlements -> i;
        r := p_reservations -> j;
        IF j >= nr OR (i < ns AND (s ->> 0)::uuid <= (r ->> 0)::uuid) THEN
            settled := settled || gateway_settle(
                (s ->> 0)::uuid, (s ->> 1)::date, s ->> 2, s ->> 3, s ->> 4, s ->> 5, (s ->> 6)::integer,
                (s ->> 7)::integer, (s ->> 8)::bigint, (s ->> 9)::integer, s ->> 10, (s ->> 11)::date,
                (s ->> 12)::bigint, (s ->> 13)::bigint, (s ->> 14)::smallint[])::text;
            i := i + 1;
        ELSE
            reserved := reserved || gateway_reserve(
                (r ->> 0)::uuid, (r ->> 1)::date, r ->> 2, (r ->> 3)::uuid, (r ->> 4)::uuid, r ->> 5, r ->> 6,
                (r ->> 7)::bigint, (r ->> 8)::integer, (r ->> 9)::bigint, (r ->> 10)::bigint);
            j := j + 1;
        END IF;
    END LOOP;
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
    op.execute("DROP INDEX ix_usage_events_company_created")
    op.execute(RESERVE)
    op.execute(SETTLE)
    op.execute(BATCHES)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS gateway_usage_batch")
    # Back to the 14-argument signature of revision 0002 (thresholds read from ``companies``).
    previous = SETTLE.replace(
        "DROP FUNCTION gateway_settle(uuid, date, text, text, text, text, integer, integer, bigint, integer, text, date,\n"
        "                             bigint, bigint);",
        "DROP FUNCTION gateway_settle(uuid, date, text, text, text, text, integer, integer, bigint, integer, text, date,"
        " bigint, bigint, smallint[]);",
    )
    previous = previous.replace(", p_thresholds smallint[] DEFAULT NULL", "")
    previous = previous.replace("DECLARE\n", "DECLARE\n    p_thresholds smallint[];\n", 1)
    op.execute(previous)
    op.execute("CREATE INDEX ix_usage_events_company_created ON usage_events (company_id, created_at)")
