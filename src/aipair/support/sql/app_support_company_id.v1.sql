CREATE OR REPLACE FUNCTION app_support_company_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.support_company_id', true), '')::uuid $$;
