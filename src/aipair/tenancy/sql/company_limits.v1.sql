CREATE OR REPLACE VIEW company_limits WITH (security_invoker = true) AS
WITH active_overrides AS (
    SELECT DISTINCT ON (company_id, limit_name) company_id, limit_name, value
    FROM limit_overrides
    WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
    ORDER BY company_id, limit_name, created_at DESC
)
SELECT
    c.id AS company_id,
    c.slug,
    c.status,
    c.plan_code AS plan,
    coalesce((SELECT value FROM active_overrides o WHERE o.company_id = c.id AND o.limit_name = 'max_users'),
             c.custom_max_users, p.max_users) AS max_users,
    coalesce((SELECT value FROM active_overrides o WHERE o.company_id = c.id AND o.limit_name = 'ai_requests_per_month'),
             c.custom_ai_requests_per_month, p.ai_requests_per_month) AS ai_requests_per_month,
    coalesce((SELECT value FROM active_overrides o WHERE o.company_id = c.id AND o.limit_name = 'storage_mb'),
             c.custom_storage_mb, p.storage_mb) AS storage_mb,
    coalesce((SELECT value FROM active_overrides o WHERE o.company_id = c.id AND o.limit_name = 'requests_per_minute'),
             c.custom_requests_per_minute, p.requests_per_minute) AS requests_per_minute,
    coalesce((SELECT value FROM active_overrides o WHERE o.company_id = c.id AND o.limit_name = 'ai_requests_per_hour'),
             c.custom_ai_requests_per_hour, p.ai_requests_per_hour) AS ai_requests_per_hour,
    c.monthly_budget_micro_usd,
    jsonb_build_object(
        'users', (SELECT count(*) FROM memberships m WHERE m.company_id = c.id AND m.status = 'ACTIVE'),
        'ai_requests', coalesce(u.requests, 0),
        'storage_mb', round(coalesce((SELECT sum(mt.size_bytes) FROM meetings mt WHERE mt.company_id = c.id), 0) / 1048576.0, 3),
        'tokens', coalesce(u.input_tokens + u.output_tokens, 0),
        'cost_usd', round(coalesce(u.cost_micro_usd, 0) / 1000000.0, 6)
    ) AS current_usage
FROM companies c
JOIN plans p ON p.code = c.plan_code
LEFT JOIN usage_counters u
  ON u.company_id = c.id AND u.api_key_id = '00000000-0000-0000-0000-000000000000'
 AND u.period = date_trunc('month', now() AT TIME ZONE c.time_zone)::date;
