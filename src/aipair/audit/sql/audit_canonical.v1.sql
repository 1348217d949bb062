CREATE OR REPLACE FUNCTION audit_canonical(a audit_logs) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', a.id, 'company_id', a.company_id, 'seq', a.seq, 'actor_type', a.actor_type,
        'actor_user_id', a.actor_user_id, 'actor_key_id', a.actor_key_id, 'actor_role', a.actor_role,
        'action', a.action, 'target_type', a.target_type, 'target_id', a.target_id,
        'before', a.before, 'after', a.after, 'reason', a.reason, 'ip', host(a.ip),
        'user_agent', a.user_agent, 'request_id', a.request_id,
        'created_at_us', (extract(epoch FROM a.created_at) * 1000000)::bigint
    )::text
$$;
