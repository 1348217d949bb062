CREATE OR REPLACE FUNCTION platform_usage(p_over bigint) RETURNS TABLE (
    company_id uuid, slug text, name text, plan text, status text, users bigint, ai_requests bigint,
    ai_requests_limit bigint, tokens bigint, cost_micro_usd bigint, budget_micro_usd bigint
) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF coalesce(current_setting('app.platform_role', true), '') NOT IN ('SUPER_ADMIN', 'SUPPORT') THEN
        RAISE EXCEPTION 'platform staff only' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY
    SELECT l.company_id, l.slug::text, c.name::text, l.plan::text, l.status::text,
           (l.current_usage->>'users')::bigint, (l.current_usage->>'ai_requests')::bigint,
           l.ai_requests_per_month::bigint, (l.current_usage->>'tokens')::bigint,
           coalesce(u.cost_micro_usd, 0)::bigint, l.monthly_budget_micro_usd::bigint
      FROM company_limits l
      JOIN companies c ON c.id = l.company_id
      LEFT JOIN usage_counters u ON u.company_id = l.company_id
       AND u.api_key_id = '00000000-0000-0000-0000-000000000000'
       AND u.period = date_trunc('month', now() AT TIME ZONE c.time_zone)::date
     WHERE (l.current_usage->>'ai_requests')::bigint > p_over
     ORDER BY (l.current_usage->>'ai_requests')::bigint DESC, l.slug;
END $$;
