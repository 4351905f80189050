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
-- STABLE, not IMMUTABLE: convert_to is STABLE, and PostgreSQL inlines a SQL function only if
-- its body is no more volatile than it is declared. Not inlined, the append function's call
-- parsed and planned this body again in every transaction (measured: ~40 µs of a ~170 µs
-- append).
CREATE OR REPLACE FUNCTION {schema}.{link_function}(
    p_prev bytea, p_id bigint, p_originator_id uuid, p_version bigint, p_topic text,
    p_state bytea)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
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
-- Saves in the statement's transaction (a lone save is a batch of one; several are a group
-- commit, postgres.py): p_sizes[s] events of save s, flattened into the event arrays in save
-- order, p_guard_sizes[s] of its read guards likewise, one idempotency key (or NULL) per save.
-- 1. EXCLUSIVE lock on the events table (lock_timeout from POSTGRES_LOCK_TIMEOUT), so commit
--    order = notification order and tailing readers never skip a committed event;
-- 2. per save, in its own subtransaction: its read guards (an aggregate the command only read
--    must still be at the version it read, else a unique violation, as for a lost race), its
--    events chained onto the last hash and inserted, its idempotency record (position = its
--    last id). A unique violation rolls back that save alone, the hash it chained included;
-- 3. one NOTIFY. One row per save, in order: its ids, or the SQLSTATE and message of its error.
CREATE OR REPLACE FUNCTION {schema}.{append_function}(
    p_sizes integer[],
    p_originator_ids uuid[],
    p_originator_versions bigint[],
    p_topics text[],
    p_states bytea[],
    p_lock_timeout text,
    p_key_ids uuid[],
    p_key_actors text[],
    p_key_fingerprints text[],
    p_key_responses text[],
    p_guard_sizes integer[],
    p_guard_ids uuid[],
    p_guard_versions bigint[])
RETURNS TABLE (save_index integer, ids bigint[], error_state text, error_message text)
LANGUAGE plpgsql
AS $append$
DECLARE
    v_prev bytea;
    v_next bytea;
    v_id bigint;
    v_guard record;
    v_ids bigint[];
    v_hashes bytea[];
    v_first integer := 1;
    v_last integer;
    v_guard_first integer := 1;
    v_guard_last integer;
    v_notify boolean := false;
BEGIN
    IF coalesce(cardinality(p_originator_ids), 0) > 0 THEN
        PERFORM set_config('lock_timeout', p_lock_timeout, true);
        LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;
        SELECT e.hash INTO v_prev FROM {schema}.{table} AS e
            ORDER BY e.notification_id DESC LIMIT 1;
        v_prev := coalesce(v_prev, decode(repeat('00', 32), 'hex'));
    END IF;
    FOR s IN 1..coalesce(cardinality(p_sizes), 0) LOOP
        v_last := v_first + p_sizes[s] - 1;
        v_guard_last := v_guard_first + p_guard_sizes[s] - 1;
        v_ids := ARRAY[]::bigint[];
        v_hashes := ARRAY[]::bytea[];
        v_next := v_prev;
        save_index := s;
        ids := NULL;
        error_state := NULL;
        error_message := NULL;
        BEGIN
            IF v_last >= v_first AND v_guard_last >= v_guard_first THEN
                SELECT g.id, g.version AS read, coalesce(e.version, 0) AS now INTO v_guard
                    FROM unnest(p_guard_ids[v_guard_first:v_guard_last],
                                p_guard_versions[v_guard_first:v_guard_last]) AS g(id, version)
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
            FOR i IN v_first..v_last LOOP
                v_id := nextval({sequence}::regclass);
                v_next := {schema}.{link_function}(
                    v_next, v_id, p_originator_ids[i], p_originator_versions[i], p_topics[i],
                    p_states[i]);
                v_ids := v_ids || v_id;
                v_hashes := v_hashes || v_next;
            END LOOP;
            IF v_last >= v_first THEN
                INSERT INTO {schema}.{table}
                    (originator_id, originator_version, topic, state, notification_id, hash)
                SELECT * FROM unnest(
                    p_originator_ids[v_first:v_last], p_originator_versions[v_first:v_last],
                    p_topics[v_first:v_last], p_states[v_first:v_last], v_ids, v_hashes);
            END IF;
            IF p_key_ids[s] IS NOT NULL THEN
                INSERT INTO {schema}.{idempotency}
                    (key_id, actor, fingerprint, response, position)
                VALUES (p_key_ids[s], p_key_actors[s], p_key_fingerprints[s],
                        p_key_responses[s], v_ids[cardinality(v_ids)]);
            END IF;
            ids := v_ids;
        EXCEPTION WHEN unique_violation THEN
            error_state := SQLSTATE;
            error_message := SQLERRM;
        END;
        IF error_state IS NULL THEN
            v_prev := v_next;
            v_notify := v_notify OR v_last >= v_first;
        END IF;
        RETURN NEXT;
        v_first := v_last + 1;
        v_guard_first := v_guard_last + 1;
    END LOOP;
    IF v_notify THEN
        NOTIFY {channel};
    END IF;
END
$append$
