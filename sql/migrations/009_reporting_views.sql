-- Views for analysts (schema `reporting`, read by sql/reports/*.sql) and the read-only role they
-- are read with, `speechai_reporting`.
--
-- The views only read: they add no index and no trigger, so the API and the dispatcher write
-- exactly as before, and a view costs something only while an analyst queries it. Filters on the
-- views' account_id, batch_id and day columns are applied before their aggregates (they are
-- grouping columns, or columns of the outer rows of a LATERAL), so a report for one account or
-- one batch reads that account's or batch's rows through the existing indexes. The two checks,
-- ledger_reconciliation and batch_counters, read the whole ledger and all jobs by design.
--
-- The views depend on the columns they read: a later migration that changes the type of one of
-- them, or drops it, recreates the view in the same migration.
--
-- Days are local days in the account's time zone (accounts.timezone), from the moment an attempt
-- was placed (calls.created_at, the instant the daily limit counts too). Money is the account's
-- unit of credit (accounts.cost_per_minute and friends); minutes are billed minutes (per started
-- second, calls.charged_minutes) unless a column says duration.

CREATE SCHEMA reporting;
COMMENT ON SCHEMA reporting IS 'Read-only views for analysts; see sql/reports and the README, "Reports for analysts".';

-- Calls per account, local day, outcome and the provider's disconnection reason. `outcome` is our
-- reading of the call (answered, no_answer, bad_number, provider_error, account_problem, lost), or
-- the call's status while it has none (placing, placed).
CREATE VIEW reporting.daily_calls_by_outcome AS
SELECT a.account_id,
       a.timezone,
       (c.created_at AT TIME ZONE a.timezone)::date            AS day,
       coalesce(c.outcome, c.status)                           AS outcome,
       c.disconnection_reason,
       count(*)                                                AS calls,
       count(*) FILTER (WHERE c.outcome = 'answered')          AS answered,
       round(coalesce(sum(c.duration_ms), 0) / 60000.0, 4)     AS duration_minutes,
       coalesce(sum(c.charged_minutes), 0)                     AS billed_minutes,
       coalesce(sum(c.charged_cost), 0)                        AS charged_cost
FROM calls c
JOIN accounts a ON a.id = c.account_id
GROUP BY a.account_id, a.timezone, (c.created_at AT TIME ZONE a.timezone)::date, coalesce(c.outcome, c.status),
         c.disconnection_reason;
COMMENT ON VIEW reporting.daily_calls_by_outcome IS
    'Calls per account, local day (account time zone, when placed), outcome and disconnection reason.';

-- One row per batch (deleted ones too, flagged): its jobs by status (the counters the jobs
-- triggers keep exact in the transaction that changes a job; sql/reports/batch_counters.sql
-- checks them), its calls, and its contact rate: contacts with an answered call among the
-- contacts called at least once (contacts, not jobs: calls keep their contact when a batch is
-- deleted with its jobs).
CREATE VIEW reporting.batch_performance AS
SELECT b.batch_id,
       a.account_id,
       b.name,
       b.status,
       b.use_case,
       b.country,
       b.created_at,
       b.completed_at,
       b.deleted_at IS NOT NULL                                AS deleted,
       b.total_jobs,
       b.pending_jobs,
       b.scheduled_jobs,
       b.in_progress_jobs,
       b.completed_jobs,
       b.failed_jobs,
       b.suspended_jobs,
       b.cancelled_jobs,
       c.calls,
       c.answered_calls,
       c.contacts_called,
       c.contacts_reached,
       CASE WHEN c.contacts_called > 0 THEN round(100.0 * c.contacts_reached / c.contacts_called, 2) END
                                                               AS contact_rate,
       c.duration_minutes,
       c.billed_minutes,
       c.charged_cost
FROM batches b
JOIN accounts a ON a.id = b.account_id
CROSS JOIN LATERAL (
    SELECT count(*)                                                   AS calls,
           count(*) FILTER (WHERE calls.outcome = 'answered')         AS answered_calls,
           count(DISTINCT calls.contact_key)                          AS contacts_called,
           count(DISTINCT calls.contact_key) FILTER (WHERE calls.outcome = 'answered') AS contacts_reached,
           round(coalesce(sum(calls.duration_ms), 0) / 60000.0, 4)    AS duration_minutes,
           coalesce(sum(calls.charged_minutes), 0)                    AS billed_minutes,
           coalesce(sum(calls.charged_cost), 0)                       AS charged_cost
    FROM calls
    WHERE calls.batch_id = b.id
) AS c;
COMMENT ON VIEW reporting.batch_performance IS
    'Per batch: jobs by status, calls, contacts called and reached, contact rate (%), minutes and charged cost.';

-- Each batch's stored job counters beside a direct count of its jobs (sql/reports/batch_counters.sql):
-- `consistent` must be true for every batch. The jobs triggers of migration 003 keep the counters
-- in the transaction that changes a job; this is how an analyst, and the tests, check them.
CREATE VIEW reporting.batch_counters AS
SELECT b.batch_id,
       a.account_id,
       b.status,
       b.created_at,
       b.total_jobs,
       coalesce(c.total, 0) AS counted_total,
       b.pending_jobs, b.scheduled_jobs, b.in_progress_jobs, b.completed_jobs, b.failed_jobs, b.suspended_jobs,
       b.cancelled_jobs,
       (b.total_jobs, b.pending_jobs, b.scheduled_jobs, b.in_progress_jobs, b.completed_jobs, b.failed_jobs,
        b.suspended_jobs, b.cancelled_jobs)
       = (coalesce(c.total, 0), coalesce(c.pending, 0), coalesce(c.scheduled, 0), coalesce(c.in_progress, 0),
          coalesce(c.completed, 0), coalesce(c.failed, 0), coalesce(c.suspended, 0), coalesce(c.cancelled, 0))
           AS consistent
FROM batches b
JOIN accounts a ON a.id = b.account_id
LEFT JOIN (
    SELECT batch_id,
           count(*) AS total,
           count(*) FILTER (WHERE status = 'pending') AS pending,
           count(*) FILTER (WHERE status = 'scheduled') AS scheduled,
           count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
           count(*) FILTER (WHERE status = 'completed') AS completed,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'suspended') AS suspended,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled
    FROM jobs GROUP BY batch_id
) AS c ON c.batch_id = b.id;
COMMENT ON VIEW reporting.batch_counters IS
    'Per batch: the stored job counters against a direct count of its jobs; consistent must be true.';

-- Settled calls per account, local day and batch: what we charged against what the provider
-- charged us. The provider's cost is Retell's call_cost.combined_cost, stored as sent, in cents;
-- here it is in units (/ 100), the unit credits are priced in. Calls without a provider cost (the
-- simulator, calls never placed or lost) are counted apart and left out of the margin, which
-- compares only calls whose both sides are known.
CREATE VIEW reporting.cost_and_margin AS
SELECT account_id,
       plan_type,
       timezone,
       day,
       batch_id,
       settled_calls,
       charged_cost,
       priced_calls,
       settled_calls - priced_calls                            AS unpriced_calls,
       priced_charged_cost,
       provider_cost,
       priced_charged_cost - provider_cost                     AS margin,
       CASE WHEN priced_charged_cost > 0
            THEN round(100 * (priced_charged_cost - provider_cost) / priced_charged_cost, 2) END AS margin_percent
FROM (
    SELECT a.account_id,
           a.plan_type,
           a.timezone,
           (c.created_at AT TIME ZONE a.timezone)::date                                    AS day,
           b.batch_id,
           count(*)                                                                         AS settled_calls,
           coalesce(sum(c.charged_cost), 0)                                                 AS charged_cost,
           count(c.provider_cost)                                                           AS priced_calls,
           coalesce(sum(c.charged_cost) FILTER (WHERE c.provider_cost IS NOT NULL), 0)      AS priced_charged_cost,
           round(coalesce(sum(c.provider_cost), 0) / 100, 4)                                AS provider_cost
    FROM calls c
    JOIN accounts a ON a.id = c.account_id
    JOIN batches b ON b.id = c.batch_id
    WHERE c.settled_at IS NOT NULL
    GROUP BY a.account_id, a.plan_type, a.timezone, (c.created_at AT TIME ZONE a.timezone)::date, b.batch_id
) AS settled;
COMMENT ON VIEW reporting.cost_and_margin IS
    'Settled calls per account, local day and batch: charged cost, provider cost (Retell cents / 100) and margin.';

-- The ledger invariants of PRODUCT.md §4, per account. Each cached figure beside what the ledger
-- and the holds say it must be, and their difference; `reconciled` is true when every difference
-- is zero, nothing available is negative, the newest ledger row's balance_after and reserved_after
-- are the cached ones, and every hold is resolved exactly once in the ledger: one `hold` row, one
-- `hold_release` row once it is no longer pending, its reserved changes summing to its amount
-- while pending and to zero after, and its usage rows to its posted amount.
--   balance  = Σ amount                 (credits: credit_balance; minutes: purchased - used)
--   reserved = Σ reserved_change = Σ pending holds
--   used     = Σ usage                  (credits: the cost of call_usage rows; minutes: their minutes)
CREATE VIEW reporting.ledger_reconciliation AS
WITH ledger AS (
    SELECT account_id,
           coalesce(sum(amount) FILTER (WHERE unit = 'credits'), 0)                              AS credit_balance,
           coalesce(sum(reserved_change) FILTER (WHERE unit = 'credits'), 0)                     AS credit_reserved,
           coalesce(sum(cost) FILTER (WHERE unit = 'credits' AND type = 'call_usage'), 0)        AS credit_used,
           coalesce(sum(amount) FILTER (WHERE unit = 'minutes'), 0)                              AS minutes_balance,
           coalesce(sum(reserved_change) FILTER (WHERE unit = 'minutes'), 0)                     AS minutes_reserved,
           coalesce(-sum(amount) FILTER (WHERE unit = 'minutes' AND type = 'call_usage'), 0)     AS minutes_used
    FROM credit_transactions
    GROUP BY account_id
), hold_rows AS (
    SELECT hold_id,
           count(*) FILTER (WHERE type = 'hold')                   AS holds,
           count(*) FILTER (WHERE type = 'hold_release')           AS releases,
           sum(reserved_change)                                    AS reserved,
           coalesce(-sum(amount) FILTER (WHERE type = 'call_usage'), 0) AS charged
    FROM credit_transactions
    WHERE hold_id IS NOT NULL
    GROUP BY hold_id
), holds AS (
    SELECT h.account_id,
           coalesce(sum(h.amount) FILTER (WHERE h.status = 'pending' AND h.unit = 'credits'), 0) AS pending_credits,
           coalesce(sum(h.amount) FILTER (WHERE h.status = 'pending' AND h.unit = 'minutes'), 0) AS pending_minutes,
           count(*) FILTER (WHERE (coalesce(r.holds, 0), coalesce(r.releases, 0), coalesce(r.reserved, 0),
                                   coalesce(r.charged, 0))
                                  IS DISTINCT FROM
                                  (1::bigint, CASE WHEN h.status = 'pending' THEN 0 ELSE 1 END::bigint,
                                   CASE WHEN h.status = 'pending' THEN h.amount ELSE 0 END::numeric,
                                   coalesce(h.posted_amount, 0)::numeric))   AS holds_resolved_wrongly
    FROM credit_holds h
    LEFT JOIN hold_rows r ON r.hold_id = h.id
    GROUP BY h.account_id
), newest AS (
    SELECT DISTINCT ON (account_id, unit) account_id, unit, balance_after, reserved_after
    FROM credit_transactions
    ORDER BY account_id, unit, id DESC
), compared AS (
    SELECT a.account_id,
           a.plan_type,
           a.credit_balance,
           coalesce(l.credit_balance, 0)                 AS ledger_credit_balance,
           a.credit_reserved,
           coalesce(h.pending_credits, 0)                AS pending_hold_credits,
           coalesce(l.credit_reserved, 0)                AS ledger_credit_reserved,
           a.credit_used,
           coalesce(l.credit_used, 0)                    AS ledger_credit_used,
           a.minutes_purchased - a.minutes_used          AS minutes_balance,
           coalesce(l.minutes_balance, 0)                AS ledger_minutes_balance,
           a.minutes_reserved,
           coalesce(h.pending_minutes, 0)                AS pending_hold_minutes,
           coalesce(l.minutes_reserved, 0)               AS ledger_minutes_reserved,
           a.minutes_used,
           coalesce(l.minutes_used, 0)                   AS ledger_minutes_used,
           a.credit_balance - a.credit_reserved          AS credit_available,
           a.minutes_purchased - a.minutes_used - a.minutes_reserved AS minutes_available,
           (coalesce(nc.balance_after, 0), coalesce(nc.reserved_after, 0),
            coalesce(nm.balance_after, 0), coalesce(nm.reserved_after, 0))
               = (a.credit_balance, a.credit_reserved, a.minutes_purchased - a.minutes_used, a.minutes_reserved)
                                                         AS newest_rows_match,
           coalesce(h.holds_resolved_wrongly, 0)         AS holds_resolved_wrongly
    FROM accounts a
    LEFT JOIN ledger l ON l.account_id = a.id
    LEFT JOIN holds h ON h.account_id = a.id
    LEFT JOIN newest nc ON nc.account_id = a.id AND nc.unit = 'credits'
    LEFT JOIN newest nm ON nm.account_id = a.id AND nm.unit = 'minutes'
), differences AS (
    SELECT compared.*,
           credit_balance - ledger_credit_balance        AS credit_balance_difference,
           credit_reserved - pending_hold_credits        AS credit_reserved_difference,
           credit_used - ledger_credit_used              AS credit_used_difference,
           minutes_balance - ledger_minutes_balance      AS minutes_balance_difference,
           minutes_reserved - pending_hold_minutes       AS minutes_reserved_difference,
           minutes_used - ledger_minutes_used            AS minutes_used_difference
    FROM compared
)
SELECT account_id, plan_type,
       credit_balance, ledger_credit_balance, credit_balance_difference,
       credit_reserved, pending_hold_credits, ledger_credit_reserved, credit_reserved_difference,
       credit_used, ledger_credit_used, credit_used_difference,
       credit_available,
       minutes_balance, ledger_minutes_balance, minutes_balance_difference,
       minutes_reserved, pending_hold_minutes, ledger_minutes_reserved, minutes_reserved_difference,
       minutes_used, ledger_minutes_used, minutes_used_difference,
       minutes_available,
       newest_rows_match,
       holds_resolved_wrongly,
       credit_balance_difference = 0 AND credit_reserved_difference = 0 AND ledger_credit_reserved = credit_reserved
           AND credit_used_difference = 0 AND credit_available >= 0
           AND minutes_balance_difference = 0 AND minutes_reserved_difference = 0
           AND ledger_minutes_reserved = minutes_reserved AND minutes_used_difference = 0 AND minutes_available >= 0
           AND newest_rows_match AND holds_resolved_wrongly = 0 AS reconciled
FROM differences;
COMMENT ON VIEW reporting.ledger_reconciliation IS
    'Per account: cached balances, reserved and used against the ledger and the pending holds; reconciled must be true.';

-- Contacts nobody spoke to: jobs that will not be called again (failed; completed or cancelled
-- after at least one attempt) without an answered call. Jobs cancelled before their first
-- attempt are not here: nobody tried to reach them. `last_outcome` is the provider's reason for
-- the last attempt (as the API shows it), `last_call_outcome` our reading of it.
CREATE VIEW reporting.contacts_never_reached AS
SELECT a.account_id,
       b.batch_id,
       b.name                                                  AS batch_name,
       j.job_id,
       j.status,
       j.contact_name,
       j.contact_dni,
       j.phones,
       j.attempts,
       j.max_attempts,
       j.last_outcome,
       last_call.outcome                                       AS last_call_outcome,
       last_call.phone                                         AS last_call_phone,
       last_call.created_at                                    AS last_call_at,
       j.last_error,
       j.completed_at
FROM jobs j
JOIN batches b ON b.id = j.batch_id
JOIN accounts a ON a.id = j.account_id
LEFT JOIN LATERAL (
    SELECT c.outcome, c.phone, c.created_at
    FROM calls c
    WHERE c.job_id = j.id
    ORDER BY c.attempt DESC, c.id DESC
    LIMIT 1
) AS last_call ON true
WHERE (j.status = 'failed' OR (j.status IN ('completed', 'cancelled') AND j.attempts > 0))
  AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.job_id = j.id AND c.outcome = 'answered');
COMMENT ON VIEW reporting.contacts_never_reached IS
    'Jobs finished (failed, or completed/cancelled after an attempt) without any answered call.';

-- Payments the contacts promised: the date and amount the dispatcher read from the agent's
-- collected variables into the job (jobs.fecha_pago_cliente, monto_pago_cliente), beside the text
-- the agent collected on the job's latest call that has any (calls.collected_variables), so that
-- a promise collected on a call but not carried by its job (text that could not be read as a date
-- or an amount) is listed too, with an empty date or amount. `date_passed` and
-- `days_to_promised_date` count from today in the account's time zone.
CREATE VIEW reporting.promises_to_pay AS
SELECT a.account_id,
       b.batch_id,
       b.name                                                  AS batch_name,
       j.job_id,
       j.status,
       j.contact_name,
       j.contact_dni,
       p.phone,
       p.created_at                                            AS call_at,
       j.fecha_pago_cliente                                    AS promised_date,
       j.monto_pago_cliente                                    AS promised_amount,
       CASE WHEN jsonb_typeof(j.payload -> 'debt_amount') = 'number' THEN (j.payload ->> 'debt_amount')::numeric END
                                                               AS debt_amount,
       p.collected_variables ->> 'fecha_pago_cliente'          AS collected_date,
       p.collected_variables ->> 'monto_pago_cliente'          AS collected_amount,
       (now() AT TIME ZONE a.timezone)::date                   AS local_today,
       j.fecha_pago_cliente < (now() AT TIME ZONE a.timezone)::date AS date_passed,
       j.fecha_pago_cliente - (now() AT TIME ZONE a.timezone)::date AS days_to_promised_date
FROM jobs j
JOIN batches b ON b.id = j.batch_id
JOIN accounts a ON a.id = j.account_id
LEFT JOIN LATERAL (
    SELECT c.phone, c.created_at, c.collected_variables
    FROM calls c
    WHERE c.job_id = j.id AND c.collected_variables ?| ARRAY['fecha_pago_cliente', 'monto_pago_cliente']
    ORDER BY c.attempt DESC, c.id DESC
    LIMIT 1
) AS p ON true
WHERE j.fecha_pago_cliente IS NOT NULL OR j.monto_pago_cliente IS NOT NULL OR p.collected_variables IS NOT NULL;
COMMENT ON VIEW reporting.promises_to_pay IS
    'Promised payments per job (date, amount, the collected text), per batch and account; date_passed in the account time zone.';

-- The analysts' role: reads these views and nothing else (no table, no write). Roles belong to
-- the cluster, not the database, and a cluster may hold many databases migrated at once (the
-- tests): the role is created only when missing, and a concurrent creation is not an error.
-- Members log in with their own roles (README, "Reports for analysts").
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'speechai_reporting') THEN
        CREATE ROLE speechai_reporting NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN
        NULL;
    WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'migration 009 needs the role speechai_reporting, and % may not create roles', current_user
            USING HINT = 'As a superuser: CREATE ROLE speechai_reporting NOLOGIN; then run speechai migrate again.';
END
$$;

-- PUBLIC has no right on tables; on PostgreSQL 15 it cannot create in schema public either. The
-- new schema is closed to PUBLIC; the role may use it and read its views.
REVOKE ALL ON SCHEMA reporting FROM PUBLIC;
GRANT USAGE ON SCHEMA reporting TO speechai_reporting;
GRANT SELECT ON reporting.daily_calls_by_outcome, reporting.batch_performance, reporting.batch_counters,
    reporting.cost_and_margin, reporting.ledger_reconciliation, reporting.contacts_never_reached, reporting.promises_to_pay
    TO speechai_reporting;
