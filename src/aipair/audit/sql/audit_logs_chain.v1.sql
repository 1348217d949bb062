CREATE OR REPLACE FUNCTION audit_logs_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_seq bigint;
    v_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit_logs'), hashtext(NEW.company_id::text));
    SELECT seq, hash INTO v_seq, v_hash FROM audit_logs
     WHERE company_id = NEW.company_id ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(v_seq, 0) + 1;
    NEW.prev_hash := coalesce(v_hash, repeat('0', 64));
    NEW.created_at := clock_timestamp();
    NEW.hash := encode(sha256(convert_to(NEW.prev_hash || audit_canonical(NEW), 'UTF8')), 'hex');
    RETURN NEW;
END $$;
