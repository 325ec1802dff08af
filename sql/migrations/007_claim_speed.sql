-- The claim evaluates the calling-window functions of migration 004 for every active batch. As
-- SQL functions that cannot be inlined, PostgreSQL planned their statements again on every call
-- (0.2-0.3 ms each, most of a claim's time with 500 batches); in PL/pgSQL their plans are cached.
-- Same arguments, same results: the window tests run against these bodies.
CREATE OR REPLACE FUNCTION speechai_window_open(days smallint[], start_minute integer, end_minute integer, tz text, at timestamptz)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    local constant timestamp := at AT TIME ZONE tz;
    minute constant integer := (extract(hour FROM local) * 60 + extract(minute FROM local))::integer;
BEGIN
    IF start_minute < end_minute THEN
        RETURN extract(isodow FROM local)::smallint = ANY (days) AND minute >= start_minute AND minute < end_minute;
    END IF;
    RETURN (extract(isodow FROM local)::smallint = ANY (days) AND minute >= start_minute)
        OR (extract(isodow FROM local - interval '1 day')::smallint = ANY (days) AND minute < end_minute);
END
$$;

CREATE OR REPLACE FUNCTION speechai_batch_window_open(settings jsonb, account_timezone text, at timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    days smallint[];
BEGIN
    SELECT array_agg(day::smallint) INTO days FROM jsonb_array_elements_text(settings -> 'days_of_week') AS day;
    RETURN speechai_window_open(
        coalesce(days, '{1,2,3,4,5}'),
        coalesce(speechai_minute_of_day(settings -> 'allowed_hours' ->> 'start'), 540),
        coalesce(speechai_minute_of_day(settings -> 'allowed_hours' ->> 'end'), 1200),
        coalesce(settings ->> 'timezone', account_timezone),
        at);
END
$$;

CREATE OR REPLACE FUNCTION speechai_profile_window_open(p legal_calling_profiles, at timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN speechai_window_open(p.days_of_week, p.start_minute, p.end_minute, p.timezone, at)
        AND NOT (p.skips_holidays AND EXISTS (
            SELECT 1 FROM public_holidays h WHERE h.country = p.country AND h.day = (at AT TIME ZONE p.timezone)::date));
END
$$;

-- A claim counts each due batch's open calls (its max_concurrent_calls); without this index that
-- count read every call the batch ever made.
CREATE INDEX calls_open_by_batch ON calls (batch_id) WHERE settled_at IS NULL;

-- A claim walks the active batches in priority order, a few at a time.
CREATE INDEX batches_dispatch_order ON batches (priority DESC, id) WHERE status = 'active' AND deleted_at IS NULL;
