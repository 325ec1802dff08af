-- Accounts, API keys, the append-only credit ledger, credit holds, idempotency records and the
-- activity feed.

-- Every amount of credits, money or minutes: exact to 4 decimals, never binary floating point, and
-- bounded to ±10^14 so that the code's fixed-point Amount (Int64 ten-thousandths) holds it exactly.
CREATE DOMAIN amount AS numeric(20,4) CHECK (VALUE BETWEEN -100000000000000 AND 100000000000000);

CREATE TABLE accounts (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id          text NOT NULL UNIQUE CHECK (account_id ~ '^[a-z0-9][a-z0-9_-]{2,63}$'),
    object_id           text NOT NULL UNIQUE DEFAULT speechai_object_id() CHECK (object_id ~ '^[0-9a-f]{24}$'),
    account_name        text NOT NULL CHECK (length(account_name) BETWEEN 1 AND 200),
    contact_name        text NOT NULL CHECK (length(contact_name) BETWEEN 1 AND 200),
    contact_email       text NOT NULL CHECK (length(contact_email) BETWEEN 3 AND 254),
    contact_phone       text CHECK (length(contact_phone) <= 32),
    plan_type           text NOT NULL CHECK (plan_type IN ('credit_based', 'minutes_based', 'unlimited')),
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    suspension_reason   text CHECK (length(suspension_reason) <= 500),
    country             text NOT NULL CHECK (country IN ('CL', 'AR')),
    timezone            text NOT NULL,
    cost_per_minute     amount NOT NULL DEFAULT 0.15 CHECK (cost_per_minute >= 0),
    cost_per_call_setup amount NOT NULL DEFAULT 0.02 CHECK (cost_per_call_setup >= 0),
    cost_failed_call    amount NOT NULL DEFAULT 0 CHECK (cost_failed_call >= 0),
    max_concurrent_calls integer NOT NULL DEFAULT 5 CHECK (max_concurrent_calls BETWEEN 1 AND 1000),
    daily_call_limit    integer NOT NULL DEFAULT 1000 CHECK (daily_call_limit BETWEEN 1 AND 10000000),
    features            jsonb NOT NULL DEFAULT '{}',
    settings            jsonb NOT NULL DEFAULT '{}',
    -- Cached balances, always equal to the ledger (see sql/reports/ledger_reconciliation.sql).
    -- credits: balance = available + reserved; used = running total charged.
    credit_balance      amount NOT NULL DEFAULT 0,
    credit_reserved     amount NOT NULL DEFAULT 0 CHECK (credit_reserved >= 0),
    credit_used         amount NOT NULL DEFAULT 0 CHECK (credit_used >= 0),
    -- minutes: balance = purchased - used = available + reserved.
    minutes_purchased   amount NOT NULL DEFAULT 0 CHECK (minutes_purchased >= 0),
    minutes_used        amount NOT NULL DEFAULT 0 CHECK (minutes_used >= 0),
    minutes_reserved    amount NOT NULL DEFAULT 0 CHECK (minutes_reserved >= 0),
    last_topup_at       timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- Backstops: a bug in the ledger code becomes SQLSTATE 23514, never a negative balance.
    CONSTRAINT credit_available_not_negative CHECK (credit_balance - credit_reserved >= 0),
    CONSTRAINT minutes_available_not_negative CHECK (minutes_purchased - minutes_used - minutes_reserved >= 0)
);

CREATE INDEX accounts_newest_first ON accounts (created_at DESC, id DESC);

CREATE TRIGGER accounts_stamp_updated_at BEFORE UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION speechai_stamp_updated_at();

-- API keys are stored only as SHA-256 hashes. An admin key has no account.
CREATE TABLE api_keys (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id      text NOT NULL UNIQUE,
    key_hash    text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    account_id  bigint REFERENCES accounts (id),
    is_admin    boolean NOT NULL,
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CONSTRAINT admin_keys_have_no_account CHECK (is_admin = (account_id IS NULL))
);

-- Two-phase reservations (TigerBeetle's pending transfers): pending until posted, voided or
-- expired, each exactly once.
CREATE TABLE credit_holds (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hold_id       text NOT NULL UNIQUE DEFAULT 'hold_' || speechai_object_id(),
    account_id    bigint NOT NULL REFERENCES accounts (id),
    unit          text NOT NULL CHECK (unit IN ('credits', 'minutes')),
    amount        amount NOT NULL CHECK (amount > 0),
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'posted', 'voided', 'expired')),
    posted_amount amount,
    reference     text,
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz,
    CONSTRAINT resolved_exactly_when_not_pending CHECK ((status = 'pending') = (resolved_at IS NULL)),
    CONSTRAINT posted_within_hold CHECK (
        (status = 'posted') = (posted_amount IS NOT NULL) AND (posted_amount IS NULL OR posted_amount BETWEEN 0 AND amount))
);

CREATE INDEX credit_holds_pending_by_account ON credit_holds (account_id) WHERE status = 'pending';
CREATE INDEX credit_holds_pending_by_expiry ON credit_holds (expires_at) WHERE status = 'pending';

-- A hold is resolved once: after that its row never changes again.
CREATE FUNCTION speechai_hold_resolves_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'hold % is already %', OLD.hold_id, OLD.status USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER credit_holds_resolve_once BEFORE UPDATE ON credit_holds
    FOR EACH ROW EXECUTE FUNCTION speechai_hold_resolves_once();

-- The ledger. Every movement of money or minutes is one row; rows are never changed or removed.
--   amount          signed change of the balance (credits: credit_balance; minutes: purchased - used)
--   reserved_change signed change of the reserved amount (holds and their releases)
--   cost            the money value of the movement (usage on unlimited plans moves no balance
--                   but is still recorded here)
CREATE TABLE credit_transactions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  text NOT NULL UNIQUE DEFAULT 'txn_' || speechai_object_id(),
    account_id      bigint NOT NULL REFERENCES accounts (id),
    type            text NOT NULL CHECK (type IN (
                        'topup_credits', 'topup_minutes', 'hold', 'hold_release', 'call_usage', 'refund', 'adjustment')),
    unit            text NOT NULL CHECK (unit IN ('credits', 'minutes')),
    amount          amount NOT NULL,
    reserved_change amount NOT NULL DEFAULT 0,
    cost            amount NOT NULL DEFAULT 0 CHECK (cost >= 0),
    balance_after   amount NOT NULL,
    reserved_after  amount NOT NULL CHECK (reserved_after >= 0),
    hold_id         bigint REFERENCES credit_holds (id),
    reference       text,
    description     text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX credit_transactions_by_account ON credit_transactions (account_id, created_at DESC, id DESC);

CREATE FUNCTION speechai_ledger_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'credit_transactions is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER credit_transactions_append_only BEFORE UPDATE OR DELETE ON credit_transactions
    FOR EACH ROW EXECUTE FUNCTION speechai_ledger_is_append_only();
CREATE TRIGGER credit_transactions_no_truncate BEFORE TRUNCATE ON credit_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION speechai_ledger_is_append_only();

-- Stripe-style idempotency: the first response to a key is stored with the money movement it
-- describes, in the same transaction, and replayed for 24 hours.
CREATE TABLE idempotency_keys (
    scope           text NOT NULL,
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash    text NOT NULL,
    response_status integer NOT NULL,
    response_body   text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

-- The activity feed (dashboard `recent_activity`).
CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint REFERENCES accounts (id),
    type        text NOT NULL,
    message     text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_newest_first ON events (created_at DESC, id DESC);
CREATE INDEX events_by_account ON events (account_id, created_at DESC, id DESC);
