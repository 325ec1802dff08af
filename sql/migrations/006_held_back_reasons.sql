-- Why an active batch is not being dialled at `at`, in words an operator can act on; NULL when it
-- may be dialled (or is not active). The claim decides with the same functions
-- (speechai_batch_window_open, speechai_profile_window_open), so this never disagrees with it.
-- The batch's JSON shows it as `calling_held_back_by`; jobs the weekly rule holds back carry their
-- own reason in `last_error` and the time they may be called in `next_attempt_at`.
CREATE FUNCTION speechai_batch_held_back(b batches, account_status text, account_timezone text, at timestamptz)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN b.status <> 'active' THEN NULL
        WHEN account_status <> 'active' THEN 'The account is suspended'
        WHEN NOT speechai_batch_window_open(b.call_settings, account_timezone, at) THEN
            'Outside the batch''s own calling window (call_settings: days_of_week '
            || coalesce(b.call_settings ->> 'days_of_week', '[1, 2, 3, 4, 5]') || ', '
            || coalesce(b.call_settings -> 'allowed_hours' ->> 'start', '09:00') || '-'
            || coalesce(b.call_settings -> 'allowed_hours' ->> 'end', '20:00') || ' '
            || coalesce(b.call_settings ->> 'timezone', account_timezone) || ')'
        WHEN p.country IS NULL THEN NULL
        WHEN p.skips_holidays AND h.day IS NOT NULL THEN
            'Public holiday in ' || p.country || ' (' || h.name || '): no ' || replace(p.use_case, '_', ' ')
            || ' calls. ' || p.source
        WHEN NOT speechai_window_open(p.days_of_week, p.start_minute, p.end_minute, p.timezone, at) THEN
            'Outside the legal calling hours for ' || replace(p.use_case, '_', ' ') || ' in ' || p.country || ' ('
            || to_char(make_time(p.start_minute / 60, p.start_minute % 60, 0), 'HH24:MI') || '-'
            || CASE WHEN p.end_minute = 1440 THEN '24:00'
                    ELSE to_char(make_time(p.end_minute / 60, p.end_minute % 60, 0), 'HH24:MI') END
            || ' ' || p.timezone || ', ISO days ' || array_to_string(p.days_of_week, ',') || '). ' || p.source
    END
    FROM (SELECT 1) AS one
    LEFT JOIN legal_calling_profiles p ON p.country = b.country AND p.use_case = b.use_case
    LEFT JOIN public_holidays h ON h.country = p.country AND h.day = (at AT TIME ZONE p.timezone)::date
$$;
