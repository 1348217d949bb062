CREATE OR REPLACE FUNCTION gateway_expire_reservations(p_older_than interval, p_limit integer DEFAULT 1000)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_row record;
    v_count integer := 0;
BEGIN
    FOR v_row IN SELECT e.company_id, e.period, e.request_id, e.reserved_micro_usd,
                        (e.created_at AT TIME ZONE c.time_zone)::date AS day
                   FROM usage_events e JOIN companies c ON c.id = e.company_id
                  WHERE e.status = 'reserved'
                    AND e.created_at < now() - greatest(p_older_than, interval '1 minute')
                  ORDER BY e.company_id, e.api_key_id
                  LIMIT p_limit
                  FOR UPDATE OF e SKIP LOCKED LOOP
        PERFORM gateway_settle(v_row.company_id, v_row.period, v_row.request_id, 'abandoned', NULL, NULL,
                               0, 0, v_row.reserved_micro_usd, NULL, 'outcome_unknown', v_row.day,
                               NULL, NULL);
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END $$;
