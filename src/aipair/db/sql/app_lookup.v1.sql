CREATE OR REPLACE FUNCTION app_lookup(name text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.lookup_' || name, true), '') $$;
