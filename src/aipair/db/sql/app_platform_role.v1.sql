CREATE OR REPLACE FUNCTION app_platform_role() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(current_setting('app.platform_role', true), '') $$;
