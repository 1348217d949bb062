CREATE OR REPLACE FUNCTION support_approval_required(p_company uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.require_support_approval FROM companies c WHERE c.id = p_company AND app_platform_role() IN ('SUPER_ADMIN', 'SUPPORT')
$$;
