-- B5's database: fills a freshly migrated, empty database with 100 accounts, 10,000 batches,
-- 1,000,000 jobs and 2,000,000 calls shaped like the ones the importer and the dispatcher write.
--
--   psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -1 -f bench/b5_generate.sql          (the B5 sizes)
--   psql ... -v b5_jobs=100000 -v b5_calls=200000 -v b5_batches=1000 -f bench/b5_generate.sql
--   then: VACUUM (ANALYZE) (bench.py does it; VACUUM cannot run inside the transaction)
--
-- Every value is derived from the row numbers by a hash (no random()), so two runs build the
-- same database and their plans can be compared. Row ids are given explicitly (OVERRIDING SYSTEM
-- VALUE) in creation order, as the application's inserts would have numbered them, and the
-- identity sequences are moved past them at the end.
--
-- The shape, which the read endpoints depend on:
-- * Batch sizes are heavy-tailed, as a collections company's lists are: 0.1 % of the batches hold
--   30 % of the jobs (30,000 each), 0.9 % hold 27 % (3,000 each), the rest 5-80 jobs each. The
--   big batches belong to the first accounts, and small batches favour low account numbers, so
--   account b5-acct-001 has about 62,000 jobs (116,000 calls) and the smallest about 2,000.
-- * Batches: 68 % completed, 15 % active, 5 % paused, 12 % cancelled over the last 400 days (the
--   active and paused ones in the last 28); 2 % of the finished ones deleted (hidden, jobs kept).
-- * Jobs follow their batch's status (a completed batch has no unfinished job, an active or
--   paused one has at least one); payloads as Sources/Imports/ImportPlan.swift writes them, with
--   payload.additional_info (migration 008).
-- * Calls: one row per attempt; a completed job's last attempt answered (transcript, analysis,
--   collected variables, recording), the others no answer, bad number, provider errors, a few
--   refused or lost; in-progress jobs have one open call (placing or placed) with a pending hold.
--   Costs follow Billing (setup + billed seconds x rate; minutes plans count minutes). raw_payload
--   is left NULL (it would double the table's size and no read endpoint reads it).
-- * The ledger: per account a top-up, one call_usage row per batch (the sum of that batch's
--   charges, where the dispatcher writes three rows a call) and a hold row per open call; cached
--   balances equal the ledger (sql/reports/ledger_reconciliation.sql).
-- * Batch counters equal the jobs (sql/reports/batch_counters.sql); total_cost, total_minutes and
--   settled_calls (when migration 008 has added it) equal the batch's settled calls.
-- * Events: account created, top-up, batch created / paused / resumed / cancelled / deleted.
--
-- Triggers are off during the load (session_replication_role = replica: no counter trigger, no
-- per-row foreign-key probes), and the plain indexes of jobs and calls are dropped and rebuilt
-- from their own definitions (pg_get_indexdef), which is several times faster than maintaining
-- them row by row. The counters are then set from the rows, and the foreign keys are checked once
-- by set-based queries at the end.

\set ON_ERROR_STOP 1
\if :{?b5_accounts} \else \set b5_accounts 100 \endif
\if :{?b5_batches} \else \set b5_batches 10000 \endif
\if :{?b5_jobs} \else \set b5_jobs 1000000 \endif
\if :{?b5_calls} \else \set b5_calls 2000000 \endif

SET temp_buffers = '1GB';
SET work_mem = '512MB';
SET maintenance_work_mem = '1GB';
SET max_parallel_maintenance_workers = 2;
SET synchronous_commit = off;
SET session_replication_role = replica;
SET TimeZone = 'UTC';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM accounts) OR EXISTS (SELECT 1 FROM batches) OR EXISTS (SELECT 1 FROM jobs)
       OR EXISTS (SELECT 1 FROM calls) OR EXISTS (SELECT 1 FROM credit_transactions) THEN
        RAISE EXCEPTION 'b5_generate.sql fills an empty, freshly migrated database; this one has data';
    END IF;
END
$$;

-- A uniform number in [0, 1) from a key and a salt: reproducible whatever order rows are made in.
CREATE FUNCTION pg_temp.u(key bigint, salt integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ((hashint8(key * 1000003 + salt)::bigint & 2147483647) / 2147483648.0)::double precision
$$;

-- 24 hex digits shaped like an ObjectId: the creation second, then a counter.
CREATE FUNCTION pg_temp.object_id(at timestamptz, counter bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lpad(to_hex(extract(epoch FROM at)::bigint), 8, '0') || lpad(to_hex(counter), 16, '0')
$$;

-- The RUT check digit (modulo 11 with weights 2..7 from the right).
-- (RUT numbers here have at most 8 digits.)
CREATE FUNCTION pg_temp.rut_dv(n bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (ARRAY['1', '2', '3', '4', '5', '6', '7', '8', '9', 'K', '0'])[
        11 - (n % 10 * 2 + n / 10 % 10 * 3 + n / 100 % 10 * 4 + n / 1000 % 10 * 5 + n / 10000 % 10 * 6
              + n / 100000 % 10 * 7 + n / 1000000 % 10 * 2 + n / 10000000 % 10 * 3) % 11]
$$;

-- "12.345.678": thousands grouped with dots, as the console shows RUTs and DNIs.
CREATE FUNCTION pg_temp.grouped(n bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(to_char(n, 'FM999,999,999'), ',', '.')
$$;

-- A time within the calling window (09:00-20:00 in Santiago is about 12:00-23:00 UTC) of its own day.
CREATE FUNCTION pg_temp.in_calling_hours(at timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT date_trunc('day', at) + interval '12 hours' + (extract(epoch FROM at)::bigint % 39600) * interval '1 second'
$$;

SELECT :b5_accounts AS b5_accounts, :b5_batches AS b5_batches, :b5_jobs AS b5_jobs, :b5_calls AS b5_calls,
       now() AS b5_now \gset

-- ---------------------------------------------------------------------------------------------
-- Accounts
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE b5_account AS
SELECT n,
       CASE WHEN n % 5 = 0 THEN 'AR' ELSE 'CL' END AS country,
       CASE WHEN n % 5 = 0 THEN 'America/Argentina/Buenos_Aires' ELSE 'America/Santiago' END AS timezone,
       CASE WHEN n % 10 = 3 THEN 'unlimited' WHEN n % 10 IN (2, 7) THEN 'minutes_based' ELSE 'credit_based' END AS plan_type,
       round((0.12 + 0.01 * (n % 9))::numeric, 4) AS cost_per_minute,
       0.02::numeric AS cost_per_call_setup,
       CASE WHEN n % 5 = 4 THEN 0.01 ELSE 0 END::numeric AS cost_failed_call,
       CASE WHEN n % 20 = 13 THEN 'simulator' ELSE 'retell' END AS provider,
       :'b5_now'::timestamptz - interval '430 days' + n * interval '37 minutes' AS created_at,
       (ARRAY['Cobranzas', 'Recuperaciones', 'Servicios Financieros', 'Retail', 'Telecomunicaciones', 'Seguros',
              'Créditos', 'Inmobiliaria', 'Automotriz', 'Salud'])[1 + n % 10] || ' ' ||
       (ARRAY['Andes', 'Pacífico', 'del Sur', 'Austral', 'Norte', 'Central', 'Plata', 'Litoral'])[1 + n / 10 % 8] ||
       ' ' || n AS account_name
FROM generate_series(1, :b5_accounts) AS n;

INSERT INTO accounts (id, account_id, account_name, contact_name, contact_email, contact_phone, plan_type, status,
                      country, timezone, cost_per_minute, cost_per_call_setup, cost_failed_call, max_concurrent_calls,
                      daily_call_limit, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT n, 'b5-acct-' || lpad(n::text, 3, '0'), account_name, 'Contacto ' || n, 'operaciones' || n || '@example.cl',
       CASE WHEN country = 'CL' THEN '+5622' ELSE '+54114' END || lpad((1000000 + n * 7919 % 8999999)::text, 7, '0'),
       plan_type, 'active', country, timezone, cost_per_minute, cost_per_call_setup, cost_failed_call,
       5 + n % 4 * 5, 5000 + n % 3 * 5000, created_at, created_at
FROM b5_account;

-- ---------------------------------------------------------------------------------------------
-- Batches: planned with their size and status, then numbered in creation order.
-- ---------------------------------------------------------------------------------------------
SELECT greatest(1, :b5_batches / 1000) AS huge_batches, greatest(1, :b5_batches / 100 - greatest(1, :b5_batches / 1000)) AS big_batches \gset

CREATE TEMP TABLE b5_batch_plan AS
SELECT p,
       CASE WHEN p <= :huge_batches THEN 1 WHEN p <= :huge_batches + :big_batches THEN 2 ELSE 3 END AS tier
FROM generate_series(1, :b5_batches) AS p;

ALTER TABLE b5_batch_plan
    ADD COLUMN account_no integer, ADD COLUMN status text, ADD COLUMN created_at timestamptz, ADD COLUMN weight double precision;
UPDATE b5_batch_plan SET
    account_no = CASE tier
        WHEN 1 THEN 1 + (p - 1) % :b5_accounts
        WHEN 2 THEN 1 + (p - :huge_batches - 1) % greatest(1, :b5_accounts * 3 / 10)
        ELSE least(:b5_accounts, 1 + floor(:b5_accounts * power(pg_temp.u(p, 1), 1.6))::integer) END,
    status = CASE
        WHEN tier = 1 THEN CASE WHEN p <= 2 THEN 'active' WHEN p = 3 THEN 'paused' ELSE 'completed' END
        WHEN pg_temp.u(p, 2) < 0.68 THEN 'completed'
        WHEN pg_temp.u(p, 2) < 0.83 THEN 'active'
        WHEN pg_temp.u(p, 2) < 0.88 THEN 'paused'
        ELSE 'cancelled' END,
    weight = CASE tier
        WHEN 1 THEN 0.30 / :huge_batches
        WHEN 2 THEN 0.27 / :big_batches
        ELSE 5 + 75 * pg_temp.u(p, 3) END;
-- Tier-3 weights are relative: scale them to their 43 % share.
UPDATE b5_batch_plan SET weight = weight / (SELECT sum(weight) FROM b5_batch_plan WHERE tier = 3) * 0.43
WHERE tier = 3;
UPDATE b5_batch_plan SET created_at = CASE
    WHEN status IN ('active', 'paused') THEN :'b5_now'::timestamptz - interval '1 hour' - pg_temp.u(p, 4) * interval '28 days'
    ELSE :'b5_now'::timestamptz - interval '20 days' - pg_temp.u(p, 4) * interval '380 days' END;

CREATE TEMP TABLE b5_batch AS
SELECT row_number() OVER (ORDER BY created_at, p)::bigint AS no, p, tier, account_no, status, created_at, weight
FROM b5_batch_plan;
ALTER TABLE b5_batch ADD PRIMARY KEY (no);

-- Exact job counts that add up to b5_jobs: each batch takes its share of a running total.
ALTER TABLE b5_batch ADD COLUMN n_jobs integer, ADD COLUMN first_job bigint;
UPDATE b5_batch b SET n_jobs = s.n_jobs, first_job = s.first_job
FROM (SELECT no, (round(cum * :b5_jobs) - round((cum - share) * :b5_jobs))::integer AS n_jobs,
             round((cum - share) * :b5_jobs)::bigint + 1 AS first_job
      FROM (SELECT no, sum(weight) OVER (ORDER BY no) / sum(weight) OVER () AS cum,
                   weight / sum(weight) OVER () AS share
            FROM b5_batch) AS w) AS s
WHERE s.no = b.no;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM b5_batch WHERE n_jobs < 1) THEN
        RAISE EXCEPTION 'b5_generate.sql: too few jobs for this many batches (a batch got none)';
    END IF;
END
$$;

ALTER TABLE b5_batch ADD COLUMN use_case text, ADD COLUMN max_attempts integer, ADD COLUMN deleted boolean,
    ADD COLUMN name text, ADD COLUMN company text, ADD COLUMN has_settings boolean, ADD COLUMN resumed boolean;
UPDATE b5_batch SET
    use_case = CASE WHEN pg_temp.u(no, 5) < 0.1 THEN 'marketing' ELSE 'debt_collection' END,
    max_attempts = CASE WHEN pg_temp.u(no, 6) < 0.7 THEN 3 WHEN pg_temp.u(no, 6) < 0.9 THEN 4 ELSE 5 END,
    deleted = status IN ('completed', 'cancelled') AND tier = 3 AND pg_temp.u(no, 7) < 0.02,
    has_settings = pg_temp.u(no, 8) < 0.7,
    resumed = status = 'active' AND pg_temp.u(no, 9) < 0.2,
    company = (ARRAY['Banco Austral', 'Financiera Andes', 'Tienda Pacífico', 'Telco Sur', 'Seguros Norte',
                     'Caja Central', 'Automotora Litoral', 'Clínica del Valle'])[1 + (account_no + no) % 8],
    name = (ARRAY['Cobranza', 'Recupero', 'Mora temprana', 'Mora tardía', 'Castigos', 'Renegociación'])[1 + no % 6]
           || ' ' || (ARRAY['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre',
                            'octubre', 'noviembre', 'diciembre'])[extract(month FROM created_at)::integer]
           || ' ' || extract(year FROM created_at) || ' - ' ||
           (ARRAY['Tramo A', 'Tramo B', 'Tramo C', 'Región Metropolitana', 'Regiones', 'Segmento 1', 'Segmento 2'])[1 + no / 6 % 7];

INSERT INTO batches (id, batch_id, object_id, account_id, name, description, status, priority, country, use_case,
                     processing_type, source_filename, call_settings, use_case_settings, retell_agent_id,
                     estimated_cost, cancellation_reason, created_at, updated_at, started_at, completed_at,
                     cancelled_at, deleted_at)
OVERRIDING SYSTEM VALUE
SELECT b.no, 'batch-' || to_char(b.created_at, 'YYYY-MM-DD-HH24MISS') || '-' || lpad((b.no % 1000000)::text, 6, '0'),
       pg_temp.object_id(b.created_at, b.no), b.account_no, b.name,
       CASE WHEN pg_temp.u(b.no, 10) < 0.5 THEN '' ELSE 'Lista enviada por ' || b.company END,
       b.status, 1 + (b.no % 7 = 0)::integer + (b.no % 31 = 0)::integer, a.country, b.use_case,
       CASE WHEN pg_temp.u(b.no, 11) < 0.8 THEN 'basic' WHEN pg_temp.u(b.no, 11) < 0.95 THEN 'acquisition' ELSE 'json' END,
       CASE WHEN pg_temp.u(b.no, 11) < 0.95 THEN 'cartera_' || to_char(b.created_at, 'YYYYMMDD') || '.xlsx' END,
       CASE WHEN b.has_settings THEN jsonb_build_object(
           'max_call_duration', 300, 'ring_timeout', 30, 'max_attempts', b.max_attempts, 'retry_delay_hours', 24,
           'allowed_hours', jsonb_build_object('start', '09:00', 'end', '20:00'),
           'days_of_week', '[1, 2, 3, 4, 5]'::jsonb, 'timezone', a.timezone) END,
       CASE WHEN b.use_case = 'marketing'
            THEN jsonb_build_object('company_name', b.company, 'offer_description', 'Plan con 30% de descuento',
                                    'discount_percentage', 30, 'product_category', 'seguros')
            ELSE jsonb_build_object('company_name', b.company) END,
       'agent_' || left(md5('agent' || b.account_no), 24),
       0,  -- set below from the job count
       CASE WHEN b.status = 'cancelled' THEN 'Cancelado por el cliente' END,
       b.created_at, b.created_at, b.created_at + interval '30 minutes', NULL,
       CASE WHEN b.status = 'cancelled' THEN least(b.created_at + interval '6 days', :'b5_now'::timestamptz) END,
       CASE WHEN b.deleted THEN least(b.created_at + interval '15 days', :'b5_now'::timestamptz) END
FROM b5_batch b JOIN b5_account a ON a.n = b.account_no;

-- ---------------------------------------------------------------------------------------------
-- Jobs, planned first (status, attempts), then the attempts adjusted so that the calls add up to
-- exactly b5_calls.
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE b5_job AS
SELECT b.first_job + k - 1 AS id, b.no AS batch_no, b.account_no, k, b.max_attempts,
       CASE
           WHEN b.status IN ('active', 'paused') AND k = 1 THEN 'pending'
           WHEN b.status = 'completed' THEN
               CASE WHEN r < 0.72 THEN 'completed' WHEN r < 0.97 THEN 'failed' ELSE 'cancelled' END
           WHEN b.status = 'cancelled' THEN
               CASE WHEN r < 0.40 THEN 'completed' WHEN r < 0.55 THEN 'failed' ELSE 'cancelled' END
           WHEN b.status = 'active' THEN
               CASE WHEN r < 0.30 THEN 'pending' WHEN r < 0.40 THEN 'scheduled' WHEN r < 0.41 THEN 'in_progress'
                    WHEN r < 0.79 THEN 'completed' WHEN r < 0.96 THEN 'failed' WHEN r < 0.98 THEN 'suspended'
                    ELSE 'cancelled' END
           ELSE -- paused
               CASE WHEN r < 0.35 THEN 'pending' WHEN r < 0.45 THEN 'scheduled' WHEN r < 0.80 THEN 'completed'
                    WHEN r < 0.97 THEN 'failed' WHEN r < 0.98 THEN 'suspended' ELSE 'cancelled' END
       END AS status,
       pg_temp.u(b.first_job + k - 1, 21) AS r2
FROM b5_batch b, generate_series(1, b.n_jobs) AS k,
     LATERAL (SELECT pg_temp.u(b.first_job + k - 1, 20) AS r) AS rr;

ALTER TABLE b5_job ADD COLUMN attempts integer;
UPDATE b5_job SET attempts = CASE status
    WHEN 'completed' THEN least(max_attempts, 1 + (r2 < 0.65)::integer + (r2 < 0.30)::integer)
    WHEN 'failed' THEN CASE WHEN r2 < 0.85 THEN max_attempts ELSE 1 + floor(r2 * (max_attempts - 1))::integer END
    WHEN 'cancelled' THEN (r2 < 0.5)::integer
    WHEN 'scheduled' THEN 1 + (r2 < 0.4)::integer
    WHEN 'in_progress' THEN 1 + (r2 < 0.5)::integer
    WHEN 'suspended' THEN (r2 < 0.5)::integer
    ELSE 0 END;

-- Exactly b5_calls attempts: completed jobs gain or lose one attempt each, as many as needed.
SELECT :b5_calls - sum(attempts) AS b5_missing_calls FROM b5_job \gset
UPDATE b5_job SET attempts = attempts + 1
WHERE :b5_missing_calls > 0 AND id IN (
    SELECT id FROM b5_job WHERE status = 'completed' AND attempts < max_attempts ORDER BY r2 LIMIT :b5_missing_calls);
UPDATE b5_job SET attempts = attempts - 1
WHERE :b5_missing_calls < 0 AND id IN (
    SELECT id FROM b5_job WHERE status = 'completed' AND attempts > 1 ORDER BY r2 LIMIT -(:b5_missing_calls));

SELECT set_config('b5.calls', :'b5_calls', false) AS b5_calls_setting \gset
DO $$
DECLARE
    wanted constant bigint := current_setting('b5.calls')::bigint;
    got bigint;
BEGIN
    SELECT sum(attempts) INTO got FROM b5_job;
    IF got <> wanted THEN
        RAISE EXCEPTION 'b5_generate.sql: % attempts planned, % wanted (too few jobs to adjust)', got, wanted;
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Calls, planned: when each attempt was placed and how it ended.
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE b5_call_plan AS
SELECT j.id AS job_id, j.batch_no, j.account_no, a AS attempt, j.attempts,
       CASE
           WHEN a = j.attempts AND j.status = 'completed' THEN 'answered'
           WHEN a = j.attempts AND j.status = 'in_progress' THEN 'open'
           WHEN a = j.attempts AND j.status = 'failed' THEN CASE WHEN h < 0.25 THEN 'bad_number' ELSE 'no_answer' END
           WHEN h < 0.75 THEN 'no_answer'
           WHEN h < 0.90 THEN 'bad_number'
           WHEN h < 0.993 THEN 'provider_error'
           WHEN h < 0.998 THEN 'not_placed'
           ELSE 'lost' END AS kind,
       CASE
           WHEN a = j.attempts AND j.status = 'in_progress' THEN :'b5_now'::timestamptz - pg_temp.u(j.id, 31) * interval '4 minutes'
           ELSE greatest(b.created_at + interval '30 minutes',
                         least(pg_temp.in_calling_hours(b.created_at + interval '30 minutes'
                                   + least(:'b5_now'::timestamptz - b.created_at - interval '40 minutes', interval '14 days')
                                     * ((a - 1 + pg_temp.u(j.id, 32)) / (j.max_attempts + 1))),
                               :'b5_now'::timestamptz - (j.attempts - a + 2) * interval '5 minutes'))
       END AS created_at,
       pg_temp.u(j.id * 16 + a, 33) AS h2
FROM b5_job j JOIN b5_batch b ON b.no = j.batch_no,
     generate_series(1, j.attempts) AS a,
     LATERAL (SELECT pg_temp.u(j.id * 16 + a, 30) AS h) AS hh;

-- Ids in the order the attempts were placed.
CREATE TEMP TABLE b5_call AS
SELECT row_number() OVER (ORDER BY created_at, job_id, attempt)::bigint AS id, p.*,
       CASE kind
           WHEN 'answered' THEN (20000 + 280000 * h2 * h2)::bigint
           WHEN 'no_answer' THEN CASE WHEN h2 < 0.25 THEN (8000 + 32000 * h2)::bigint ELSE 0 END
           ELSE 0 END AS duration_ms,
       CASE kind
           WHEN 'answered' THEN CASE WHEN h2 < 0.70 THEN 'user_hangup' WHEN h2 < 0.97 THEN 'agent_hangup' ELSE 'max_duration_reached' END
           WHEN 'no_answer' THEN CASE WHEN h2 < 0.25 THEN 'voicemail_reached' WHEN h2 < 0.45 THEN 'dial_busy' ELSE 'dial_no_answer' END
           WHEN 'bad_number' THEN CASE WHEN h2 < 0.6 THEN 'invalid_destination' ELSE 'dial_failed' END
           WHEN 'provider_error' THEN 'error_llm_websocket_open'
       END AS disconnection_reason
FROM b5_call_plan p;
ALTER TABLE b5_call ADD PRIMARY KEY (id);
DROP TABLE b5_call_plan;

-- ---------------------------------------------------------------------------------------------
-- The bulk load, with the plain indexes of jobs and calls rebuilt afterwards.
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE b5_dropped_index AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
WHERE i.indrelid IN ('jobs'::regclass, 'calls'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO $$
DECLARE
    index_name text;
BEGIN
    FOR index_name IN SELECT name FROM b5_dropped_index LOOP
        EXECUTE 'DROP INDEX ' || index_name;
    END LOOP;
END
$$;

-- Per job: its first and last attempt and the last attempt's result.
CREATE TEMP TABLE b5_job_calls AS
SELECT job_id, min(created_at) AS first_call, max(created_at) AS last_call,
       (array_agg(kind ORDER BY attempt DESC))[1] AS last_kind,
       (array_agg(disconnection_reason ORDER BY attempt DESC))[1] AS last_reason
FROM b5_call GROUP BY job_id;
ALTER TABLE b5_job_calls ADD PRIMARY KEY (job_id);

INSERT INTO jobs (id, object_id, batch_id, account_id, status, contact_key, contact_name, contact_dni, phones,
                  next_phone_index, payload, attempts, max_attempts, estimated_cost, next_attempt_at, last_error,
                  last_outcome, cancellation_reason, source_row, created_at, updated_at, started_at, completed_at,
                  fecha_pago_cliente, monto_pago_cliente)
OVERRIDING SYSTEM VALUE
SELECT j.id,
       lpad(to_hex(extract(epoch FROM b.created_at)::bigint), 8, '0') || lpad(to_hex(b.no), 10, '0') || lpad(to_hex(j.k), 6, '0'),
       b.no, b.account_no, j.status,
       'id:' || c.contact_number || CASE WHEN a.country = 'CL' THEN pg_temp.rut_dv(c.contact_number) ELSE '' END,
       (ARRAY['María', 'José', 'Juan', 'Ana', 'Luis', 'Carmen', 'Carlos', 'Rosa', 'Jorge', 'Patricia', 'Pedro',
              'Claudia', 'Francisco', 'Verónica', 'Manuel', 'Paola', 'Cristián', 'Camila', 'Diego', 'Valentina'])[1 + c.contact_number % 20]
           || ' ' || (ARRAY['González', 'Muñoz', 'Rojas', 'Díaz', 'Pérez', 'Soto', 'Contreras', 'Silva', 'Martínez',
                            'Sepúlveda', 'Morales', 'Rodríguez', 'López', 'Fuentes', 'Hernández', 'Torres', 'Araya',
                            'Flores', 'Espinoza', 'Valenzuela'])[1 + c.contact_number / 20 % 20]
           || ' ' || (ARRAY['Castillo', 'Tapia', 'Reyes', 'Gutiérrez', 'Castro', 'Pizarro', 'Álvarez', 'Vásquez',
                            'Sánchez', 'Fernández'])[1 + c.contact_number / 400 % 10],
       CASE WHEN a.country = 'CL' THEN pg_temp.grouped(c.contact_number) || '-' || pg_temp.rut_dv(c.contact_number)
            ELSE pg_temp.grouped(c.contact_number) END,
       (ARRAY[c.phone_prefix || lpad(((c.contact_number * 37 + 7919) % 90000000 + 10000000)::text, 8, '0'),
              c.phone_prefix || lpad(((c.contact_number * 37 + 2 * 7919) % 90000000 + 10000000)::text, 8, '0'),
              c.phone_prefix || lpad(((c.contact_number * 37 + 3 * 7919) % 90000000 + 10000000)::text, 8, '0')])[1:c.n_phones],
       j.attempts % c.n_phones,
       jsonb_build_object(
           'company_name', b.company, 'debt_amount', c.debt, 'due_date', c.fecha_limite::text,
           'reference_number', CASE WHEN pg_temp.u(b.no, 11) >= 0.8 THEN c.contact_number::text ELSE '' END,
           'additional_info', jsonb_build_object(
               'cantidad_cupones', c.cupones, 'fecha_limite', c.fecha_limite::text,
               'fecha_maxima', CASE WHEN j.r2 < 0.7 THEN (c.fecha_limite + 30)::text END))
         || CASE WHEN b.use_case = 'marketing'
                 THEN '{"offer_description": "Plan con 30% de descuento", "discount_percentage": 30, "product_category": "seguros"}'::jsonb
                 ELSE '{}'::jsonb END,
       j.attempts, b.max_attempts, c.estimate,
       CASE
           WHEN j.status = 'pending' THEN b.created_at + interval '30 minutes'
           WHEN j.status = 'scheduled' THEN :'b5_now'::timestamptz + pg_temp.u(j.id, 40) * interval '24 hours'
           ELSE coalesce(jc.last_call, b.created_at + interval '30 minutes') END,
       CASE
           WHEN j.status = 'failed' AND jc.last_kind = 'bad_number' THEN 'No valid phone left'
           WHEN j.status = 'failed' THEN 'No answer after ' || j.attempts || ' attempts'
           WHEN j.status = 'suspended' THEN 'Insufficient credits: the account could not pay for the call' END,
       CASE jc.last_kind WHEN 'open' THEN NULL ELSE jc.last_kind END,
       CASE WHEN j.status = 'cancelled' THEN
           CASE WHEN b.status = 'cancelled' THEN 'Batch cancelled' ELSE 'Cancelled by the user' END END,
       1 + j.k + (j.k / 10),
       b.created_at + j.k * interval '1 millisecond',
       greatest(b.created_at, coalesce(jc.last_call, b.created_at)) + interval '2 minutes',
       jc.first_call,
       CASE WHEN j.status IN ('completed', 'failed') THEN jc.last_call + interval '2 minutes'
            WHEN j.status = 'cancelled' THEN coalesce(jc.last_call, b.created_at) + interval '1 day' END,
       CASE WHEN j.status = 'completed' AND j.r2 < 0.35 THEN (jc.last_call + (3 + floor(j.r2 * 40)::integer) * interval '1 day')::date END,
       CASE WHEN j.status = 'completed' AND j.r2 < 0.35 THEN round((c.debt * (0.3 + j.r2 * 2))::numeric, 0) END
FROM b5_job j
JOIN b5_batch b ON b.no = j.batch_no
JOIN b5_account a ON a.n = j.account_no
LEFT JOIN b5_job_calls jc ON jc.job_id = j.id
CROSS JOIN LATERAL (
    SELECT 3000000 + ((j.k + b.no * 1013) * 7919) % 22000000 AS contact_number,
           CASE WHEN j.r2 < 0.55 THEN 1 WHEN j.r2 < 0.85 THEN 2 ELSE 3 END AS n_phones,
           CASE WHEN a.country = 'CL' THEN '+569' ELSE '+54911' END AS phone_prefix,
           (15000 + floor(pg_temp.u(j.id, 41) * pg_temp.u(j.id, 41) * 2500000))::integer AS debt,
           1 + floor(pg_temp.u(j.id, 42) * pg_temp.u(j.id, 42) * 6)::integer AS cupones,
           (b.created_at::date + 5 + floor(pg_temp.u(j.id, 43) * 40)::integer) AS fecha_limite,
           CASE WHEN a.plan_type = 'minutes_based' THEN 3::numeric
                ELSE a.cost_per_call_setup + 3 * a.cost_per_minute END AS estimate
) AS c;

-- The calls, with what the provider reported and what settlement charged.
INSERT INTO calls (id, attempt_id, job_id, batch_id, account_id, contact_key, attempt, phone, phone_index, provider,
                   provider_call_id, agent_id, status, call_status, disconnection_reason, outcome, duration_ms,
                   charged_cost, charged_minutes, provider_cost, transcript, recording_url, public_log_url, analysis,
                   collected_variables, last_error, created_at, accepted_at, started_at, ended_at, settled_at,
                   poll_after, lost_after, updated_at)
OVERRIDING SYSTEM VALUE
SELECT c.id, 'att_' || pg_temp.object_id(c.created_at, c.id), c.job_id, c.batch_no, c.account_no, j.contact_key,
       c.attempt, j.phones[p.phone_index + 1], p.phone_index, a.provider,
       CASE WHEN c.kind NOT IN ('not_placed', 'lost') AND NOT (c.kind = 'open' AND c.h2 < 0.2)
            THEN 'call_' || md5('b5-call-' || c.id) END,
       'agent_' || left(md5('agent' || c.account_no), 24),
       CASE c.kind WHEN 'open' THEN CASE WHEN c.h2 < 0.2 THEN 'placing' ELSE 'placed' END
                   WHEN 'not_placed' THEN 'not_placed' WHEN 'lost' THEN 'lost' ELSE 'ended' END,
       CASE WHEN c.kind IN ('answered') OR (c.kind = 'no_answer' AND c.duration_ms > 0) THEN 'ended'
            WHEN c.kind IN ('no_answer', 'bad_number') THEN 'not_connected'
            WHEN c.kind = 'provider_error' THEN 'error' END,
       c.disconnection_reason,
       CASE WHEN c.kind = 'open' THEN NULL WHEN c.kind = 'not_placed' THEN 'provider_error' ELSE c.kind END,
       CASE WHEN c.kind NOT IN ('open', 'not_placed', 'lost') THEN c.duration_ms END,
       m.cost, m.minutes,
       CASE WHEN m.connected THEN round(billed_seconds / 60.0 * 0.07, 4) END,
       CASE WHEN c.kind = 'answered' THEN
           'Agente: Buenos días, ¿hablo con ' || j.contact_name || '?' || E'\n' ||
           'Cliente: Sí, con él habla.' || E'\n' ||
           'Agente: Le llamo de ' || b.company || ' por una deuda de ' || (j.payload ->> 'debt_amount') ||
           ' pesos con vencimiento el ' || (j.payload ->> 'due_date') || '. ¿Podría regularizarla?' || E'\n' ||
           CASE WHEN j.fecha_pago_cliente IS NOT NULL AND c.attempt = c.attempts
                THEN 'Cliente: Puedo pagar ' || j.monto_pago_cliente || ' el ' || to_char(j.fecha_pago_cliente, 'DD-MM-YYYY') || '.' || E'\n' ||
                     'Agente: Perfecto, queda registrado su compromiso de pago. Muchas gracias.'
                WHEN c.h2 < 0.5 THEN 'Cliente: Ahora no puedo, llámeme la próxima semana.' || E'\n' ||
                     'Agente: Entendido, lo contactaremos nuevamente. Que tenga buen día.'
                ELSE 'Cliente: Yo ya pagué esa cuota el mes pasado.' || E'\n' ||
                     'Agente: Gracias por avisar, revisaremos el pago y le confirmaremos.' END END,
       CASE WHEN c.kind = 'answered' THEN 'https://dxc03zgurdly9.cloudfront.net/' || md5('b5-call-' || c.id) || '/recording.wav' END,
       CASE WHEN c.kind IN ('answered', 'no_answer', 'bad_number', 'provider_error')
            THEN 'https://dxc03zgurdly9.cloudfront.net/' || md5('b5-call-' || c.id) || '/public.log' END,
       CASE WHEN c.kind = 'answered' THEN jsonb_build_object(
           'call_summary', CASE WHEN j.fecha_pago_cliente IS NOT NULL AND c.attempt = c.attempts
                                THEN 'El cliente se compromete a pagar.' ELSE 'El cliente no se compromete a pagar.' END,
           'user_sentiment', (ARRAY['Neutral', 'Positive', 'Negative'])[1 + (c.id % 3)::integer],
           'call_successful', j.fecha_pago_cliente IS NOT NULL AND c.attempt = c.attempts,
           'in_voicemail', false,
           'custom_analysis_data', jsonb_build_object('compromiso_pago', j.fecha_pago_cliente IS NOT NULL AND c.attempt = c.attempts)) END,
       CASE WHEN c.kind = 'answered' THEN
           CASE WHEN j.fecha_pago_cliente IS NOT NULL AND c.attempt = c.attempts
                THEN jsonb_build_object('fecha_pago_cliente', j.fecha_pago_cliente::text,
                                        'monto_pago_cliente', j.monto_pago_cliente::text)
                ELSE '{}'::jsonb END END,
       CASE c.kind WHEN 'not_placed' THEN 'Retell refused the call: HTTP 422 invalid to_number'
                   WHEN 'lost' THEN 'No result before the attempt''s hard limit'
                   WHEN 'provider_error' THEN 'error_llm_websocket_open' END,
       c.created_at,
       CASE WHEN c.kind NOT IN ('not_placed', 'lost') AND NOT (c.kind = 'open' AND c.h2 < 0.2)
            THEN c.created_at + interval '1 second' END,
       CASE WHEN c.kind IN ('answered', 'no_answer', 'bad_number', 'provider_error') THEN c.created_at + interval '3 seconds' END,
       CASE WHEN c.kind = 'open' THEN NULL
            WHEN c.kind IN ('not_placed') THEN c.created_at + interval '1 second'
            WHEN c.kind = 'lost' THEN c.created_at + interval '2 hours'
            ELSE c.created_at + interval '3 seconds' + c.duration_ms * interval '1 millisecond' END,
       CASE WHEN c.kind = 'open' THEN NULL
            WHEN c.kind = 'not_placed' THEN c.created_at + interval '1 second'
            WHEN c.kind = 'lost' THEN c.created_at + interval '2 hours'
            ELSE c.created_at + interval '5 seconds' + c.duration_ms * interval '1 millisecond' END,
       c.created_at + interval '330 seconds', c.created_at + interval '2 hours',
       c.created_at + CASE WHEN c.kind = 'open' THEN interval '1 second'
                           ELSE interval '5 seconds' + c.duration_ms * interval '1 millisecond' END
FROM b5_call c
JOIN jobs j ON j.id = c.job_id
JOIN b5_batch b ON b.no = c.batch_no
JOIN b5_account a ON a.n = c.account_no
CROSS JOIN LATERAL (SELECT (c.attempt - 1) % cardinality(j.phones) AS phone_index,
                           (c.duration_ms + 999) / 1000 AS billed_seconds) AS p
CROSS JOIN LATERAL (
    SELECT c.duration_ms > 0 AND c.kind IN ('answered', 'no_answer') AS connected) AS k
CROSS JOIN LATERAL (
    SELECT k.connected,
           CASE WHEN c.kind IN ('open') THEN NULL
                WHEN c.kind IN ('not_placed', 'lost') THEN 0::numeric
                WHEN k.connected THEN round(a.cost_per_call_setup + round(p.billed_seconds / 60.0, 4) * a.cost_per_minute, 4)
                ELSE a.cost_failed_call END AS cost,
           CASE WHEN c.kind IN ('open') THEN NULL
                WHEN k.connected THEN round(p.billed_seconds / 60.0, 4) ELSE 0::numeric END AS minutes) AS m;

DO $$
DECLARE
    index_definition text;
BEGIN
    FOR index_definition IN SELECT definition FROM b5_dropped_index LOOP
        EXECUTE index_definition;
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- What the triggers and settlement would have kept: batch counters, totals, statuses' times.
-- ---------------------------------------------------------------------------------------------
UPDATE batches b SET
    total_jobs = c.total, pending_jobs = c.pending, scheduled_jobs = c.scheduled, in_progress_jobs = c.in_progress,
    completed_jobs = c.completed, failed_jobs = c.failed, suspended_jobs = c.suspended, cancelled_jobs = c.cancelled,
    estimated_cost = c.estimated
FROM (SELECT batch_id, count(*) AS total,
             count(*) FILTER (WHERE status = 'pending') AS pending,
             count(*) FILTER (WHERE status = 'scheduled') AS scheduled,
             count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
             count(*) FILTER (WHERE status = 'completed') AS completed,
             count(*) FILTER (WHERE status = 'failed') AS failed,
             count(*) FILTER (WHERE status = 'suspended') AS suspended,
             count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
             sum(estimated_cost) AS estimated
      FROM jobs GROUP BY batch_id) AS c
WHERE c.batch_id = b.id;

UPDATE batches b SET total_cost = c.cost, total_minutes = c.minutes,
    completed_at = CASE WHEN b.status = 'completed' THEN c.last_end + interval '2 minutes' END,
    cancelled_at = CASE WHEN b.status = 'cancelled' THEN least(c.last_end + interval '1 hour', :'b5_now'::timestamptz) END,
    deleted_at = CASE WHEN b.deleted_at IS NOT NULL THEN least(c.last_end + interval '2 days', :'b5_now'::timestamptz) END,
    updated_at = greatest(b.updated_at, coalesce(c.last_end, b.updated_at), coalesce(b.cancelled_at, b.updated_at),
                          coalesce(b.deleted_at, b.updated_at))
FROM (SELECT batch_id, coalesce(sum(charged_cost), 0) AS cost, coalesce(sum(charged_minutes), 0) AS minutes,
             max(ended_at) AS last_end
      FROM calls WHERE settled_at IS NOT NULL GROUP BY batch_id) AS c
WHERE c.batch_id = b.id;
UPDATE batches SET completed_at = created_at + interval '1 day' WHERE status = 'completed' AND completed_at IS NULL;

-- settled_calls arrives with migration 008.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'batches' AND column_name = 'settled_calls') THEN
        EXECUTE 'UPDATE batches b SET settled_calls = c.calls
                 FROM (SELECT batch_id, count(*) AS calls FROM calls WHERE settled_at IS NOT NULL GROUP BY batch_id) AS c
                 WHERE c.batch_id = b.id';
    END IF;
    IF to_regclass('metric_counters') IS NOT NULL THEN
        EXECUTE 'INSERT INTO metric_counters (name, label, shard, value)
                 SELECT ''calls_settled'', coalesce(outcome, status), 0, count(*) FROM calls WHERE settled_at IS NOT NULL
                 GROUP BY coalesce(outcome, status)
                 ON CONFLICT (name, label, shard) DO UPDATE SET value = metric_counters.value + excluded.value';
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Holds for the open calls, and the ledger.
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE b5_hold AS
SELECT row_number() OVER (ORDER BY c.id)::bigint AS id, c.id AS call_id, c.account_id, c.created_at,
       CASE WHEN a.plan_type = 'minutes_based' THEN 'minutes' ELSE 'credits' END AS unit,
       CASE WHEN a.plan_type = 'minutes_based' THEN 5::numeric ELSE a.cost_per_call_setup + 5 * a.cost_per_minute END AS amount
FROM calls c JOIN b5_account a ON a.n = c.account_id
WHERE c.settled_at IS NULL AND a.plan_type <> 'unlimited';

INSERT INTO credit_holds (id, hold_id, account_id, unit, amount, status, reference, expires_at, created_at)
OVERRIDING SYSTEM VALUE
SELECT id, 'hold_' || pg_temp.object_id(created_at, id), account_id, unit, amount, 'pending',
       (SELECT attempt_id FROM calls WHERE calls.id = h.call_id), created_at + interval '3 hours', created_at
FROM b5_hold h;
UPDATE calls c SET hold_id = h.id FROM b5_hold h WHERE h.call_id = c.id;

CREATE TEMP TABLE b5_movement AS
-- usage: one row per batch (credits plans: money; minutes plans: minutes; unlimited: no balance moves)
SELECT b.account_id, 'call_usage' AS type,
       CASE WHEN a.plan_type = 'minutes_based' THEN 'minutes' ELSE 'credits' END AS unit,
       CASE a.plan_type WHEN 'credit_based' THEN -b.total_cost WHEN 'minutes_based' THEN -b.total_minutes ELSE 0 END AS amount,
       0::numeric AS reserved_change, b.total_cost AS cost, NULL::bigint AS hold_id, b.batch_id AS reference,
       CASE WHEN a.plan_type = 'unlimited' THEN 'Uso (plan ilimitado)' ELSE 'Llamadas del lote ' || b.batch_id END AS description,
       coalesce(b.completed_at, b.updated_at) AS created_at
FROM batches b JOIN b5_account a ON a.n = b.account_id
WHERE b.total_cost > 0 OR b.total_minutes > 0
UNION ALL
SELECT h.account_id, 'hold', h.unit, 0, h.amount, 0, h.id, (SELECT hold_id FROM credit_holds WHERE id = h.id),
       'Reserva para una llamada', h.created_at
FROM b5_hold h;

-- Each paying account's top-up comes first and covers everything it has spent, with some left.
INSERT INTO b5_movement
SELECT a.n, CASE WHEN a.plan_type = 'minutes_based' THEN 'topup_minutes' ELSE 'topup_credits' END,
       CASE WHEN a.plan_type = 'minutes_based' THEN 'minutes' ELSE 'credits' END,
       ceil((coalesce(-sum(m.amount) FILTER (WHERE m.type = 'call_usage'), 0)
             + coalesce(sum(m.reserved_change), 0) + 500 + 20000 * pg_temp.u(a.n, 50)) / 100) * 100,
       0, 0, NULL, 'Recarga inicial', 'Recarga', a.created_at + interval '1 hour'
FROM b5_account a LEFT JOIN b5_movement m ON m.account_id = a.n
WHERE a.plan_type <> 'unlimited'
GROUP BY a.n, a.plan_type, a.created_at;

INSERT INTO credit_transactions (id, transaction_id, account_id, type, unit, amount, reserved_change, cost,
                                 balance_after, reserved_after, hold_id, reference, description, created_at)
OVERRIDING SYSTEM VALUE
SELECT row_number() OVER ledger_order, 'txn_' || pg_temp.object_id(created_at, row_number() OVER ledger_order),
       account_id, type, unit, amount, reserved_change, cost,
       sum(amount) OVER running, sum(reserved_change) OVER running, hold_id, reference, description, created_at
FROM b5_movement
WINDOW ledger_order AS (ORDER BY created_at, account_id, type, reference),
       running AS (PARTITION BY account_id, unit ORDER BY created_at, type, reference ROWS UNBOUNDED PRECEDING)
ORDER BY created_at, account_id, type, reference;

UPDATE accounts a SET
    credit_balance = coalesce(l.credit_balance, 0), credit_reserved = coalesce(l.credit_reserved, 0),
    credit_used = coalesce(l.credit_used, 0), minutes_purchased = coalesce(l.minutes_purchased, 0),
    minutes_used = coalesce(l.minutes_used, 0), minutes_reserved = coalesce(l.minutes_reserved, 0),
    last_topup_at = l.last_topup_at
FROM (SELECT account_id,
             sum(amount) FILTER (WHERE unit = 'credits') AS credit_balance,
             sum(reserved_change) FILTER (WHERE unit = 'credits') AS credit_reserved,
             sum(CASE WHEN type = 'call_usage' AND unit = 'credits' THEN -amount + CASE WHEN amount = 0 THEN cost ELSE 0 END END) AS credit_used,
             sum(amount) FILTER (WHERE type = 'topup_minutes') AS minutes_purchased,
             -sum(amount) FILTER (WHERE type = 'call_usage' AND unit = 'minutes') AS minutes_used,
             sum(reserved_change) FILTER (WHERE unit = 'minutes') AS minutes_reserved,
             max(created_at) FILTER (WHERE type LIKE 'topup%') AS last_topup_at
      FROM credit_transactions GROUP BY account_id) AS l
WHERE l.account_id = a.id;

-- ---------------------------------------------------------------------------------------------
-- The activity feed.
-- ---------------------------------------------------------------------------------------------
INSERT INTO events (account_id, type, message, details, created_at)
SELECT account_id, type, message, details, created_at FROM (
    SELECT a.id AS account_id, 'account_created' AS type, 'Account ' || a.account_id || ' created' AS message,
           '{}'::jsonb AS details, a.created_at
    FROM accounts a
    UNION ALL
    SELECT t.account_id, 'topup', 'Account ' || a.account_id || ' topped up with ' || t.amount || ' ' || t.unit, '{}', t.created_at
    FROM credit_transactions t JOIN accounts a ON a.id = t.account_id WHERE t.type LIKE 'topup%'
    UNION ALL
    SELECT b.account_id, 'batch_created', 'Batch ''' || b.name || ''' created with ' || b.total_jobs || ' jobs', '{}', b.created_at
    FROM batches b
    UNION ALL
    SELECT b.account_id, 'batch_paused', 'Batch ''' || b.name || ''' paused', jsonb_build_object('batch_id', b.batch_id),
           b.created_at + (:'b5_now'::timestamptz - b.created_at) / 2
    FROM batches b WHERE b.status = 'paused'
    UNION ALL
    SELECT b.account_id, 'batch_resumed', 'Batch ''' || b.name || ''' resumed', jsonb_build_object('batch_id', b.batch_id),
           b.created_at + (:'b5_now'::timestamptz - b.created_at) / 2
    FROM batches b JOIN b5_batch p ON p.no = b.id WHERE p.resumed
    UNION ALL
    SELECT b.account_id, 'batch_cancelled', 'Batch ''' || b.name || ''' cancelled: ' || b.cancellation_reason,
           jsonb_build_object('batch_id', b.batch_id), b.cancelled_at
    FROM batches b WHERE b.status = 'cancelled'
    UNION ALL
    SELECT b.account_id, 'batch_deleted', 'Batch ''' || b.name || ''' deleted', jsonb_build_object('batch_id', b.batch_id),
           b.deleted_at
    FROM batches b WHERE b.deleted_at IS NOT NULL
) AS e
ORDER BY created_at;

-- ---------------------------------------------------------------------------------------------
-- Identities past the given ids; foreign keys checked once, set-based (the load skipped them).
-- ---------------------------------------------------------------------------------------------
SELECT setval(pg_get_serial_sequence('accounts', 'id'), (SELECT max(id) FROM accounts)),
       setval(pg_get_serial_sequence('batches', 'id'), (SELECT max(id) FROM batches)),
       setval(pg_get_serial_sequence('jobs', 'id'), (SELECT max(id) FROM jobs)),
       setval(pg_get_serial_sequence('calls', 'id'), (SELECT max(id) FROM calls)),
       setval(pg_get_serial_sequence('credit_holds', 'id'), (SELECT max(id) FROM credit_holds)),
       setval(pg_get_serial_sequence('credit_transactions', 'id'), (SELECT max(id) FROM credit_transactions));

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM jobs j LEFT JOIN batches b ON b.id = j.batch_id AND b.account_id = j.account_id WHERE b.id IS NULL)
       OR EXISTS (SELECT 1 FROM calls c LEFT JOIN jobs j ON j.id = c.job_id
                  WHERE j.id IS NULL OR j.batch_id <> c.batch_id OR j.account_id <> c.account_id) THEN
        RAISE EXCEPTION 'b5_generate.sql: a job or call points at a row that does not exist';
    END IF;
END
$$;

RESET session_replication_role;

SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM batches) AS batches,
       (SELECT count(*) FROM jobs) AS jobs, (SELECT count(*) FROM calls) AS calls,
       (SELECT count(*) FROM credit_transactions) AS ledger_rows, (SELECT count(*) FROM events) AS events;
