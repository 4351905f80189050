-- The chained PostgreSQL recorder's schema and its ONE append path (see postgres.py).
-- Each "-- name:" line starts a statement; {placeholders} are identifiers filled in by
-- postgres.py with psycopg.sql ({sequence} is the events table's notification_id sequence).

-- name: events_table
CREATE TABLE IF NOT EXISTS {schema}.{table} (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text,
    state bytea,
    notification_id bigserial,
    hash bytea NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (originator_id, originator_version))
WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01)

-- name: idempotency_table
CREATE TABLE IF NOT EXISTS {schema}.{idempotency} (
    key_id uuid PRIMARY KEY,
    actor text NOT NULL,
    fingerprint text NOT NULL,
    response text NOT NULL,
    position bigint,
    created_at timestamptz NOT NULL DEFAULT now())

-- name: link_function
-- The chain's encoding in SQL (application/store/chain.py has the same in Python; a property
-- test compares them): SHA-256(prev || canonical bytes of one event).
CREATE OR REPLACE FUNCTION {schema}.{link_function}(
    p_prev bytea, p_id bigint, p_originator_id uuid, p_version bigint, p_topic text,
    p_state bytea)
RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $link$
    SELECT sha256(
        p_prev
        || int8send(p_id)
        || uuid_send(p_originator_id)
        || int8send(p_version)
        || int4send(octet_length(convert_to(p_topic, 'UTF8'))) || convert_to(p_topic, 'UTF8')
        || int4send(octet_length(p_state)) || p_state)
$link$

-- name: append_function
-- One save (events, its idempotency record, its read guards) in the statement's transaction:
-- 1. EXCLUSIVE lock on the events table (lock_timeout from POSTGRES_LOCK_TIMEOUT), so commit
--    order = notification order and tailing readers never skip a committed event;
-- 2. read guards: an aggregate the command only read must still be at the version it read,
--    else a unique violation, as for a lost race (the command decides again);
-- 3. chain each event onto the last row's hash, insert them, NOTIFY;
-- 4. the idempotency record (position = the save's last id). Returns the notification ids.
CREATE OR REPLACE FUNCTION {schema}.{append_function}(
    p_originator_ids uuid[],
    p_originator_versions bigint[],
    p_topics text[],
    p_states bytea[],
    p_lock_timeout text,
    p_key_id uuid,
    p_key_actor text,
    p_key_fingerprint text,
    p_key_response text,
    p_guard_ids uuid[],
    p_guard_versions bigint[])
RETURNS bigint[]
LANGUAGE plpgsql
AS $append$
DECLARE
    v_count integer := coalesce(cardinality(p_originator_ids), 0);
    v_prev bytea;
    v_id bigint;
    v_guard record;
    v_ids bigint[] := ARRAY[]::bigint[];
    v_hashes bytea[] := ARRAY[]::bytea[];
BEGIN
    IF v_count > 0 THEN
        PERFORM set_config('lock_timeout', p_lock_timeout, true);
        LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;
        IF coalesce(cardinality(p_guard_ids), 0) > 0 THEN
            SELECT g.id, g.version AS read, coalesce(e.version, 0) AS now INTO v_guard
                FROM unnest(p_guard_ids, p_guard_versions) AS g(id, version)
                LEFT JOIN LATERAL (
                    SELECT max(x.originator_version) AS version FROM {schema}.{table} AS x
                    WHERE x.originator_id = g.id) AS e ON true
                WHERE coalesce(e.version, 0) <> g.version
                LIMIT 1;
            IF FOUND THEN
                RAISE unique_violation USING MESSAGE = format(
                    'stale read: aggregate %s was read at version %s and is now at version %s',
                    v_guard.id, v_guard.read, v_guard.now);
            END IF;
        END IF;
        SELECT e.hash INTO v_prev FROM {schema}.{table} AS e
            ORDER BY e.notification_id DESC LIMIT 1;
        v_prev := coalesce(v_prev, decode(repeat('00', 32), 'hex'));
        FOR i IN 1..v_count LOOP
            v_id := nextval({sequence}::regclass);
            v_prev := {schema}.{link_function}(
                v_prev, v_id, p_originator_ids[i], p_originator_versions[i], p_topics[i],
                p_states[i]);
            v_ids[i] := v_id;
            v_hashes[i] := v_prev;
        END LOOP;
        INSERT INTO {schema}.{table}
            (originator_id, originator_version, topic, state, notification_id, hash)
        SELECT * FROM unnest(
            p_originator_ids, p_originator_versions, p_topics, p_states, v_ids, v_hashes);
        NOTIFY {channel};
    END IF;
    IF p_key_id IS NOT NULL THEN
        INSERT INTO {schema}.{idempotency}
            (key_id, actor, fingerprint, response, position)
        VALUES (p_key_id, p_key_actor, p_key_fingerprint, p_key_response, v_ids[v_count]);
    END IF;
    RETURN v_ids;
END
$append$
