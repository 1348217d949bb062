CREATE OR REPLACE FUNCTION maintenance_windows_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('aipair_maintenance', '');
    RETURN NULL;
END $$;
