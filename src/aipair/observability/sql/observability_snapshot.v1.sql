CREATE OR REPLACE FUNCTION observability_snapshot() RETURNS TABLE (name text, label text, value double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT 'jobs', state::text, count(*)::double precision FROM jobs GROUP BY state
    UNION ALL
    SELECT 'jobs_oldest_ready_age', '', coalesce(extract(epoch FROM now() - min(run_after)), 0)
      FROM jobs WHERE state = 'queued' AND run_after <= now()
    UNION ALL
    SELECT 'active_principals', kind, count(*) FROM principal_activity
     WHERE last_seen_at > now() - interval '5 minutes' GROUP BY kind
    UNION ALL
    SELECT 'connections', coalesce(state, 'background'), count(*) FROM pg_stat_activity
     WHERE datname = current_database() GROUP BY coalesce(state, 'background')
    UNION ALL
    SELECT 'connections_max', '', current_setting('max_connections')::double precision
$$;
