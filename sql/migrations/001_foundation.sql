-- Foundation shared by every table: ObjectId-shaped public ids and updated_at stamping.

-- 24 lowercase hex characters shaped like a MongoDB ObjectId (4-byte seconds + 8 random bytes),
-- the `_id` every account, batch and job carries for the legacy console. The random part takes
-- the fully random tails of two v4 UUIDs (gen_random_uuid is built in; no extension needed).
CREATE FUNCTION speechai_object_id() RETURNS text
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    SELECT lpad(to_hex(floor(extract(epoch FROM clock_timestamp()))::bigint), 8, '0')
        || right(replace(gen_random_uuid()::text, '-', ''), 12)
        || right(replace(gen_random_uuid()::text, '-', ''), 4)
$$;

-- BEFORE UPDATE trigger body: every change of a row stamps updated_at.
CREATE FUNCTION speechai_stamp_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
