-- Batches (campaigns) and their jobs (one contact to call each), with counters that the database
-- keeps in step with the jobs in the same transaction that changes them.
--
-- Identifiers and keys are ASCII and compared byte by byte (COLLATE "C"): a locale-aware compare
-- per index probe made the import of 100,000 jobs measurably slower, for nothing.

CREATE TABLE batches (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id            text COLLATE "C" NOT NULL UNIQUE CHECK (batch_id ~ '^batch-\d{4}-\d{2}-\d{2}-\d{6}-\d{6}$'),
    object_id           text COLLATE "C" NOT NULL UNIQUE DEFAULT speechai_object_id() CHECK (object_id ~ '^[0-9a-f]{24}$'),
    account_id          bigint NOT NULL REFERENCES accounts (id),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description         text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    status              text NOT NULL DEFAULT 'active'
                        CHECK (status IN ('active', 'paused', 'completed', 'cancelled')),
    priority            smallint NOT NULL DEFAULT 1 CHECK (priority BETWEEN 1 AND 4),
    country             text NOT NULL CHECK (country IN ('CL', 'AR')),
    use_case            text NOT NULL DEFAULT 'debt_collection' CHECK (use_case IN ('debt_collection', 'marketing')),
    -- How the contacts arrived: an Excel/CSV file (basic or acquisition grouping) or JSON.
    processing_type     text NOT NULL CHECK (processing_type IN ('basic', 'acquisition', 'json')),
    source_filename     text CHECK (length(source_filename) <= 255),
    -- Canonical settings (see Batches.CallSettings); NULL means "the defaults".
    call_settings       jsonb,
    -- Use-case variables every call of the batch gets (company_name, offer_description, …).
    use_case_settings   jsonb NOT NULL DEFAULT '{}',
    retell_agent_id     text CHECK (length(retell_agent_id) <= 128),
    estimated_cost      amount NOT NULL DEFAULT 0 CHECK (estimated_cost >= 0),
    -- Kept by the jobs triggers below: never recomputed behind the application's back.
    total_jobs          integer NOT NULL DEFAULT 0,
    pending_jobs        integer NOT NULL DEFAULT 0,
    scheduled_jobs      integer NOT NULL DEFAULT 0,
    in_progress_jobs    integer NOT NULL DEFAULT 0,
    completed_jobs      integer NOT NULL DEFAULT 0,
    failed_jobs         integer NOT NULL DEFAULT 0,
    suspended_jobs      integer NOT NULL DEFAULT 0,
    cancelled_jobs      integer NOT NULL DEFAULT 0,
    -- Kept by call settlement.
    total_cost          amount NOT NULL DEFAULT 0 CHECK (total_cost >= 0),
    total_minutes       amount NOT NULL DEFAULT 0 CHECK (total_minutes >= 0),
    cancellation_reason text CHECK (length(cancellation_reason) <= 500),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    completed_at        timestamptz,
    cancelled_at        timestamptz,
    -- DELETE /batches/{id} hides a batch; its jobs, calls and ledger rows stay for the records.
    deleted_at          timestamptz,
    CONSTRAINT counters_add_up CHECK (
        total_jobs = pending_jobs + scheduled_jobs + in_progress_jobs + completed_jobs + failed_jobs
                     + suspended_jobs + cancelled_jobs
        AND least(pending_jobs, scheduled_jobs, in_progress_jobs, completed_jobs, failed_jobs, suspended_jobs,
                  cancelled_jobs) >= 0),
    CONSTRAINT cancelled_with_a_time CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    -- For the jobs' foreign key, which checks batch and account in one probe.
    CONSTRAINT batch_and_account UNIQUE (id, account_id)
);

CREATE INDEX batches_newest_first ON batches (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX batches_by_account ON batches (account_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;

CREATE TRIGGER batches_stamp_updated_at BEFORE UPDATE ON batches
    FOR EACH ROW EXECUTE FUNCTION speechai_stamp_updated_at();

CREATE TABLE jobs (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Made by the importer (ObjectId-shaped like every _id). Checked by length only: a regular
    -- expression per row costs a third of an import's insert time.
    object_id           text COLLATE "C" NOT NULL UNIQUE DEFAULT speechai_object_id() CHECK (length(object_id) = 24),
    -- Derived, so a lookup by job_id is a lookup by object_id (no second unique index to maintain).
    job_id              text COLLATE "C" NOT NULL GENERATED ALWAYS AS ('job-' || object_id) STORED,
    batch_id            bigint NOT NULL,
    -- The batch's account, copied so that account-wide lists and duplicate checks need no join.
    account_id          bigint NOT NULL,
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'scheduled', 'in_progress', 'completed', 'failed', 'suspended',
                                          'cancelled')),
    -- Who is called: the duplicate key is 'id:' + RUT/DNI, or 'phone:' + the first phone when the
    -- list has no id column.
    contact_key         text COLLATE "C" NOT NULL CHECK (left(contact_key, 3) = 'id:' OR left(contact_key, 6) = 'phone:'),
    contact_name        text NOT NULL DEFAULT '' CHECK (length(contact_name) <= 200),
    contact_dni         text CHECK (length(contact_dni) <= 32),
    -- E.164 numbers in dialling order; a failed attempt moves to the next one.
    phones              text[] NOT NULL CHECK (cardinality(phones) BETWEEN 1 AND 20),
    next_phone_index    integer NOT NULL DEFAULT 0 CHECK (next_phone_index >= 0),
    payload             jsonb NOT NULL DEFAULT '{}',
    attempts            integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts        integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 10),
    estimated_cost      amount NOT NULL DEFAULT 0 CHECK (estimated_cost >= 0),
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    last_error          text,
    last_outcome        text,
    cancellation_reason text CHECK (length(cancellation_reason) <= 500),
    -- The spreadsheet row the contact was first read from (row errors and support questions).
    source_row          integer,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    completed_at        timestamptz,
    -- One foreign key for both: a job belongs to a batch and to that batch's account. (A second
    -- key to accounts would cost another lookup per imported row.)
    CONSTRAINT job_batch FOREIGN KEY (batch_id, account_id) REFERENCES batches (id, account_id)
);

-- Job lists are newest first by id (ids grow with insertion); the primary key serves the
-- unfiltered list. Every index here is paid for on each import row, so there are few.
CREATE INDEX jobs_by_batch ON jobs (batch_id, id DESC);
CREATE INDEX jobs_by_account ON jobs (account_id, id DESC);
-- One index, two duties: duplicate detection at import (the same contact with a live, not
-- cancelled, job in the account) and the guarantee that a batch never holds two live jobs for one
-- contact, so nobody is dialled twice by one campaign.
CREATE UNIQUE INDEX jobs_live_contacts ON jobs (account_id, contact_key, batch_id) WHERE status <> 'cancelled';

CREATE TRIGGER jobs_stamp_updated_at BEFORE UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION speechai_stamp_updated_at();

-- Batch counters follow the jobs, one UPDATE per batch per statement (not per row: importing
-- 100,000 jobs is one COPY and one counter update). The same UPDATE derives the batch status: an
-- active or paused batch with jobs, none of them unfinished, is completed; a completed batch with
-- an unfinished job again (a retried job) is active.
-- Each (batch, status, n) moves n jobs into (n > 0) or out of (n < 0) that status.
CREATE FUNCTION speechai_apply_job_changes(batch_keys bigint[], statuses text[], counts integer[]) RETURNS void
LANGUAGE sql AS $$
    WITH d AS (
        SELECT batch_key,
               sum(n) AS total,
               coalesce(sum(n) FILTER (WHERE status = 'pending'), 0) AS pending,
               coalesce(sum(n) FILTER (WHERE status = 'scheduled'), 0) AS scheduled,
               coalesce(sum(n) FILTER (WHERE status = 'in_progress'), 0) AS in_progress,
               coalesce(sum(n) FILTER (WHERE status = 'completed'), 0) AS completed,
               coalesce(sum(n) FILTER (WHERE status = 'failed'), 0) AS failed,
               coalesce(sum(n) FILTER (WHERE status = 'suspended'), 0) AS suspended,
               coalesce(sum(n) FILTER (WHERE status = 'cancelled'), 0) AS cancelled
        FROM unnest(batch_keys, statuses, counts) AS change (batch_key, status, n)
        GROUP BY batch_key
    )
    UPDATE batches b SET
        total_jobs       = b.total_jobs + d.total,
        pending_jobs     = b.pending_jobs + d.pending,
        scheduled_jobs   = b.scheduled_jobs + d.scheduled,
        in_progress_jobs = b.in_progress_jobs + d.in_progress,
        completed_jobs   = b.completed_jobs + d.completed,
        failed_jobs      = b.failed_jobs + d.failed,
        suspended_jobs   = b.suspended_jobs + d.suspended,
        cancelled_jobs   = b.cancelled_jobs + d.cancelled,
        status = CASE
            WHEN b.status IN ('active', 'paused') AND b.total_jobs + d.total > 0
                 AND b.pending_jobs + d.pending + b.scheduled_jobs + d.scheduled + b.in_progress_jobs + d.in_progress
                     + b.suspended_jobs + d.suspended = 0 THEN 'completed'
            WHEN b.status = 'completed'
                 AND b.pending_jobs + d.pending + b.scheduled_jobs + d.scheduled + b.in_progress_jobs + d.in_progress
                     + b.suspended_jobs + d.suspended > 0 THEN 'active'
            ELSE b.status END,
        completed_at = CASE
            WHEN b.status IN ('active', 'paused') AND b.total_jobs + d.total > 0
                 AND b.pending_jobs + d.pending + b.scheduled_jobs + d.scheduled + b.in_progress_jobs + d.in_progress
                     + b.suspended_jobs + d.suspended = 0 THEN now()
            WHEN b.status = 'completed'
                 AND b.pending_jobs + d.pending + b.scheduled_jobs + d.scheduled + b.in_progress_jobs + d.in_progress
                     + b.suspended_jobs + d.suspended > 0 THEN NULL
            ELSE b.completed_at END
    FROM d
    WHERE b.id = d.batch_key
      AND (d.total, d.pending, d.scheduled, d.in_progress, d.completed, d.failed, d.suspended, d.cancelled)
          IS DISTINCT FROM (0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint)
$$;

-- Transition tables are visible only in the trigger's own function, hence one branch per
-- operation, each aggregating in SQL before handing the (few) per-batch, per-status counts over.
CREATE FUNCTION speechai_jobs_counted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    batch_keys bigint[];
    statuses text[];
    counts integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(batch_id), array_agg(status), array_agg(n) INTO batch_keys, statuses, counts
        FROM (SELECT batch_id, status, count(*)::integer AS n FROM new_jobs GROUP BY 1, 2) AS counted;
    ELSIF TG_OP = 'UPDATE' THEN
        -- Only rows whose batch or status changed move a counter.
        SELECT array_agg(batch_id), array_agg(status), array_agg(n) INTO batch_keys, statuses, counts
        FROM (SELECT batch_id, status, sum(sign)::integer AS n
              FROM (SELECT n.batch_id, n.status, 1 AS sign FROM new_jobs n JOIN old_jobs o USING (id)
                     WHERE (n.batch_id, n.status) IS DISTINCT FROM (o.batch_id, o.status)
                    UNION ALL
                    SELECT o.batch_id, o.status, -1 FROM old_jobs o JOIN new_jobs n USING (id)
                     WHERE (n.batch_id, n.status) IS DISTINCT FROM (o.batch_id, o.status)) AS moved
              GROUP BY 1, 2) AS counted;
    ELSE
        SELECT array_agg(batch_id), array_agg(status), array_agg(-n) INTO batch_keys, statuses, counts
        FROM (SELECT batch_id, status, count(*)::integer AS n FROM old_jobs GROUP BY 1, 2) AS counted;
    END IF;
    IF batch_keys IS NOT NULL THEN
        PERFORM speechai_apply_job_changes(batch_keys, statuses, counts);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_counted_on_insert AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION speechai_jobs_counted();
CREATE TRIGGER jobs_counted_on_update AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION speechai_jobs_counted();
CREATE TRIGGER jobs_counted_on_delete AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS old_jobs FOR EACH STATEMENT EXECUTE FUNCTION speechai_jobs_counted();
