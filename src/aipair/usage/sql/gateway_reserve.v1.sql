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
         WHERE company_id = p_company AND period = p_period AND api_key_id = '00000000-0000-0000-0000-000000000000'
           AND (p_quota IS NULL OR requests < p_quota)
           AND (p_budget IS NULL OR cost_micro_usd + reserved_micro_usd + p_cost <= p_budget);
        EXIT WHEN FOUND;
        SELECT requests INTO v_requests FROM usage_counters
         WHERE company_id = p_company AND period = p_period AND api_key_id = '00000000-0000-0000-0000-000000000000';
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
                 WHERE company_id = p_company AND period = p_period AND api_key_id = '00000000-0000-0000-0000-000000000000';
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
           AND api_key_id IN ('00000000-0000-0000-0000-000000000000', coalesce(p_key, '00000000-0000-0000-0000-000000000000'::uuid));
        RETURN 'duplicate';
    END IF;
    RETURN 'ok';
END $$;
