CREATE OR REPLACE FUNCTION record_activity(p_kinds text[], p_ids uuid[], p_seen timestamptz[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO principal_activity (kind, principal_id, last_seen_at)
    SELECT k, i, s FROM unnest(p_kinds, p_ids, p_seen) AS t(k, i, s)
    ON CONFLICT (kind, principal_id)
    DO UPDATE SET last_seen_at = greatest(principal_activity.last_seen_at, excluded.last_seen_at);
    DELETE FROM principal_activity WHERE last_seen_at < now() - interval '1 day';
$$;
