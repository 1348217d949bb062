CREATE OR REPLACE FUNCTION support_grants_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT (app_platform_role() IN ('SUPER_ADMIN', 'SUPPORT')) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.staff_user_id IS DISTINCT FROM app_user_id() OR NEW.status NOT IN ('requested', 'active')
           OR (NEW.status = 'active' AND (SELECT require_support_approval FROM companies WHERE id = NEW.company_id))
        THEN
            RAISE EXCEPTION 'support grant refused' USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF (NEW.status <> OLD.status AND NEW.status <> 'revoked') OR NEW.expires_at > OLD.expires_at
          OR NEW.scope <> OLD.scope OR NEW.company_id <> OLD.company_id
          OR NEW.staff_user_id <> OLD.staff_user_id THEN
        RAISE EXCEPTION 'support grant change refused' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
