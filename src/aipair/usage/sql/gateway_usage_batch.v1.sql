CREATE OR REPLACE FUNCTION gateway_usage_batch(
    p_settlements jsonb, p_reservations jsonb, OUT settled text[], OUT reserved text[]
) LANGUAGE plpgsql AS $$
DECLARE
    i integer := 0;
    j integer := 0;
    ns integer := jsonb_array_length(p_settlements);
    nr integer := jsonb_array_length(p_reservations);
    s jsonb;
    r jsonb;
BEGIN
    settled := '{}';
    reserved := '{}';
    -- Both lists come sorted by company: walk them together so that every company's counter rows are
    -- locked in ascending company order, its settlements (which free budget) before its reservations.
    WHILE i < ns OR j < nr LOOP
        s := p_settlements -> i;
        r := p_reservations -> j;
        IF j >= nr OR (i < ns AND (s ->> 0)::uuid <= (r ->> 0)::uuid) THEN
            settled := settled || gateway_settle(
                (s ->> 0)::uuid, (s ->> 1)::date, s ->> 2, s ->> 3, s ->> 4, s ->> 5, (s ->> 6)::integer,
                (s ->> 7)::integer, (s ->> 8)::bigint, (s ->> 9)::integer, s ->> 10, (s ->> 11)::date,
                (s ->> 12)::bigint, (s ->> 13)::bigint, (s ->> 14)::smallint[])::text;
            i := i + 1;
        ELSE
            reserved := reserved || gateway_reserve(
                (r ->> 0)::uuid, (r ->> 1)::date, r ->> 2, (r ->> 3)::uuid, (r ->> 4)::uuid, r ->> 5, r ->> 6,
                (r ->> 7)::bigint, (r ->> 8)::integer, (r ->> 9)::bigint, (r ->> 10)::bigint);
            j := j + 1;
        END IF;
    END LOOP;
END $$;
