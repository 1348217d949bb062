-- gateway_settle, version 2 (revision 0019): the daily roll-up keeps the model as the caller named it.
CREATE OR REPLACE FUNCTION gateway_settle(
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
    v_due smallint[] := '{}';
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
    v_key := coalesce(v_event.api_key_id, '00000000-0000-0000-0000-000000000000'::uuid);
    -- The company's row first, then the key's: the order gateway_reserve locks them in.
    UPDATE usage_counters
       SET requests = requests - v_refund, reserved_micro_usd = reserved_micro_usd - v_event.reserved_micro_usd,
           cost_micro_usd = cost_micro_usd + p_cost, input_tokens = input_tokens + p_input,
           output_tokens = output_tokens + p_output, updated_at = now()
     WHERE company_id = p_company AND period = p_period AND api_key_id = '00000000-0000-0000-0000-000000000000'
    RETURNING cost_micro_usd INTO v_spent;
    IF v_key <> '00000000-0000-0000-0000-000000000000'::uuid THEN
        UPDATE usage_counters
           SET requests = requests - v_refund,
               reserved_micro_usd = reserved_micro_usd - v_event.reserved_micro_usd,
               cost_micro_usd = cost_micro_usd + p_cost, input_tokens = input_tokens + p_input,
               output_tokens = output_tokens + p_output, updated_at = now()
         WHERE company_id = p_company AND period = p_period AND api_key_id = v_key;
    END IF;
    INSERT INTO usage_daily AS d (company_id, day, public_model, model, provider, api_key_id, requests,
                                  errors, input_tokens, output_tokens, cost_micro_usd)
    VALUES (p_company, p_day, v_event.public_model, coalesce(p_model, v_event.public_model),
            coalesce(p_provider, 'none'), v_key, 1, v_refund, p_input, p_output, p_cost)
    ON CONFLICT (company_id, day, public_model, model, provider, api_key_id) DO UPDATE
       SET requests = d.requests + 1, errors = d.errors + EXCLUDED.errors,
           input_tokens = d.input_tokens + EXCLUDED.input_tokens,
           output_tokens = d.output_tokens + EXCLUDED.output_tokens,
           cost_micro_usd = d.cost_micro_usd + EXCLUDED.cost_micro_usd;
    IF p_budget IS NULL OR p_budget = 0 OR p_cost = 0 THEN
        RETURN '{}';
    END IF;
    IF p_thresholds IS NULL THEN
        SELECT budget_alert_thresholds INTO p_thresholds FROM companies WHERE id = p_company;
    END IF;
    FOREACH v_threshold IN ARRAY coalesce(p_thresholds, '{}') LOOP
        IF v_spent * 100 >= p_budget * v_threshold THEN
            v_due := v_due || v_threshold;
        END IF;
    END LOOP;
    IF cardinality(v_due) = 0 THEN
        RETURN '{}';  -- no threshold reached: nothing to record (the common case)
    END IF;
    WITH fired AS (
        INSERT INTO budget_alerts (company_id, period, threshold_percent, spent_micro_usd, budget_micro_usd)
        SELECT p_company, p_period, t, v_spent, p_budget FROM unnest(v_due) AS t
        ON CONFLICT DO NOTHING
        RETURNING threshold_percent
    )
    SELECT coalesce(array_agg(threshold_percent ORDER BY threshold_percent), '{}') INTO v_crossed FROM fired;
    RETURN v_crossed;
END $$;
