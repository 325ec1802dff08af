-- pgbench script for benchmark B3: one dispatcher round as plain SQL, with the statements and row
-- locks of DispatchStore and Ledger (set-based, up to 200 jobs a round): the claim-and-hold
-- transaction, the placement record, the settlement transaction and the rescue's two reads. The
-- Swift side adds what SQL alone does not do: the decisions, the dynamic variables, the simulator.
-- Run with 2 clients (the 2 dispatchers) on a fresh set of due jobs; jobs per second = the calls
-- this script inserted (attempt ids 'pgb_…') / the run's seconds.
\set tag random(1, 2000000000)
BEGIN;
-- 1. the batches that may be dialled now, with their free slots and due jobs: of the first 16 active
--    batches in priority order, those inside their windows, locked. (DispatchStore.lockDueBatches
--    first counts their due jobs unlocked and locks only as many as 200 jobs need, then looks at 32,
--    64 … more when the other dispatcher holds them; pgbench cannot loop, so each client looks at
--    16 of its own, :client_id * 16 on, and locks those.)
SELECT coalesce(array_agg(id), '{}') AS wanted FROM (
    SELECT id FROM batches WHERE status = 'active' AND deleted_at IS NULL ORDER BY priority DESC, id
    LIMIT 16 OFFSET :client_id * 16) AS c \gset
SELECT coalesce(array_agg(id), '{}') AS batch_ids FROM (
    SELECT b.id,
        (b.call_settings ->> 'max_concurrent_calls')::integer
            - (SELECT count(*) FROM calls c WHERE c.batch_id = b.id AND c.settled_at IS NULL) AS free_slots,
        (SELECT count(*) FROM (SELECT 1 FROM jobs j
            WHERE j.batch_id = b.id AND j.status IN ('pending', 'scheduled') AND j.next_attempt_at <= now()
            LIMIT 200) AS d) AS due_jobs,
        speechai_local_time(coalesce(b.call_settings ->> 'timezone', a.timezone), now()) AS local_time
    FROM batches b
    JOIN accounts a ON a.id = b.account_id
    LEFT JOIN legal_calling_profiles p ON p.country = b.country AND p.use_case = b.use_case
    WHERE b.id = ANY (:wanted::bigint[]) AND b.status = 'active' AND b.deleted_at IS NULL AND a.status = 'active'
      AND speechai_batch_window_open(b.call_settings, a.timezone, now())
      AND (p.country IS NULL OR speechai_profile_window_open(p, now()))
      AND EXISTS (SELECT 1 FROM jobs j
                  WHERE j.batch_id = b.id AND j.status IN ('pending', 'scheduled') AND j.next_attempt_at <= now())
    ORDER BY b.priority DESC, b.id
    FOR NO KEY UPDATE OF b SKIP LOCKED) AS due \gset
-- 2. their accounts, with what each may still dial (lockAccounts)
SELECT count(*) AS locked_accounts FROM (
    SELECT a.id, a.credit_balance - a.credit_reserved AS available,
        least(a.max_concurrent_calls - (SELECT count(*) FROM calls c WHERE c.account_id = a.id AND c.settled_at IS NULL),
              a.daily_call_limit - (SELECT count(*) FROM calls c WHERE c.account_id = a.id
                  AND c.created_at >= date_trunc('day', now() AT TIME ZONE a.timezone) AT TIME ZONE a.timezone)) AS free_slots
    FROM accounts a
    WHERE a.id IN (SELECT account_id FROM batches WHERE id = ANY (:batch_ids::bigint[]))
    ORDER BY a.id FOR UPDATE) AS locked \gset
-- 3. the due jobs, batch by batch, at most 200 in all (dueJobs)
SELECT coalesce(array_agg(id), '{}') AS job_ids, coalesce(array_agg(account_id), '{}') AS job_accounts FROM (
    SELECT j.id, j.account_id, j.payload::text AS payload
    FROM unnest(:batch_ids::bigint[]) WITH ORDINALITY AS t (batch_id, position)
    CROSS JOIN LATERAL (
        SELECT j.* FROM jobs j
        WHERE j.batch_id = t.batch_id AND j.status IN ('pending', 'scheduled') AND j.next_attempt_at <= now()
        ORDER BY j.next_attempt_at, j.id
        LIMIT 200
        FOR UPDATE SKIP LOCKED) AS j
    LIMIT 200) AS claimed \gset
-- 4. the do-not-call list of those accounts
SELECT count(*) AS listed FROM do_not_call WHERE account_id = ANY (:job_accounts::bigint[]);
-- 5. the holds, the balances, the ledger (Ledger.placeHolds; ids made by the client, as ObjectIdSequence does)
WITH h AS (
    INSERT INTO credit_holds (hold_id, account_id, unit, amount, reference, expires_at)
    SELECT 'hold_' || :tag || '_' || r.position, r.account_id, 'credits', 0.47, 'pgb_' || :tag || '_' || r.position,
        now() + interval '1 hour'
    FROM unnest(:job_accounts::bigint[]) WITH ORDINALITY AS r (account_id, position)
    ORDER BY r.position
    RETURNING id)
SELECT coalesce(array_agg(id ORDER BY id), '{}') AS hold_ids FROM h \gset
WITH u AS (
    UPDATE accounts SET credit_reserved = credit_reserved + d.reserved
    FROM (SELECT account_id, count(*) * 0.47 AS reserved FROM unnest(:job_accounts::bigint[]) AS a (account_id)
          GROUP BY account_id) AS d
    WHERE accounts.id = d.account_id
    RETURNING accounts.id)
SELECT count(*) AS held_accounts FROM u \gset
INSERT INTO credit_transactions (transaction_id, account_id, type, unit, amount, reserved_change, cost, balance_after,
    reserved_after, hold_id, reference, description)
SELECT 'txn_h' || h.id, h.account_id, 'hold', 'credits', 0, 0.47, 0, a.credit_balance, a.credit_reserved, h.id, h.reference,
    'Reserva'
FROM credit_holds h JOIN accounts a ON a.id = h.account_id
WHERE h.id = ANY (:hold_ids::bigint[]);
-- 6. the jobs and their attempts
UPDATE jobs SET status = 'in_progress', attempts = attempts + 1, started_at = coalesce(started_at, now()), last_error = NULL
WHERE id = ANY (:job_ids::bigint[]);
WITH c AS (
    INSERT INTO calls (attempt_id, job_id, batch_id, account_id, contact_key, attempt, phone, phone_index, provider,
        hold_id, created_at, poll_after, lost_after)
    SELECT 'pgb_' || :tag || '_' || c.position, j.id, j.batch_id, j.account_id, j.contact_key, j.attempts, j.phones[1], 0,
        'simulator', c.hold_id, now(), now(), now() + interval '10 minutes'
    FROM unnest(:job_ids::bigint[], :hold_ids::bigint[]) WITH ORDINALITY AS c (job_id, hold_id, position)
    JOIN jobs j ON j.id = c.job_id
    RETURNING id)
SELECT coalesce(array_agg(id), '{}') AS call_ids FROM c \gset
COMMIT;
-- the placement record (recordAccepted)
UPDATE calls SET provider_call_id = 'sim_' || attempt_id, status = 'placed', accepted_at = now()
WHERE id = ANY (:call_ids::bigint[]) AND status = 'placing';
-- the rescue: the open calls due, then their settlement (DispatchStore.settle)
SELECT id, provider_call_id, lost_after FROM calls WHERE settled_at IS NULL AND poll_after <= now() ORDER BY poll_after LIMIT 1000;
BEGIN;
SELECT id, batch_id, account_id, job_id FROM calls WHERE id = ANY (:call_ids::bigint[]) AND settled_at IS NULL;
SELECT b.id, b.status, b.call_settings::text, a.timezone FROM batches b JOIN accounts a ON a.id = b.account_id
WHERE b.id = ANY (:batch_ids::bigint[]) ORDER BY b.id FOR NO KEY UPDATE OF b;
SELECT * FROM accounts WHERE id = ANY (:job_accounts::bigint[]) ORDER BY id FOR UPDATE;
SELECT id, status, attempts, max_attempts, next_phone_index, cardinality(phones) FROM jobs
WHERE id = ANY (:job_ids::bigint[]) ORDER BY id FOR UPDATE;
SELECT c.id, h.hold_id, h.amount FROM calls c LEFT JOIN credit_holds h ON h.id = c.hold_id
WHERE c.id = ANY (:call_ids::bigint[]) AND c.settled_at IS NULL ORDER BY c.id FOR UPDATE OF c;
SELECT * FROM credit_holds WHERE id = ANY (:hold_ids::bigint[]) ORDER BY id FOR UPDATE;
UPDATE credit_holds SET status = 'posted', posted_amount = 0.2, resolved_at = now() WHERE id = ANY (:hold_ids::bigint[]);
UPDATE accounts SET credit_reserved = credit_reserved - d.n * 0.47, credit_balance = credit_balance - d.n * 0.2,
    credit_used = credit_used + d.n * 0.2
FROM (SELECT account_id, count(*) AS n FROM unnest(:job_accounts::bigint[]) AS a (account_id) GROUP BY account_id) AS d
WHERE accounts.id = d.account_id;
INSERT INTO credit_transactions (transaction_id, account_id, type, unit, amount, reserved_change, cost, balance_after,
    reserved_after, hold_id, reference, description)
SELECT 'txn_' || m.type || h.id, h.account_id, m.type, 'credits', m.amount, m.reserved_change, m.cost, a.credit_balance, a.credit_reserved, h.id,
    h.reference, m.type
FROM credit_holds h JOIN accounts a ON a.id = h.account_id
CROSS JOIN (VALUES ('hold_release', 0, -0.47, 0), ('call_usage', -0.2, 0, 0.2)) AS m (type, amount, reserved_change, cost)
WHERE h.id = ANY (:hold_ids::bigint[]);
UPDATE calls SET status = 'ended', outcome = 'answered', call_status = 'ended', disconnection_reason = 'user_hangup',
    duration_ms = 30000, charged_cost = 0.2, charged_minutes = 0.5, started_at = now(), ended_at = now(), settled_at = now(),
    raw_payload = '{"call_status": "ended"}'
WHERE id = ANY (:call_ids::bigint[]);
UPDATE batches SET total_cost = total_cost + d.n * 0.2, total_minutes = total_minutes + d.n * 0.5
FROM (SELECT j.batch_id, count(*) AS n FROM jobs j WHERE j.id = ANY (:job_ids::bigint[]) GROUP BY j.batch_id) AS d
WHERE batches.id = d.batch_id;
UPDATE jobs SET status = 'completed', next_attempt_at = now(), last_outcome = 'user_hangup', last_error = NULL,
    completed_at = now()
WHERE id = ANY (:job_ids::bigint[]);
COMMIT;
SELECT hold_id FROM credit_holds WHERE status = 'pending' AND expires_at <= now() ORDER BY expires_at LIMIT 1000;
