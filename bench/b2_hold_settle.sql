-- pgbench script for benchmark B2: the same SQL transactions as Ledger.hold and Ledger.post, with
-- the same row locks, on accounts :first..:last (set with -D). One run of this script = one pair.
\set aid random(:first, :last)
BEGIN;
SELECT id, credit_balance, credit_reserved FROM accounts WHERE id = :aid FOR UPDATE;
INSERT INTO credit_holds (account_id, unit, amount, reference, expires_at)
    VALUES (:aid, 'credits', 0.47, 'pgbench', now() + interval '1 hour') RETURNING id AS hold \gset
UPDATE accounts SET credit_reserved = credit_reserved + 0.47 WHERE id = :aid
    RETURNING credit_balance AS b, credit_reserved AS r \gset
INSERT INTO credit_transactions (account_id, type, unit, amount, reserved_change, cost, balance_after, reserved_after, hold_id, reference, description)
    VALUES (:aid, 'hold', 'credits', 0, 0.47, 0, :b, :r, :hold, 'pgbench', 'Reserva');
COMMIT;
BEGIN;
SELECT account_id FROM credit_holds WHERE id = :hold;
SELECT id, credit_balance, credit_reserved FROM accounts WHERE id = :aid FOR UPDATE;
SELECT id, status, amount FROM credit_holds WHERE id = :hold FOR UPDATE;
UPDATE credit_holds SET status = 'posted', posted_amount = 0.2, resolved_at = now() WHERE id = :hold;
UPDATE accounts SET credit_reserved = credit_reserved - 0.47, credit_balance = credit_balance - 0.2,
    credit_used = credit_used + 0.2 WHERE id = :aid
    RETURNING credit_balance AS b, credit_reserved AS r \gset
INSERT INTO credit_transactions (account_id, type, unit, amount, reserved_change, cost, balance_after, reserved_after, hold_id, reference, description)
    VALUES (:aid, 'hold_release', 'credits', 0, -0.47, 0, :b + 0.2, :r, :hold, 'pgbench', 'Liberación');
INSERT INTO credit_transactions (account_id, type, unit, amount, reserved_change, cost, balance_after, reserved_after, hold_id, reference, description)
    VALUES (:aid, 'call_usage', 'credits', -0.2, 0, 0.2, :b, :r, :hold, 'pgbench', 'Uso');
COMMIT;
