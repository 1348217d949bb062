-- gateway_usage_apply, version 3 (revision 0019): a gateway batch of settlements and reservations;
-- the daily roll-up keeps the model as the caller named it (public_model) beside the provider's.
--
-- Arguments are JSON arrays of argument arrays: a settlement is (company, period, request id, status,
-- provider, model, input tokens, output tokens, cost, latency ms, error code, day, budget, key budget,
-- alert thresholds, key id); a reservation is gateway_reserve's arguments (company, period, request id,
-- user, key, operation, model, cost, quota, budget, key budget). The batch is worked one company (and
-- period) at a time, in ascending order, each in its own tenant context (row-level security holds):
--   1. the counter rows the group touches (the company's, then its keys') are created if missing and
--      locked in one sorted pass: the lock order of every gateway function;
--   2. its settlements close their usage events with one UPDATE and add to the daily roll-up with one
--      upsert; what they free and cost is summed per counter row, in variables;
--   3. its reservations are decided one after the other, in the order given, against the locked
--      counters plus those sums (the rules of gateway_reserve: quota, company budget, key budget), and
--      the admitted ones are written with one INSERT of usage events (a request id seen before is
--      refused as 'duplicate');
--   4. each counter row is updated once with everything the batch changed;
--   5. the budget thresholds the settlements reached are recorded in budget_alerts and returned.
-- So quotas and budgets stay exact across processes (every decision is taken under the row locks),
-- while a counter row is written once per batch instead of two or three times per request.
CREATE OR REPLACE FUNCTION gateway_usage_apply(
    p_settlements jsonb, p_reservations jsonb, OUT reserved text[], OUT crossed jsonb
) LANGUAGE plpgsql AS $fn$
DECLARE
    v_group record;
    v_keys uuid[];
    v_crossed jsonb;
BEGIN
    reserved := array_fill(NULL::text, ARRAY[jsonb_array_length(p_reservations)]);
    crossed := '{}';
    FOR v_group IN
        SELECT DISTINCT (x ->> 0)::uuid AS company, (x ->> 1)::date AS period
          FROM (SELECT jsonb_array_elements(p_settlements) UNION ALL
                SELECT jsonb_array_elements(p_reservations)) AS items(x)
         ORDER BY 1, 2
    LOOP
        PERFORM set_config('app.company_id', v_group.company::text, true);
        v_keys := gateway_usage_keys(v_group.company, v_group.period, p_settlements, p_reservations);
        SELECT g.reserved, g.crossed INTO reserved, v_crossed
          FROM gateway_usage_group(v_group.company, v_group.period, v_keys, p_settlements, p_reservations,
                                   reserved) AS g;
        crossed := crossed || v_crossed;
    END LOOP;
END $fn$;

-- The group's counter rows: the company's (the nil key, first) and its keys' (those of its
-- reservations, argument 4, and of its settlements, argument 15), sorted.
CREATE OR REPLACE FUNCTION gateway_usage_keys(
    p_company uuid, p_period date, p_settlements jsonb, p_reservations jsonb
) RETURNS uuid[] LANGUAGE sql IMMUTABLE AS $fn$
    SELECT array_agg(k ORDER BY k) FROM (
        SELECT '00000000-0000-0000-0000-000000000000'::uuid AS k
        UNION
        SELECT (x ->> 4)::uuid FROM jsonb_array_elements(p_reservations) AS x
         WHERE (x ->> 0)::uuid = p_company AND (x ->> 1)::date = p_period AND x ->> 4 IS NOT NULL
        UNION
        SELECT (x ->> 15)::uuid FROM jsonb_array_elements(p_settlements) AS x
         WHERE (x ->> 0)::uuid = p_company AND (x ->> 1)::date = p_period AND x ->> 15 IS NOT NULL
    ) AS keys
$fn$;

-- Lock, settle, reserve and update the counters of one group (see gateway_usage_apply).
CREATE OR REPLACE FUNCTION gateway_usage_group(
    p_company uuid, p_period date, p_keys uuid[], p_settlements jsonb, p_reservations jsonb,
    INOUT reserved text[], OUT crossed jsonb
) LANGUAGE plpgsql
  -- Plans are cached per connection; one made while usage_events was small must not scan it later.
  SET enable_seqscan = off
AS $fn$
DECLARE
    n integer := cardinality(p_keys);
    v_requests integer[] := array_fill(0, ARRAY[n]);
    v_used bigint[] := array_fill(0::bigint, ARRAY[n]);  -- cost plus reserved, as locked
    v_spent bigint := 0;  -- the company's cost, as locked
    d_requests integer[] := array_fill(0, ARRAY[n]);
    d_reserved bigint[] := array_fill(0::bigint, ARRAY[n]);
    d_cost bigint[] := array_fill(0::bigint, ARRAY[n]);
    d_input bigint[] := array_fill(0::bigint, ARRAY[n]);
    d_output bigint[] := array_fill(0::bigint, ARRAY[n]);
    s_keys uuid[];
    s_refunds bigint[];
    s_reserved bigint[];
    s_cost bigint[];
    s_input bigint[];
    s_output bigint[];
    v_row record;
    v_pos integer;
    v_admitted integer[] := '{}';
    v_dup_i integer[];
    v_dup_key uuid[];
    v_dup_cost bigint[];
    v_ids text[];
    v_locked integer;
BEGIN
    crossed := '{}';
    -- 1. The group's counter rows locked in one sorted pass (the company's first: the nil key sorts
    -- first), read as they are; missing ones (a period's first requests) are created, then locked.
    FOR attempt IN 1 .. 2 LOOP
        v_locked := 0;
        FOR v_row IN SELECT api_key_id, requests, cost_micro_usd, reserved_micro_usd FROM usage_counters
                      WHERE company_id = p_company AND period = p_period AND api_key_id = ANY (p_keys)
                      ORDER BY api_key_id
                        FOR UPDATE LOOP
            v_locked := v_locked + 1;
            v_pos := array_position(p_keys, v_row.api_key_id);
            v_requests[v_pos] := v_row.requests;
            v_used[v_pos] := v_row.cost_micro_usd + v_row.reserved_micro_usd;
            IF v_pos = 1 THEN
                v_spent := v_row.cost_micro_usd;
            END IF;
        END LOOP;
        EXIT WHEN v_locked = n;
        INSERT INTO usage_counters (company_id, period, api_key_id)
        SELECT p_company, p_period, k FROM unnest(p_keys) AS k ORDER BY k
        ON CONFLICT DO NOTHING;
    END LOOP;

    -- 2. Settlements: events closed and the roll-up upserted, their effects summed per counter row.
    IF jsonb_array_length(p_settlements) > 0 THEN
    v_ids := ARRAY(SELECT x ->> 2 FROM jsonb_array_elements(p_settlements) AS x
                    WHERE (x ->> 0)::uuid = p_company AND (x ->> 1)::date = p_period);
    WITH s AS (
        SELECT x ->> 2 AS request_id, x ->> 3 AS status, x ->> 4 AS provider, x ->> 5 AS model,
               (x ->> 6)::integer AS input, (x ->> 7)::integer AS output, (x ->> 8)::bigint AS cost,
               (x ->> 9)::integer AS latency, x ->> 10 AS error, (x ->> 11)::date AS day
          FROM jsonb_array_elements(p_settlements) AS x
         WHERE (x ->> 0)::uuid = p_company AND (x ->> 1)::date = p_period
    ), closed AS (
        -- The events are found through the primary key (request_id = ANY): one index probe each,
        -- whatever the table's size or statistics.
        UPDATE usage_events e
           SET status = s.status, provider = s.provider, model = s.model, input_tokens = s.input,
               output_tokens = s.output, cost_micro_usd = s.cost, latency_ms = s.latency,
               error_code = s.error, settled_at = now()
          FROM s
         WHERE e.company_id = p_company AND e.period = p_period AND e.request_id = ANY (v_ids)
           AND e.request_id = s.request_id
           AND e.status || '' = 'reserved'  -- never through a partial index (see revision 0005)
        RETURNING e.api_key_id, e.reserved_micro_usd AS held,
                  CASE WHEN s.status = 'failed' THEN 1 ELSE 0 END AS refund, s.cost, s.input, s.output,
                  s.day, e.public_model, coalesce(s.model, e.public_model) AS model,
                  coalesce(s.provider, 'none') AS provider
    ), daily AS (
        INSERT INTO usage_daily AS d (company_id, day, public_model, model, provider, api_key_id, requests,
                                      errors, input_tokens, output_tokens, cost_micro_usd)
        SELECT p_company, day, public_model, model, provider,
               coalesce(api_key_id, '00000000-0000-0000-0000-000000000000'), count(*), sum(refund),
               sum(input), sum(output), sum(cost)
          FROM closed GROUP BY day, public_model, model, provider, api_key_id
        ON CONFLICT (company_id, day, public_model, model, provider, api_key_id) DO UPDATE
           SET requests = d.requests + EXCLUDED.requests, errors = d.errors + EXCLUDED.errors,
               input_tokens = d.input_tokens + EXCLUDED.input_tokens,
               output_tokens = d.output_tokens + EXCLUDED.output_tokens,
               cost_micro_usd = d.cost_micro_usd + EXCLUDED.cost_micro_usd
    )
    SELECT array_agg(k), array_agg(refunds), array_agg(held), array_agg(cost), array_agg(input),
           array_agg(output)
      INTO s_keys, s_refunds, s_reserved, s_cost, s_input, s_output
      FROM (SELECT k, sum(refund) AS refunds, sum(held) AS held, sum(cost) AS cost,
                   sum(input) AS input, sum(output) AS output
              FROM closed, LATERAL (SELECT '00000000-0000-0000-0000-000000000000'::uuid AS k
                                    UNION ALL SELECT api_key_id WHERE api_key_id IS NOT NULL) AS rows_of
             GROUP BY k) AS per_row;
    FOR i IN 1 .. coalesce(cardinality(s_keys), 0) LOOP
        v_pos := array_position(p_keys, s_keys[i]);
        d_requests[v_pos] := d_requests[v_pos] - s_refunds[i];
        d_reserved[v_pos] := d_reserved[v_pos] - s_reserved[i];
        d_cost[v_pos] := d_cost[v_pos] + s_cost[i];
        d_input[v_pos] := d_input[v_pos] + s_input[i];
        d_output[v_pos] := d_output[v_pos] + s_output[i];
    END LOOP;
    END IF;

    -- 3. Reservations, in the order given, against the counters as the settlements left them.
    FOR v_row IN
        SELECT i::integer AS i, (x ->> 4)::uuid AS key, (x ->> 7)::bigint AS cost,
               (x ->> 8)::integer AS quota, (x ->> 9)::bigint AS budget, (x ->> 10)::bigint AS key_budget
          FROM jsonb_array_elements(p_reservations) WITH ORDINALITY AS items(x, i)
         WHERE (x ->> 0)::uuid = p_company AND (x ->> 1)::date = p_period
         ORDER BY i
    LOOP
        v_pos := CASE WHEN v_row.key IS NULL THEN NULL ELSE array_position(p_keys, v_row.key) END;
        reserved[v_row.i] := CASE
            WHEN v_row.quota IS NOT NULL AND v_requests[1] + d_requests[1] >= v_row.quota THEN 'quota'
            WHEN v_row.budget IS NOT NULL
                 AND v_used[1] + d_cost[1] + d_reserved[1] + v_row.cost > v_row.budget THEN 'budget'
            WHEN v_pos IS NOT NULL AND v_row.key_budget IS NOT NULL
                 AND v_used[v_pos] + d_cost[v_pos] + d_reserved[v_pos] + v_row.cost > v_row.key_budget
                THEN 'key_budget'
            ELSE 'ok' END;
        CONTINUE WHEN reserved[v_row.i] <> 'ok';
        v_admitted := v_admitted || v_row.i;
        d_requests[1] := d_requests[1] + 1;
        d_reserved[1] := d_reserved[1] + v_row.cost;
        IF v_pos IS NOT NULL THEN
            d_requests[v_pos] := d_requests[v_pos] + 1;
            d_reserved[v_pos] := d_reserved[v_pos] + v_row.cost;
        END IF;
    END LOOP;
    IF cardinality(v_admitted) > 0 THEN
        WITH inserted AS (
            INSERT INTO usage_events (company_id, period, request_id, user_id, api_key_id, operation,
                                      public_model, reserved_micro_usd, status)
            SELECT p_company, p_period, x ->> 2, (x ->> 3)::uuid, (x ->> 4)::uuid, x ->> 5, x ->> 6,
                   (x ->> 7)::bigint, 'reserved'
              FROM unnest(v_admitted) AS a(i), LATERAL (SELECT p_reservations -> (a.i - 1) AS x) AS item
            ON CONFLICT DO NOTHING
            RETURNING request_id
        )
        SELECT array_agg(a.i), array_agg((p_reservations -> (a.i - 1) ->> 4)::uuid),
               array_agg((p_reservations -> (a.i - 1) ->> 7)::bigint)
          INTO v_dup_i, v_dup_key, v_dup_cost
          FROM unnest(v_admitted) AS a(i)
         WHERE p_reservations -> (a.i - 1) ->> 2 NOT IN (SELECT request_id FROM inserted);
        FOR j IN 1 .. coalesce(cardinality(v_dup_i), 0) LOOP  -- ids seen before: refused, nothing taken
            reserved[v_dup_i[j]] := 'duplicate';
            d_requests[1] := d_requests[1] - 1;
            d_reserved[1] := d_reserved[1] - v_dup_cost[j];
            IF v_dup_key[j] IS NOT NULL THEN
                v_pos := array_position(p_keys, v_dup_key[j]);
                d_requests[v_pos] := d_requests[v_pos] - 1;
                d_reserved[v_pos] := d_reserved[v_pos] - v_dup_cost[j];
            END IF;
        END LOOP;
    END IF;

    -- 4. Each counter row written once.
    UPDATE usage_counters c
       SET requests = c.requests + d.requests, reserved_micro_usd = c.reserved_micro_usd + d.held,
           cost_micro_usd = c.cost_micro_usd + d.cost, input_tokens = c.input_tokens + d.input,
           output_tokens = c.output_tokens + d.output, updated_at = now()
      FROM unnest(p_keys, d_requests, d_reserved, d_cost, d_input, d_output)
           AS d(k, requests, held, cost, input, output)
     WHERE c.company_id = p_company AND c.period = p_period AND c.api_key_id = d.k
       AND (d.requests, d.held, d.cost, d.input, d.output) <> (0, 0, 0, 0, 0);

    -- 5. Budget thresholds the settlements reached.
    IF d_cost[1] > 0 THEN
        crossed := gateway_usage_alerts(p_company, p_period, p_settlements, v_spent + d_cost[1]);
    END IF;
END $fn$;

-- Record the budget thresholds ``p_spent`` reached (once per period and threshold); returns
-- {company: [thresholds fired now]} or {}.
CREATE OR REPLACE FUNCTION gateway_usage_alerts(
    p_company uuid, p_period date, p_settlements jsonb, p_spent bigint
) RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
    v_budget bigint;
    v_thresholds smallint[];
    v_fired smallint[];
BEGIN
    -- The budget and thresholds the gateway sent with the group's settlements.
    SELECT (x ->> 12)::bigint, (x ->> 14)::smallint[] INTO v_budget, v_thresholds
      FROM jsonb_array_elements(p_settlements) AS x
     WHERE (x ->> 0)::uuid = p_company AND (x ->> 1)::date = p_period
     LIMIT 1;
    IF v_budget IS NULL OR v_budget = 0 THEN
        RETURN '{}';
    END IF;
    IF v_thresholds IS NULL THEN
        SELECT budget_alert_thresholds INTO v_thresholds FROM companies WHERE id = p_company;
    END IF;
    WITH fired AS (
        INSERT INTO budget_alerts (company_id, period, threshold_percent, spent_micro_usd, budget_micro_usd)
        SELECT p_company, p_period, t, p_spent, v_budget FROM unnest(v_thresholds) AS t
         WHERE p_spent * 100 >= v_budget * t
        ON CONFLICT DO NOTHING
        RETURNING threshold_percent
    )
    SELECT array_agg(threshold_percent ORDER BY threshold_percent) INTO v_fired FROM fired;
    RETURN CASE WHEN v_fired IS NULL THEN '{}'::jsonb
                ELSE jsonb_build_object(p_company::text, to_jsonb(v_fired)) END;
END $fn$;
