CREATE OR REPLACE FUNCTION app_company_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.company_id', true), '')::uuid $$;
