"""Persistent views: a projection's tables and tracking row, in the database that holds the log.

Each view is one *generation* of a projection's tables (``rm_<view>_g<n>_<table>``) with its own
tracking key (``Lianping/<view>/<n>``, in the library's tracking table). ``rm_pointer`` names the
generation that serves reads; a rebuild fills generation n+1 while n serves, then moves the
pointer in one transaction (see rebuild.py).

Exactly once: a batch of events, its row changes and its tracking position commit in ONE
transaction; events at or below the tracking position are skipped, and the library's tracking
insert refuses to move backwards, so replays and racing writers change nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, cast

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore, SQLiteTrackingRecorder
from psycopg import IsolationLevel
from psycopg.pq import TransactionStatus
from psycopg.sql import SQL, Identifier

from application.store.sqlite import immediate_transaction
from projections.envelope import Envelope
from projections.remembered import Known, Remembered
from projections.tables import Change, Key, Projection, Row, Table, project, resolved

POINTER = "rm_pointer"
# The library's tracking tables (SQLite: fixed name; PostgreSQL: the default name).
SQLITE_TRACKING_TABLE = "tracking"
PG_TRACKING_TABLE = "notification_tracking"
APPLICATION = "Lianping"


def tracking_prefix(view: str) -> str:
    return f"{APPLICATION}/{view}/"


def tracking_name(view: str, generation: int) -> str:
    return f"{tracking_prefix(view)}{generation}"


def table_name(view: str, generation: int, table: Table) -> str:
    return f"rm_{view}_g{generation}_{table.name}"


class Reader(Protocol):
    """One consistent snapshot of a view: rows and the position they reflect."""

    position: int

    def table(self, table: Table) -> str: ...

    @property
    def events_table(self) -> str: ...

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


class Dialect:
    """What differs between the stores, in one place: placeholders, names, types."""

    placeholder = "?"
    integer = "INTEGER"

    def __init__(self, schema: str | None = None) -> None:
        self.schema = schema

    @staticmethod
    def quote(raw: str) -> str:
        return '"' + raw.replace('"', '""') + '"'

    def name(self, raw: str) -> str:
        """A table's name, qualified by the schema on PostgreSQL."""
        if self.schema is None:
            return self.quote(raw)
        return f"{self.quote(self.schema)}.{self.quote(raw)}"

    def sql(self, statement: str) -> str:
        return statement if self.placeholder == "?" else statement.replace("?", "%s")


class PostgresDialect(Dialect):
    placeholder = "%s"
    integer = "BIGINT"


def fetch_rows(cursor: Any) -> list[Row]:
    """Rows as dicts: PostgreSQL's cursors make them already (psycopg's dict_row), SQLite's
    give sqlite3.Row."""
    rows = cursor.fetchall()
    if rows and not isinstance(rows[0], dict):
        return [dict(row) for row in rows]
    return cast(list[Row], rows)


class SqlRows:
    """The fold's rows during one batch: reads go to the transaction (and are cached), changes
    are kept and written at the end with one statement per table."""

    def __init__(
        self, view: ViewBase, cursor: Any, known: Known | None = None, older: Known | None = None
    ) -> None:
        self._view = view
        self._cursor = cursor
        self._cache: Known = {} if known is None else known
        self._older: Known = {} if older is None else older
        self._dirty: dict[str, dict[Key, Row | None]] = {}

    def get(self, table: Table, key: Key) -> Row | None:
        slot = (table.name, key)
        if slot not in self._cache and slot in self._older:
            self._cache[slot] = self._older.pop(slot)
        if slot not in self._cache:
            self._cursor.execute(self._view.select_sql[table.name], key)
            found = fetch_rows(self._cursor)
            self._cache[slot] = found[0] if found else None
        row = self._cache[slot]
        return None if row is None else dict(row)

    def apply(self, change: Change) -> None:
        table = change.table
        key, row = resolved(change)
        self._cache[(table.name, key)] = row
        self._dirty.setdefault(table.name, {})[key] = row

    def flush(self) -> None:
        for table in self._view.projection.tables:
            dirty = self._dirty.get(table.name, {})
            puts = [tuple(row[c] for c in table.columns) for row in dirty.values() if row]
            deletes = [key for key, row in dirty.items() if row is None]
            if puts:
                self._cursor.executemany(self._view.upsert_sql[table.name], puts)
            if deletes:
                self._cursor.executemany(self._view.delete_sql[table.name], deletes)
        self._dirty.clear()


class ViewBase:
    """Shared by both stores; mixed into the library's tracking recorders below."""

    dialect: Dialect
    projection: Projection
    generation: int
    tracking_name: str

    def _setup(self, projection: Projection, generation: int, dialect: Dialect) -> None:
        self.projection = projection
        self.generation = generation
        self.dialect = dialect
        self.tracking_name = tracking_name(projection.name, generation)
        self._processing = threading.Lock()
        self._remembered = Remembered()
        self.tables = {
            t.name: dialect.name(table_name(projection.name, generation, t))
            for t in projection.tables
        }
        self.select_sql: dict[str, str] = {}
        self.upsert_sql: dict[str, str] = {}
        self.delete_sql: dict[str, str] = {}
        for t in projection.tables:
            name, where = self.tables[t.name], " AND ".join(f"{c} = ?" for c in t.key)
            values = ", ".join("?" for _ in t.columns)
            update = ", ".join(f"{c} = excluded.{c}" for c in t.columns if c not in t.key)
            action = f"DO UPDATE SET {update}" if update else "DO NOTHING"
            self.select_sql[t.name] = dialect.sql(f"SELECT * FROM {name} WHERE {where}")
            self.upsert_sql[t.name] = dialect.sql(
                f"INSERT INTO {name} ({', '.join(t.columns)}) VALUES ({values}) "
                f"ON CONFLICT ({', '.join(t.key)}) {action}"
            )
            self.delete_sql[t.name] = dialect.sql(f"DELETE FROM {name} WHERE {where}")

    def view_ddl(self) -> list[str]:
        return [*self.table_ddl(), *self.index_ddl()]

    def table_ddl(self) -> list[str]:
        statements = []
        for t in self.projection.tables:
            columns = ", ".join(
                f"{c} {self.dialect.integer if c in t.integers else 'TEXT'}"
                + (" NOT NULL" if c in t.key else "")
                for c in t.columns
            )
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {self.tables[t.name]} "
                f"({columns}, PRIMARY KEY ({', '.join(t.key)}))"
            )
        return statements

    def _index_names(self) -> list[tuple[str, Table, tuple[str, ...]]]:
        found = []
        for t in self.projection.tables:
            raw = table_name(self.projection.name, self.generation, t)
            for n, index in enumerate(t.indexes):
                found.append((f"{raw}_i{n}", t, index))
        return found

    def index_ddl(self) -> list[str]:
        """The secondary indexes (the primary keys come with the tables)."""
        return [
            f"CREATE INDEX IF NOT EXISTS {self.dialect.quote(name)} "
            f"ON {self.tables[t.name]} ({', '.join(index)})"
            for name, t, index in self._index_names()
        ]

    def drop_indexes(self) -> None:
        """Without its secondary indexes, a generation nobody reads yet loads faster (a rebuild
        drops them first and makes them at the end, at once: ``create_indexes``)."""
        with self._write() as cursor:
            for name, _, _ in self._index_names():
                cursor.execute(f"DROP INDEX IF EXISTS {self.dialect.name(name)}")

    def create_indexes(self) -> None:
        with self._write() as cursor:
            for statement in self.index_ddl():
                cursor.execute(statement)

    def analyze(self) -> None:
        """Statistics for the planner on tables loaded in bulk, before they serve: without them
        (autovacuum has not come round yet, or is off) PostgreSQL plans every read of a rebuilt
        read model blind (measured on the bench's province, unloaded p50 over 100 reads: cycle
        page 18-36 → 10 ms, province coverage 5-10 → 4 ms)."""
        with self._write() as cursor:
            for name in self.tables.values():
                cursor.execute(f"ANALYZE {name}")

    def drop_ddl(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {name}" for name in self.tables.values()]

    # -- writing ------------------------------------------------------------------------------

    def _write(self) -> Any:
        raise NotImplementedError

    def _pointer_generation(self, cursor: Any) -> int | None:
        raise NotImplementedError

    def process(self, events: Sequence[Envelope], *, live: bool = True) -> bool:
        """Apply a batch in one transaction. ``live``: only while this generation serves reads
        (returns False once a rebuild moved the pointer on: the caller reloads). The rows it
        used are remembered for the next batch (remembered.py)."""
        with self._processing:
            with self._write() as cursor:
                if live and self._pointer_generation(cursor) != self.generation:
                    return False
                done = self._max_tracking_id(self.tracking_name, cursor) or 0  # type: ignore[attr-defined]
                known, older = self._remembered.take(done)
                position = self._apply(cursor, events, done, known, older)
            self._remembered.keep(known, older, position)
            return True

    def apply_in(self, cursor: Any, events: Sequence[Envelope]) -> int:
        """The batch's rows and tracking, inside the caller's transaction; returns the position."""
        done = self._max_tracking_id(self.tracking_name, cursor) or 0  # type: ignore[attr-defined]
        return self._apply(cursor, events, done, {})

    def _apply(
        self, cursor: Any, events: Sequence[Envelope], done: int,
        known: Known, older: Known | None = None,
    ) -> int:
        todo = [e for e in events if e.position > done]
        if not todo:
            return done
        rows = SqlRows(self, cursor, known, older)
        for event in todo:
            project(rows, self.projection.fold, event)
        rows.flush()
        self._insert_tracking(cursor, Tracking(self.tracking_name, todo[-1].position))  # type: ignore[attr-defined]
        return todo[-1].position

    # -- reading ------------------------------------------------------------------------------

    def position(self) -> int:
        return self.max_tracking_id(self.tracking_name) or 0  # type: ignore[attr-defined]

    def dump(self, table: Table) -> list[Row]:
        """All rows of a table in key order (tests compare this with the in-memory fold)."""
        order = ", ".join(table.key)
        with self._read() as cursor:
            cursor.execute(f"SELECT * FROM {self.tables[table.name]} ORDER BY {order}")
            return [table.normalize(row) for row in fetch_rows(cursor)]

    def _read(self) -> Any:
        raise NotImplementedError


class SQLiteView(ViewBase, SQLiteTrackingRecorder):
    def __init__(self, datastore: SQLiteDatastore, projection: Projection, generation: int):
        self._setup(projection, generation, Dialect())
        super().__init__(datastore)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.view_ddl()]

    @contextmanager
    def _write(self) -> Iterator[SQLiteCursor]:
        with immediate_transaction(self.datastore) as cursor:
            yield cursor

    @contextmanager
    def _read(self) -> Iterator[SQLiteCursor]:
        with self.datastore.transaction(commit=False) as cursor:
            yield cursor

    def _pointer_generation(self, cursor: Any) -> int | None:
        return select_generation(cursor, self.dialect, self.projection.name)

    def drop(self) -> None:
        with self._write() as cursor:
            for statement in self.drop_ddl():
                cursor.execute(statement)
            cursor.execute(
                f"DELETE FROM {SQLITE_TRACKING_TABLE} WHERE application_name = ?",
                (self.tracking_name,),
            )


@contextmanager
def snapshot(datastore: PostgresDatastore) -> Iterator[Any]:
    """A read-only REPEATABLE READ transaction: every query of a read sees the same snapshot.
    Its BEGIN says so (no SET TRANSACTION round trip); the pooled connection is given back as
    it was lent (a broken one the pool discards anyway)."""
    with datastore.get_connection() as conn:
        lent = conn.isolation_level, conn.read_only
        conn.isolation_level, conn.read_only = IsolationLevel.REPEATABLE_READ, True
        try:
            with conn.transaction(), conn.cursor() as cursor:
                yield cursor
        finally:
            if conn.info.transaction_status == TransactionStatus.IDLE:
                conn.isolation_level, conn.read_only = lent


class PostgresView(ViewBase, PostgresTrackingRecorder):
    def __init__(self, datastore: PostgresDatastore, projection: Projection, generation: int):
        self._setup(projection, generation, PostgresDialect(datastore.schema))
        super().__init__(datastore)
        self.sql_create_statements.extend(SQL(s).format() for s in self.view_ddl())

    def _create_table(self, curs: Any) -> None:
        # Several processes may start at once: CREATE ... IF NOT EXISTS is not safe concurrently.
        curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{self.dialect.schema}.rm",))
        # The library looked for the tracking table before this lock: one made meanwhile by
        # another process (two API workers' first reads at once) has its migration record
        # already, and inserting it again would fail (IntegrityError: a 409 on a GET).
        curs.execute("SELECT to_regclass(%s) AS found",
                     (f'"{self.datastore.schema}"."{self.tracking_table_name}"',))
        row = curs.fetchone()
        if row is not None and row["found"] is not None:
            curs.execute(self.max_tracking_id_statement, (self.table_migration_identifier,))
            migrated = curs.fetchone()
            self.tracking_table_exists = True
            self.tracking_migration_previous = self.tracking_migration_current = (
                migrated["max"] if migrated else None)
        super()._create_table(curs)

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=True) as cursor:
            yield cursor

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with snapshot(self.datastore) as cursor:
            yield cursor

    def _pointer_generation(self, cursor: Any) -> int | None:
        # FOR SHARE: a rebuild's switch (FOR UPDATE) waits for this batch, and vice versa.
        return select_generation(cursor, self.dialect, self.projection.name, " FOR SHARE")

    def drop(self) -> None:
        with self._write() as cursor:
            for statement in self.drop_ddl():
                cursor.execute(statement)
            cursor.execute(
                SQL("DELETE FROM {}.{} WHERE application_name = %s").format(
                    Identifier(self.datastore.schema), Identifier(self.tracking_table_name)
                ),
                (self.tracking_name,),
            )


View = SQLiteView | PostgresView


def select_generation(cursor: Any, dialect: Dialect, view: str, suffix: str = "") -> int | None:
    cursor.execute(
        dialect.sql(f"SELECT generation FROM {dialect.name(POINTER)} WHERE view_name = ?{suffix}"),
        (view,),
    )
    found = fetch_rows(cursor)
    return int(found[0]["generation"]) if found else None
