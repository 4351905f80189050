"""PostgreSQL application recorder that hash-chains the event log (see chain.py).

ONE append path: a prepared ``SELECT ... FROM <schema>.<table>_append(...)`` of the plpgsql
function in postgres.sql (created by create_table), one round trip for one or several saves. In
the statement's transaction it takes the ``EXCLUSIVE`` lock on the events table like the
library's recorder (commit order = notification order), then per save checks its read guards,
chains and inserts its events and writes its idempotency record, and ``NOTIFY``s once. A lone
save is a batch of one; saves made concurrently in this process are grouped (group_commit.py).
(The library's "db functions" mode is not used: it drops the table lock.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    PersistenceError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier, Literal

from application.store.group_commit import (
    AppendArgs,
    GroupCommit,
    Pending,
    Save,
    originator_uuid,
)
from application.store.pool import FAIL_FAST, FIND_ON_RETRY, ping_when_idle
from application.store.records import (
    ChainRow,
    IdempotencyRecord,
    ReadGuard,
    StoredIdempotency,
)

if TYPE_CHECKING:
    from psycopg import Cursor
    from psycopg.rows import DictRow

IDEMPOTENCY_TABLE = "idempotency_records"


def _load_sql() -> dict[str, str]:
    """postgres.sql's statements by their ``-- name:`` (package data, read once at import)."""
    text = files("application.store").joinpath("postgres.sql").read_text(encoding="utf-8")
    parts = re.split(r"^-- name: (\w+)\n", text, flags=re.MULTILINE)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


SQL_TEXT = _load_sql()


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    idempotency_table_name = IDEMPOTENCY_TABLE
    # Share one transaction between saves made concurrently in this process (group_commit.py).
    group_commit = True

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
    ):
        if datastore.originator_id_type != "uuid":
            msg = "ChainedPostgresRecorder needs ORIGINATOR_ID_TYPE=uuid (the chain hashes UUIDs)"
            raise ProgrammingError(msg)
        super().__init__(datastore, events_table_name=events_table_name)
        ping_when_idle(datastore.pool)  # instead of the library's ping on every checkout
        # Not the library's (the table's name alone): other schemas' saves would wake our readers.
        self.channel_name = f"{datastore.schema}_{events_table_name}"
        self.append_function_name = f"{events_table_name}_append"
        self.link_function_name = f"{events_table_name}_link"
        self.check_identifier_length(self.append_function_name)
        self._names = {
            "schema": Identifier(self.datastore.schema),
            "table": Identifier(self.events_table_name),
            "idempotency": Identifier(self.idempotency_table_name),
            "append_function": Identifier(self.append_function_name),
            "link_function": Identifier(self.link_function_name),
            "channel": Identifier(self.channel_name),
        }
        # Keep the library's notification_id index; replace its table, and drop its
        # composite type and lock-free insert function (neither is used here).
        library_table = self.sql_create_statements[self.create_table_statement_index]
        statements = [
            SQL(SQL_TEXT["events_table"]).format(**self._names) if s is library_table else s
            for s in self.sql_create_statements
            if s is not self.sql_create_pg_function_insert_events
            and "CREATE TYPE" not in s.as_string()
        ]
        statements.append(SQL(SQL_TEXT["idempotency_table"]).format(**self._names))
        self.sql_create_statements = statements

        # Binary parameters (%b): psycopg dumps the arrays in half the CPU of text (no quoting).
        self.append_statement = self._render(
            "SELECT ids, error_state, error_message FROM {schema}.{append_function}("
            "%b::integer[], %b::uuid[], %b::bigint[], %b::text[], %b::bytea[], %b::text, "
            "%b::uuid[], %b::text[], %b::text[], %b::text[], %b::integer[], %b::uuid[], "
            "%b::bigint[]) ORDER BY save_index")
        self._group = GroupCommit(self._flush_group)
        # The columns in ChainRow's field order: chain_rows makes a ChainRow of each row.
        self.select_chain_statement = self._render(
            "SELECT notification_id, originator_id, originator_version, topic, state, hash "
            "FROM {schema}.{table} WHERE notification_id > %s "
            "ORDER BY notification_id LIMIT %s")
        self.select_head_statement = self._render(
            "SELECT notification_id, hash FROM {schema}.{table} "
            "ORDER BY notification_id DESC LIMIT 1")
        self.select_events_of_statement = self._render(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM {schema}.{table} AS e JOIN unnest(%b::uuid[], %b::int[]) AS w(id, after) "
            "ON e.originator_id = w.id AND e.originator_version > w.after "
            "ORDER BY e.originator_id, e.originator_version")
        self.select_positions_statement = self._render(
            "SELECT originator_version, notification_id, hash FROM {schema}.{table} "
            "WHERE originator_id = %s")
        self.select_landed_statement = self._render(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state, e.notification_id "
            "FROM {schema}.{table} AS e "
            "JOIN unnest(%s::uuid[], %s::bigint[]) AS k(id, version) "
            "ON e.originator_id = k.id AND e.originator_version = k.version")
        self.select_idempotency_statement = self._render(
            "SELECT key_id, actor, fingerprint, response, position, created_at "
            "FROM {schema}.{idempotency} WHERE key_id = %s")
        self.lock_timeout_setting = f"{int(self.datastore.lock_timeout)}s"
        self._notification_statements: dict[str, bytes] = {}
        self._events_statements: dict[tuple[bool, bool, bool, bool], bytes] = {}
        self.select_max_id_statement = self._render(
            "SELECT MAX(notification_id) FROM {schema}.{table}")

    def _render(self, template: str) -> bytes:
        """A statement with this recorder's names filled in, as the bytes sent: built once."""
        return SQL(template).format(**self._names).as_bytes(None)  # type: ignore[arg-type]

    @FAIL_FAST
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The library's query (one aggregate's events: every repository read), its statement
        rendered once per shape instead of composed and rendered on every call, as tuples."""
        shape = (gt is not None, lte is not None, desc, limit is not None)
        if (statement := self._events_statements.get(shape)) is None:
            statement = self._events_statements[shape] = self._render(
                "SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
                "WHERE originator_id = %s" + " AND originator_version > %s" * shape[0]
                + " AND originator_version <= %s" * shape[1] + " ORDER BY originator_version "
                + ("DESC" if desc else "ASC") + " LIMIT %s" * shape[3])
        params = [originator_id, *(p for p in (gt, lte, limit) if p is not None)]
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement, params, prepare=True)
            return [
                StoredEvent(originator_id=row[0], originator_version=row[1], topic=row[2],
                            state=bytes(row[3]))
                for row in curs.fetchall()
            ]

    @FAIL_FAST
    def max_notification_id(self) -> int | None:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            row = curs.execute(self.select_max_id_statement, prepare=True).fetchone()
        return None if row is None else row[0]

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        # Serialise concurrent create_table() calls (several processes starting at once):
        # concurrent CREATE OR REPLACE FUNCTION fails with "tuple concurrently updated".
        qualified = Identifier(self.datastore.schema, self.events_table_name).as_string(curs)
        curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (qualified,))
        super()._create_table(curs)
        curs.execute("SELECT pg_get_serial_sequence(%s, 'notification_id') AS seq", (qualified,))
        row = curs.fetchone()
        assert row is not None and row["seq"], f"no notification_id sequence on {qualified}"
        for name in ("link_function", "append_function"):
            statement = SQL(SQL_TEXT[name]).format(sequence=Literal(row["seq"]), **self._names)
            curs.execute(statement, prepare=False)

    # Writing.

    @FIND_ON_RETRY
    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        idempotency: IdempotencyRecord | None = None,
        guards: Sequence[ReadGuard] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if not stored_events and idempotency is None:
            return []
        save = Save(stored_events, idempotency, guards)
        if self.group_commit:
            return self._group.submit(save)
        return self._append(save)

    def _append(self, save: Save) -> list[int]:
        """One save alone: one round trip, one transaction."""
        ids, error_state, error_message = self._append_saves([save])[0]
        if error_state is not None:
            raise IntegrityError(error_message)
        return list(ids)

    def _append_saves(self, saves: Sequence[Save]) -> list[tuple[Any, ...]]:
        """Saves in one round trip and one transaction: per save, (ids, SQLSTATE, message)."""
        args = AppendArgs.of(saves, self.lock_timeout_setting)
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self.append_statement, args, prepare=True)
            return curs.fetchall()

    def _flush_group(self, batch: list[Pending]) -> None:
        """Answer every save of a group (called by its leader, see group_commit.py)."""
        if len(batch) > 1:
            try:
                rows = self._append_saves([pending.save for pending in batch])
            except (InterfaceError, OperationalError) as error:
                # The transaction may or may not have committed: each caller retries and
                # finds its own save if it did (FIND_ON_RETRY).
                for pending in batch:
                    pending.fail(error)
                return
            except PersistenceError:
                rows = None  # one save broke the group: answer each one on its own, below
            if rows is not None:
                for pending, (ids, error_state, message) in zip(batch, rows, strict=True):
                    if error_state is None:
                        pending.ids = list(ids)
                    else:
                        pending.error = IntegrityError(message)
                return
        for pending in batch:
            try:
                pending.ids = self._append(pending.save)
            except Exception as error:
                pending.error = error

    def _landed(
        self, stored_events: Sequence[StoredEvent], idempotency: IdempotencyRecord | None
    ) -> list[int] | None:
        """The ids of this very save if it is stored (see FIND_ON_RETRY), else None."""
        if not stored_events:
            assert idempotency is not None
            stored = self.get_idempotency_record(idempotency.key_id)
            same = stored is not None and (stored.actor, stored.fingerprint, stored.response) == (
                idempotency.actor, idempotency.fingerprint, idempotency.response)
            return [] if same else None
        keys = [(originator_uuid(s.originator_id), s.originator_version) for s in stored_events]
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(
                self.select_landed_statement,
                ([k[0] for k in keys], [k[1] for k in keys]),
                prepare=False,
            )
            found = {(row[0], row[1]): row[2:] for row in curs.fetchall()}
        ids = []
        for key, event in zip(keys, stored_events, strict=True):
            row = found.get(key)
            if row is None or (row[0], bytes(row[1])) != (event.topic, bytes(event.state)):
                return None
            ids.append(row[2])
        return ids

    # Reading.

    @FAIL_FAST
    def chain_rows(self, after: int = 0, limit: int = 1000) -> list[ChainRow]:
        """Stored rows with position > `after`, in position order, as stored.

        Plain tuples in binary format: bytea arrives as bytes and uuid as UUID without text
        parsing, and the columns are in ChainRow's field order (see select_chain_statement).
        """
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self.select_chain_statement, (after, limit), prepare=True, binary=True)
            return list(map(ChainRow._make, curs.fetchall()))

    @FAIL_FAST
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The library's query, reading only a notification's columns (not the hash), in binary,
        as tuples: every reader of the log (read models, rebuilds, the event feed) comes this
        way. Measured: 9 -> 5 µs of CPU per event."""
        where: list[str] = []
        params: list[Any] = []
        if start is not None:
            where.append("notification_id >= %s" if inclusive_of_start else "notification_id > %s")
            params.append(start)
        if stop is not None:
            where.append("notification_id <= %s")
            params.append(stop)
        if topics:
            where.append("topic = ANY(%s)")
            params.append(list(topics))
        params.append(limit)
        where_clause = " WHERE " + " AND ".join(where) if where else ""
        statement = self._notification_statements.get(where_clause)
        if statement is None:
            statement = self._render(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {schema}.{table}" + where_clause + " ORDER BY notification_id LIMIT %s")
            self._notification_statements[where_clause] = statement
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement, params, prepare=True, binary=True)
            return [
                Notification(id=row[0], originator_id=row[1], originator_version=row[2],
                             topic=row[3], state=row[4])
                for row in curs.fetchall()
            ]

    @FAIL_FAST
    def select_events_of(
        self, originator_ids: Sequence[UUID], after: Sequence[int] | None = None
    ) -> list[StoredEvent]:
        """Every stored event of these aggregates (after ``after``'s version of each) in one
        statement, by aggregate and version."""
        versions = list(after) if after is not None else [0] * len(originator_ids)
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self.select_events_of_statement, (list(originator_ids), versions),
                         prepare=True, binary=True)
            return [
                StoredEvent(originator_id=row[0], originator_version=row[1], topic=row[2],
                            state=bytes(row[3]))
                for row in curs.fetchall()
            ]

    @FAIL_FAST
    def positions_of(self, originator_id: UUID) -> dict[int, tuple[int, bytes | None]]:
        """{version: (position, hash)} of one aggregate's stored events."""
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self.select_positions_statement, (originator_id,), prepare=True)
            return {
                version: (position, None if hash_ is None else bytes(hash_))
                for version, position, hash_ in curs.fetchall()
            }

    @FAIL_FAST
    def chain_head(self) -> tuple[int, bytes] | None:
        """(position, hash) of the last stored event, or None when the log is empty."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_head_statement, prepare=True)
            row = curs.fetchone()
        return None if row is None else (row["notification_id"], bytes(row["hash"]))

    @FAIL_FAST
    def get_idempotency_record(self, key_id: UUID) -> StoredIdempotency | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_idempotency_statement, (key_id,), prepare=True)
            row = curs.fetchone()
        return None if row is None else StoredIdempotency(**row)  # the columns are its fields


def open_postgres_recorder(
    *,
    dbname: str,
    host: str = "127.0.0.1",
    port: int | str = 5432,
    user: str = "postgres",
    password: str = "",
    schema: str = "",
    pool_size: int = 2,
    max_overflow: int = 2,
    connect_timeout: float = 5.0,
    lock_timeout: int = 5,
    events_table_name: str = "stored_events",
    create_table: bool = True,
) -> ChainedPostgresRecorder:
    """A recorder with its own small pool (tests, tools); apps use the factory + topic.

    Close it with ``recorder.datastore.close()``. The schema must exist.
    """
    datastore = PostgresDatastore(
        dbname=dbname, host=host, port=port, user=user, password=password,
        connect_timeout=connect_timeout, pool_size=pool_size, max_overflow=max_overflow,
        lock_timeout=lock_timeout, schema=schema,
    )
    recorder = ChainedPostgresRecorder(datastore, events_table_name=events_table_name)
    if create_table:
        recorder.create_table()
    return recorder
