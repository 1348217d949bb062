-- gateway_usage_apply, version 1: one gateway batch of settlements and reservations, set-based.
--
-- Arguments are JSON arrays of argument arrays (the order of gateway_settle's and gateway_reserve's
-- parameters). The batch is worked company by company (and period), in ascending order, each in its own
-- tenant context (row-level security holds throughout):
--   1. the counter rows the group touches are created if missing, then locked in one sorted pass
--      (company row first, then its keys: the lock order of every gateway function);
--   2. its settlements close their usage events in one UPDATE; their effects are summed and applied
--      with one UPDATE of the counter rows and one upsert of the daily roll-up; the budget thresholds
--      now reached are recorded (budget_alerts) and returned;
--   3. its reservations are decided one after the other against the locked counters held in
--      variables (exactly as gateway_reserve would, in the order given), then written with one UPDATE
--      of the counter rows and one INSERT of the usage events. A request id seen before is refused as
--      'duplicate' and its counters given back.
-- So each counter row is updated at most twice per batch (settlements, then reservations) instead of
-- once per request, while quotas and budgets stay exact.
CREATE OR REPLACE FUNCTION gateway_usage_apply(
    p_settlements jsonb, p_reservations jsonb, OUT reserved text[], OUT crossed jsonb
) LANGUAGE plpgsql AS $fn$
DECLARE
    v_group record;
    v_keys uuid[];
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
        PERFORM gateway_usage_lock(v_group.company, v_group.period, v_keys);
        crossed := crossed || gateway_usage_settle_group(v_group.company, v_group.period, p_settlements);
        reserved := gateway_usage_reserve_group(
            v_group.company, v_group.period, v_keys, p_reservations, reserved);
    END LOOP;
END $fn$;

-- The group's key ids: those of its reservations (argument 4) and settlements (argument 15).
CREATE OR REPLACE FUNCTION gateway_usage_keys(
    p_company uuid, p_period date, p_settlements jsonb, p_reservations jsonb
) RETURNS uuid[] LANGUAGE sql IMMUTABLE AS $fn$
    SELECT coalesce(array_agg(DISTINCT k ORDER BY k), '{}') FROM (
        SELECT (x ->> 4)::uuid AS k FROM jsonb_array_elements(p_reservations) AS x
         WHERE (x ->> 0)::uuid = p_company AND (x ->> 1)::date = p_period
        UNION
        SELECT (x ->> 15)::uuid FROM jsonb_array_elements(p_settlements) AS x
         WHERE (x ->> 0)::uuid = p_company AND (x ->> 1)::date = p_period
    ) AS keys WHERE k IS NOT NULL
$fn$;

-- Create the group's missing counter rows (a period's first requests) and lock the group's rows in
-- one sorted pass: the company's row (the nil key sorts first), then its keys.
CREATE OR REPLACE FUNCTION gateway_usage_lock(p_company uuid, p_period date, p_keys uuid[])
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO usage_counters (company_id, period, api_key_id)
    SELECT p_company, p_period, k FROM unnest('00000000-0000-0000-0000-000000000000'::uuid || p_keys) AS k ORDER BY k
    ON CONFLICT DO NOTHING;
    PERFORM 1 FROM usage_counters
     WHERE company_id = p_company AND period = p_period AND api_key_id = ANY ('00000000-0000-0000-0000-000000000000'::uuid || p_keys)
     ORDER BY api_key_id
       FOR UPDATE;
END $fn$;

-- Close the group's settlements; one counter UPDATE and one roll-up upsert; thresholds reached.
CREATE OR REPLACE FUNCTION gateway_usage_settle_group(p_company uuid, p_period date, p_settlements jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
    v_closed integer;
    v_spent bigint;
    v_budget bigint;
    v_thresholds smallint[];
    v_fired smallint[];
BEGIN
    WITH s AS (
        SELECT x ->> 2 AS request_id, x ->> 3 AS status, x ->> 4 AS provider, x ->> 5 AS model,
               (x ->> 6)::integer AS input, (x ->> 7)::integer AS output, (x ->> 8)::bigint AS cost,
               (x ->> 9)::integer AS latency, x ->> 10 AS error, (x ->> 11)::date AS day
          FROM jsonb_array_elements(p_settlements) AS x
         WHERE (x ->> 0)::uuid = p_company AND (x ->> 1)::date = p_period
    ), closed AS (
        UPDATE usage_events e
           SET status = s.status, provider = s.provider, model = s.model, input_tokens = s.input,
               output_tokens = s.output, cost_micro_usd = s.cost, latency_ms = s.latency,
               error_code = s.error, settled_at = now()
          FROM s
         WHERE e.company_id = p_company AND e.period = p_period AND e.request_id = s.request_id
           AND e.status || '' = 'reserved'  -- never through a partial index (see revision 0005)
        RETURNING e.api_key_id, e.reserved_micro_usd AS reserved,
                  CASE WHEN s.status = 'failed' THEN 1 ELSE 0 END AS refund, s.cost, s.input, s.output,
                  s.day, coalesce(s.model, e.public_model) AS model, coalesce(s.provider, 'none') AS provider
    ), per_row AS (
        SELECT k, sum(refund) AS refunds, sum(reserved) AS reserved, sum(cost) AS cost,
               sum(input) AS input, sum(output) AS output
          FROM closed, LATERAL (SELECT '00000000-0000-0000-0000-000000000000'::uuid AS k
                                UNION ALL SELECT api_key_id WHERE api_key_id IS NOT NULL) AS rows_of
         GROUP BY k
    ), counters AS (
        UPDATE usage_counters c
           SET requests = c.requests - t.refunds, reserved_micro_usd = c.reserved_micro_usd - t.reserved,
               cost_micro_usd = c.cost_micro_usd + t.cost, input_tokens = c.input_tokens + t.input,
               output_tokens = c.output_tokens + t.output, updated_at = now()
          FROM per_row t
         WHERE c.company_id = p_company AND c.period = p_period AND c.api_key_id = t.k
        RETURNING c.api_key_id, c.cost_micro_usd
    ), daily AS (
        INSERT INTO usage_daily AS d (company_id, day, model, provider, api_key_id, requests, errors,
                                      input_tokens, output_tokens, cost_micro_usd)
        SELECT p_company, day, model, provider, coalesce(api_key_id, '00000000-0000-0000-0000-000000000000'), count(*), sum(refund),
               sum(input), sum(output), sum(cost)
          FROM closed GROUP BY day, model, provider, api_key_id
        ON CONFLICT (company_id, day, model, provider, api_key_id) DO UPDATE
           SET requests = d.requests + EXCLUDED.requests, errors = d.errors + EXCLUDED.errors,
               input_tokens = d.input_tokens + EXCLUDED.input_tokens,
               output_tokens = d.output_tokens + EXCLUDED.output_tokens,
               cost_micro_usd = d.cost_micro_usd + EXCLUDED.cost_micro_usd
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM daily), (SELECT cost_micro_usd FROM counters WHERE api_key_id = '00000000-0000-0000-0000-000000000000')
      INTO v_closed, v_spent;
    IF v_closed = 0 THEN
        RETURN '{}';
    END IF;
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
        SELECT p_company, p_period, t, v_spent, v_budget FROM unnest(v_thresholds) AS t
         WHERE v_spent * 100 >= v_budget * t
        ON CONFLICT DO NOTHING
        RETURNING threshold_percent
    )
    SELECT array_agg(threshold_percent ORDER BY threshold_percent) INTO v_fired FROM fired;
    IF v_fired IS NULL THEN
        RETURN '{}';
    END IF;
    RETURN jsonb_build_object(p_company::text, to_jsonb(v_fired));
END $fn$;

-- Decide the group's reservations in order against the locked counters, then write them at once.
CREATE OR REPLACE FUNCTION gateway_usage_reserve_group(
    p_company uuid, p_period date, p_keys uuid[], p_reservations jsonb, p_outcomes text[]
) RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE
    v_requests integer;
    v_used bigint;  -- cost plus reserved, company row
    v_keys uuid[];
    v_key_used bigint[];
    v_key_added bigint[];
    v_key_requests integer[];
    v_pos integer;
    v_r record;
    v_outcome text;
    v_admitted integer[] := '{}';
    v_added_requests integer := 0;
    v_added_cost bigint := 0;
BEGIN
    SELECT requests, cost_micro_usd + reserved_micro_usd INTO v_requests, v_used FROM usage_counters
     WHERE company_id = p_company AND period = p_period AND api_key_id = '00000000-0000-0000-0000-000000000000';
    SELECT array_agg(api_key_id ORDER BY api_key_id),
           array_agg(cost_micro_usd + reserved_micro_usd ORDER BY api_key_id)
      INTO v_keys, v_key_used FROM usage_counters
     WHERE company_id = p_company AND period = p_period AND api_key_id = ANY (p_keys);
    v_key_added := array_fill(0::bigint, ARRAY[coalesce(cardinality(v_keys), 0)]);
    v_key_requests := array_fill(0, ARRAY[coalesce(cardinality(v_keys), 0)]);
    FOR v_r IN
        SELECT i::integer AS i, (x ->> 4)::uuid AS key, (x ->> 7)::bigint AS cost, (x ->> 8)::integer AS quota,
               (x ->> 9)::bigint AS budget, (x ->> 10)::bigint AS key_budget
          FROM jsonb_array_elements(p_reservations) WITH ORDINALITY AS items(x, i)
         WHERE (x ->> 0)::uuid = p_company AND (x ->> 1)::date = p_period
         ORDER BY i
    LOOP
        v_pos := CASE WHEN v_r.key IS NULL THEN NULL ELSE array_position(v_keys, v_r.key) END;
        v_outcome := CASE
            WHEN v_r.quota IS NOT NULL AND v_requests >= v_r.quota THEN 'quota'
            WHEN v_r.budget IS NOT NULL AND v_used + v_r.cost > v_r.budget THEN 'budget'
            WHEN v_pos IS NOT NULL AND v_r.key_budget IS NOT NULL
                 AND v_key_used[v_pos] + v_r.cost > v_r.key_budget THEN 'key_budget'
            ELSE 'ok' END;
        p_outcomes[v_r.i] := v_outcome;
        CONTINUE WHEN v_outcome <> 'ok';
        v_admitted := v_admitted || v_r.i;
        v_requests := v_requests + 1;
        v_used := v_used + v_r.cost;
        v_added_requests := v_added_requests + 1;
        v_added_cost := v_added_cost + v_r.cost;
        IF v_pos IS NOT NULL THEN
            v_key_used[v_pos] := v_key_used[v_pos] + v_r.cost;
            v_key_added[v_pos] := v_key_added[v_pos] + v_r.cost;
            v_key_requests[v_pos] := v_key_requests[v_pos] + 1;
        END IF;
    END LOOP;
    IF v_added_requests = 0 THEN
        RETURN p_outcomes;
    END IF;
    UPDATE usage_counters c
       SET requests = c.requests + t.requests, reserved_micro_usd = c.reserved_micro_usd + t.added,
           updated_at = now()
      FROM (SELECT '00000000-0000-0000-0000-000000000000'::uuid AS k, v_added_requests AS requests,
                   v_added_cost AS added
            UNION ALL
            SELECT k, r, a FROM unnest(v_keys, v_key_requests, v_key_added) AS u(k, r, a) WHERE r > 0) AS t
     WHERE c.company_id = p_company AND c.period = p_period AND c.api_key_id = t.k;
    RETURN gateway_usage_insert_events(p_company, p_period, p_reservations, v_admitted, p_outcomes);
END $fn$;

-- Write the admitted reservations' usage events; a request id seen before gives its counters back.
CREATE OR REPLACE FUNCTION gateway_usage_insert_events(
    p_company uuid, p_period date, p_reservations jsonb, p_admitted integer[], p_outcomes text[]
) RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE
    v_duplicates integer[];
    v_dup record;
BEGIN
    WITH inserted AS (
        INSERT INTO usage_events (company_id, period, request_id, user_id, api_key_id, operation,
                                  public_model, reserved_micro_usd, status)
        SELECT p_company, p_period, x ->> 2, (x ->> 3)::uuid, (x ->> 4)::uuid, x ->> 5, x ->> 6,
               (x ->> 7)::bigint, 'reserved'
          FROM unnest(p_admitted) AS a(i), LATERAL (SELECT p_reservations -> (a.i - 1) AS x) AS item
        ON CONFLICT DO NOTHING
        RETURNING request_id
    )
    SELECT array_agg(a.i) INTO v_duplicates FROM unnest(p_admitted) AS a(i)
     WHERE p_reservations -> (a.i - 1) ->> 2 NOT IN (SELECT request_id FROM inserted);
    FOR v_dup IN
        SELECT d.i, (p_reservations -> (d.i - 1) ->> 4)::uuid AS key,
               (p_reservations -> (d.i - 1) ->> 7)::bigint AS cost
          FROM unnest(coalesce(v_duplicates, '{}')) AS d(i)
    LOOP
        p_outcomes[v_dup.i] := 'duplicate';
        UPDATE usage_counters
           SET requests = requests - 1, reserved_micro_usd = reserved_micro_usd - v_dup.cost
         WHERE company_id = p_company AND period = p_period
           AND api_key_id IN ('00000000-0000-0000-0000-000000000000', coalesce(v_dup.key, '00000000-0000-0000-0000-000000000000'::uuid));
    END LOOP;
    RETURN p_outcomes;
END $fn$;
