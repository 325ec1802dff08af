-- Dispatching calls: every attempt in `calls`, webhook receipts, the legal calling profiles and
-- public holidays, and per-account do-not-call lists.
--
-- LOCK ORDER. Every writer — the API, the dispatcher, the webhook and the triggers they fire —
-- takes row locks in this order, each kind in ascending id, and never the other way round:
--
--   1. batches        (FOR NO KEY UPDATE: lifecycle changes, claims, settlements)
--   2. accounts       (FOR UPDATE: the Ledger, account changes)
--   3. jobs           (FOR UPDATE / UPDATE)
--   4. credit_holds   (the Ledger, after its account)
--   5. calls
--
-- The jobs counter trigger updates `batches` after the jobs an UPDATE touched; it never waits,
-- because every transaction that changes jobs has locked their batches first (step 1). A top-up
-- that brings suspended jobs back locks their batches before the account. The dispatcher's claim
-- locks batches with SKIP LOCKED, so a batch the API is changing is simply left for the next pass.
-- Connections also carry lock_timeout and statement_timeout (PostgreSQL.Connection), so nothing
-- waits forever even if a future change breaks this order.

-- Answers for the legacy console and the reports: the customer's promised payment.
ALTER TABLE jobs
    ADD COLUMN fecha_pago_cliente date,
    ADD COLUMN monto_pago_cliente amount;

-- The dispatcher claims due jobs of active batches: a small partial index over what is waiting.
CREATE INDEX jobs_due ON jobs (batch_id, next_attempt_at, id) WHERE status IN ('pending', 'scheduled');
-- Suspended jobs come back after a top-up.
CREATE INDEX jobs_suspended_by_account ON jobs (account_id) WHERE status = 'suspended';

-- Every attempt to call, written before the provider is asked (so a crash can never dial twice:
-- an attempt without a provider call id is resolved by a webhook, a poll, or closed as lost).
CREATE TABLE calls (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Sent to the provider in the call's metadata: every webhook or poll finds its attempt.
    attempt_id          text COLLATE "C" NOT NULL UNIQUE DEFAULT 'att_' || speechai_object_id(),
    -- Kept when the job is deleted (DELETE /batches/{id}?delete_jobs=true): calls are records.
    job_id              bigint REFERENCES jobs (id) ON DELETE SET NULL,
    batch_id            bigint NOT NULL REFERENCES batches (id),
    account_id          bigint NOT NULL REFERENCES accounts (id),
    contact_key         text COLLATE "C" NOT NULL,
    attempt             integer NOT NULL CHECK (attempt >= 1),
    phone               text NOT NULL,
    phone_index         integer NOT NULL CHECK (phone_index >= 0),
    provider            text NOT NULL CHECK (provider IN ('retell', 'simulator')),
    provider_call_id    text COLLATE "C" UNIQUE,
    agent_id            text,
    -- placing: recorded, the provider not yet known to have it; placed: the provider accepted it;
    -- ended: its result arrived and it is settled; not_placed: the provider refused it; lost: it
    -- never reported back before its hard limit.
    status              text NOT NULL DEFAULT 'placing'
                        CHECK (status IN ('placing', 'placed', 'ended', 'not_placed', 'lost')),
    call_status         text,
    disconnection_reason text,
    -- Our reading of the result (Dispatch.CallOutcome).
    outcome             text,
    hold_id             bigint REFERENCES credit_holds (id),
    duration_ms         bigint CHECK (duration_ms >= 0),
    charged_cost        amount CHECK (charged_cost >= 0),
    charged_minutes     amount CHECK (charged_minutes >= 0),
    provider_cost       amount,
    transcript          text,
    recording_url       text,
    public_log_url      text,
    analysis            jsonb,
    collected_variables jsonb,
    raw_payload         jsonb,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    accepted_at         timestamptz,
    started_at          timestamptz,
    ended_at            timestamptz,
    settled_at          timestamptz,
    -- When to ask the provider if no webhook came (max_call_duration + grace after placing), and
    -- when to give up and close the attempt as lost.
    poll_after          timestamptz NOT NULL,
    lost_after          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT settled_exactly_when_final
        CHECK ((status IN ('ended', 'not_placed', 'lost')) = (settled_at IS NOT NULL))
);

-- A job has at most one call in flight: the database refuses a second.
CREATE UNIQUE INDEX calls_one_open_per_job ON calls (job_id) WHERE settled_at IS NULL;
CREATE INDEX calls_open_by_poll ON calls (poll_after) WHERE settled_at IS NULL;
CREATE INDEX calls_open_by_account ON calls (account_id) WHERE settled_at IS NULL;
CREATE INDEX calls_by_job ON calls (job_id, attempt);
CREATE INDEX calls_by_batch ON calls (batch_id, created_at);
-- The daily limit (calls placed today per account) and the weekly rule (one answered call per
-- debtor per account in any 7 days).
CREATE INDEX calls_by_account_time ON calls (account_id, created_at);
CREATE INDEX calls_answered_by_contact ON calls (account_id, contact_key, ended_at) WHERE outcome = 'answered';

CREATE TRIGGER calls_stamp_updated_at BEFORE UPDATE ON calls
    FOR EACH ROW EXECUTE FUNCTION speechai_stamp_updated_at();

-- The calls table is the record of every collection action (Ley 21.320 asks for two years):
-- the application never deletes from it.
CREATE FUNCTION speechai_calls_are_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'calls are records and are never deleted' USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER calls_never_deleted BEFORE DELETE ON calls
    FOR EACH ROW EXECUTE FUNCTION speechai_calls_are_kept();

-- Webhooks are idempotent per (provider call, event): a replay finds its receipt and changes nothing.
CREATE TABLE webhook_receipts (
    provider_call_id    text COLLATE "C" NOT NULL,
    event               text NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider_call_id, event)
);

-- The law of the countries we call, as data. A batch's own window can only narrow it.
CREATE TABLE legal_calling_profiles (
    country             text NOT NULL CHECK (country IN ('CL', 'AR')),
    use_case            text NOT NULL CHECK (use_case IN ('debt_collection', 'marketing')),
    timezone            text NOT NULL,
    -- ISO weekdays (1 = Monday … 7 = Sunday) and a half-open window of minutes since midnight.
    days_of_week        smallint[] NOT NULL,
    start_minute        smallint NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute          smallint NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    skips_holidays      boolean NOT NULL,
    -- At most this many answered calls per debtor (the same contact) per account in any 7 days.
    answered_per_week   smallint,
    source              text NOT NULL,
    PRIMARY KEY (country, use_case)
);

INSERT INTO legal_calling_profiles VALUES
    ('CL', 'debt_collection', 'America/Santiago', '{1,2,3,4,5,6}', 480, 1200, true, 1,
     'Ley 21.320 (2021), amending Ley 19.496 art. 37: working days as Código de Procedimiento Civil art. 59 '
     || 'defines them, Monday to Saturday 08:00-20:00, no public holidays; one phone contact per debtor a week'),
    ('CL', 'marketing', 'America/Santiago', '{1,2,3,4,5,6,7}', 0, 1440, false, NULL,
     'No hour rule beyond the batch''s own window (Ley 19.496 art. 28 B: the consumer can opt out)'),
    ('AR', 'debt_collection', 'America/Argentina/Buenos_Aires', '{1,2,3,4,5,6,7}', 0, 1440, false, NULL,
     'No national hour rule; the batch''s own window applies'),
    ('AR', 'marketing', 'America/Argentina/Buenos_Aires', '{1,2,3,4,5,6,7}', 0, 1440, false, NULL,
     'Ley 26.951 (Registro Nacional No Llame): numbers in the registry are loaded into the do-not-call list');

CREATE TABLE public_holidays (
    country             text NOT NULL CHECK (country IN ('CL', 'AR')),
    day                 date NOT NULL,
    name                text NOT NULL,
    PRIMARY KEY (country, day)
);

-- Whether `at` falls in a window of ISO `days` and minutes [start, end) in time zone `tz`. A window
-- whose end is not after its start runs overnight and belongs to the day it starts on (Monday
-- 22:00-02:00 includes Tuesday 01:00). PostgreSQL's tz database makes it DST-safe: the local time
-- is what the clocks on the wall show.
CREATE FUNCTION speechai_window_open(days smallint[], start_minute integer, end_minute integer, tz text, at timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN start_minute < end_minute THEN
            extract(isodow FROM local)::smallint = ANY (days) AND minute >= start_minute AND minute < end_minute
        ELSE
            (extract(isodow FROM local)::smallint = ANY (days) AND minute >= start_minute)
            OR (extract(isodow FROM local - interval '1 day')::smallint = ANY (days) AND minute < end_minute)
        END
    FROM (SELECT at AT TIME ZONE tz AS local) AS l,
         LATERAL (SELECT (extract(hour FROM l.local) * 60 + extract(minute FROM l.local))::integer AS minute) AS m
$$;

-- "HH:MM" to minutes since midnight.
CREATE FUNCTION speechai_minute_of_day(text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT split_part($1, ':', 1)::integer * 60 + split_part($1, ':', 2)::integer
$$;

-- A batch's own calling window (its canonical call_settings, or the defaults: Monday to Friday,
-- 09:00-20:00 in the account's time zone) is open at `at`.
CREATE FUNCTION speechai_batch_window_open(settings jsonb, account_timezone text, at timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT speechai_window_open(
        coalesce((SELECT array_agg(day::smallint) FROM jsonb_array_elements_text(settings -> 'days_of_week') AS day),
                 '{1,2,3,4,5}'),
        coalesce(speechai_minute_of_day(settings -> 'allowed_hours' ->> 'start'), 540),
        coalesce(speechai_minute_of_day(settings -> 'allowed_hours' ->> 'end'), 1200),
        coalesce(settings ->> 'timezone', account_timezone),
        at)
$$;

-- The law's window of a legal profile is open at `at` (its public holidays included).
CREATE FUNCTION speechai_profile_window_open(p legal_calling_profiles, at timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT speechai_window_open(p.days_of_week, p.start_minute, p.end_minute, p.timezone, at)
        AND NOT (p.skips_holidays AND EXISTS (
            SELECT 1 FROM public_holidays h WHERE h.country = p.country AND h.day = (at AT TIME ZONE p.timezone)::date))
$$;

-- The local time at `at` in `tz` with the tz database's abbreviation for it, as callers hear it
-- ("2026-04-05 10:30 -04"; America/Santiago's abbreviations are its UTC offsets).
CREATE FUNCTION speechai_local_time(tz text, at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(at AT TIME ZONE tz, 'YYYY-MM-DD HH24:MI') || ' ' || CASE WHEN seconds < 0 THEN '-' ELSE '+' END
        || lpad((abs(seconds) / 3600)::text, 2, '0')
        || CASE WHEN abs(seconds) % 3600 <> 0 THEN lpad((abs(seconds) % 3600 / 60)::text, 2, '0') ELSE '' END
    FROM (SELECT extract(epoch FROM (at AT TIME ZONE tz) - (at AT TIME ZONE 'UTC'))::integer AS seconds) AS offset_seconds
$$;

-- Numbers an account never dials.
CREATE TABLE do_not_call (
    account_id          bigint NOT NULL REFERENCES accounts (id),
    phone               text COLLATE "C" NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    reason              text CHECK (length(reason) <= 500),
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, phone)
);
