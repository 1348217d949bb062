-- gateway_purge_idempotency_keys, version 1 (revision 0020): delete up to p_limit expired
-- Idempotency-Key records of every company; returns how many went.
--
-- The worker calls it on a schedule, so it runs with its owner's rights (SECURITY DEFINER); the owner's
-- policies on the table (revision 0020) let it see and delete expired records only. Records another
-- transaction holds (a call claiming an expired key afresh) are skipped, never waited for.
CREATE OR REPLACE FUNCTION gateway_purge_idempotency_keys(p_limit integer DEFAULT 1000)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_count integer;
BEGIN
    DELETE FROM gateway_idempotency_keys k
     USING (SELECT company_id, idempotency_key FROM gateway_idempotency_keys
             WHERE expires_at < now()
             ORDER BY expires_at
             LIMIT greatest(p_limit, 0)
               FOR UPDATE SKIP LOCKED) AS expired
     WHERE k.company_id = expired.company_id AND k.idempotency_key = expired.idempotency_key
       AND k.expires_at < now();
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END $$;
