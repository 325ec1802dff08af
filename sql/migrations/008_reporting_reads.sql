-- Reads for the dashboard, the call history, the reports and /internal/metrics.

-- What the customers' console reads under payload.additional_info (legacy-console.md §2.8): the
-- coupons consolidated into the contact and its due dates. Jobs imported before this migration
-- had them at the top of the payload; they move, so that each fact has one place.
UPDATE jobs
SET payload = (payload - 'cantidad_cupones' - 'fecha_limite' - 'fecha_maxima')
    || jsonb_build_object('additional_info', jsonb_build_object(
        'cantidad_cupones', payload -> 'cantidad_cupones',
        'fecha_limite', payload -> 'fecha_limite',
        'fecha_maxima', payload -> 'fecha_maxima'))
WHERE payload ? 'cantidad_cupones' AND NOT payload ? 'additional_info';

-- Settled calls per batch, kept by settlement beside total_cost and total_minutes, so that the
-- dashboard's call count and average cost are sums over batches, never a count over `calls`.
ALTER TABLE batches ADD COLUMN settled_calls integer NOT NULL DEFAULT 0 CHECK (settled_calls >= 0);
UPDATE batches b SET settled_calls = c.calls
FROM (SELECT batch_id, count(*) AS calls FROM calls WHERE settled_at IS NOT NULL GROUP BY batch_id) AS c
WHERE c.batch_id = b.id;

-- The call history is newest first, per account, batch or job (calls_by_account_time,
-- calls_by_batch and calls_by_job serve those); a phone is looked up across accounts by admins.
CREATE INDEX calls_by_phone ON calls (phone, created_at);

-- Counters for /internal/metrics, written where the events happen and read with one small scan.
-- Each writer adds to its own shard (its backend pid modulo 16), so that two dispatchers and the
-- webhook never wait on one hot row. Lock order (004): after calls, last of all.
CREATE TABLE metric_counters (
    name        text COLLATE "C" NOT NULL CHECK (name ~ '^[a-z_]+$'),
    label       text COLLATE "C" NOT NULL DEFAULT '',
    shard       smallint NOT NULL CHECK (shard BETWEEN 0 AND 15),
    value       bigint NOT NULL DEFAULT 0 CHECK (value >= 0),
    PRIMARY KEY (name, label, shard)
);

-- Adds counts[i] to the counter (names[i], labels[i]) in the caller's shard.
CREATE FUNCTION speechai_count(names text[], labels text[], counts bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO metric_counters AS m (name, label, shard, value)
    SELECT n, l, pg_backend_pid() % 16, c
    FROM unnest(names, labels, counts) AS t (n, l, c)
    WHERE c > 0
    ORDER BY n, l
    ON CONFLICT (name, label, shard) DO UPDATE SET value = m.value + excluded.value
$$;

-- Calls settled before this migration, by outcome, so that the counters start from the truth.
INSERT INTO metric_counters (name, label, shard, value)
SELECT 'calls_settled', coalesce(outcome, status), 0, count(*) FROM calls WHERE settled_at IS NOT NULL
GROUP BY coalesce(outcome, status);
