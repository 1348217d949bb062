CREATE OR REPLACE FUNCTION app_support_scope(p_company uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT CASE WHEN bool_or(g.scope = 'write') THEN 'write' WHEN count(*) > 0 THEN 'read' END
    FROM support_grants g
    WHERE p_company IS NOT NULL AND g.company_id = p_company AND g.staff_user_id = app_user_id()
      AND app_platform_role() IN ('SUPER_ADMIN', 'SUPPORT') AND g.status = 'active' AND g.expires_at > now()
$$;
