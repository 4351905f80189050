"""The database that holds the log and the views: which generation serves each view, consistent
snapshots for queries, and the locks runners and rebuilds take."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from application.store.sqlite import immediate_transaction
from application.store.subscription import dedicated_connection
from projections.locks import FileLocks, Locks, PostgresLocks
from projections.shape import (
    SHAPES,
    ReadModelRebuildingError,
    columns_match,
    create_shapes_table,
    fingerprint,
    forget_shape,
    record_shape,
    recorded_shape,
)
from projections.tables import Projection, Row, Table
from projections.views import (
    PG_TRACKING_TABLE,
    POINTER,
    SQLITE_TRACKING_TABLE,
    Dialect,
    PostgresDialect,
    PostgresView,
    SQLiteView,
    View,
    fetch_rows,
    select_generation,
    snapshot,
    table_name,
    tracking_name,
    tracking_prefix,
)


class SnapshotReader:
    def __init__(
        self,
        cursor: Any,
        dialect: Dialect,
        projection: Projection,
        generation: int,
        position: int,
        events_table: str,
    ) -> None:
        self._cursor = cursor
        self._dialect = dialect
        self._projection = projection
        self.generation = generation
        self.position = position
        self.events_table = events_table

    def table(self, table: Table) -> str:
        return self._dialect.name(table_name(self._projection.name, self.generation, table))

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self._cursor.execute(self._dialect.sql(sql), tuple(params))
        return fetch_rows(self._cursor)


class Store:
    """Base of SQLiteStore and PostgresStore."""

    dialect: Dialect
    tracking_table: str

    def __init__(self, events_table: str) -> None:
        self.events_table = self.dialect.name(events_table)
        self._views: dict[tuple[str, int, int], View] = {}
        self._mutex = threading.Lock()

    # -- generations --------------------------------------------------------------------------

    def ensure(self, projection: Projection) -> View:
        """The view that serves reads, its tables created (as generation 1 on first use)."""
        generation, _ = self.prepare(projection)
        return self.view(projection, generation)

    def serving(self, projection: Projection) -> View:
        """The view that serves reads, its tables left as they are (they may be of an older
        shape: creating this code's indexes on them could fail)."""
        generation, _ = self.prepare(projection)
        return self._new_view(projection, generation)

    def prepare(self, projection: Projection) -> tuple[int, bool]:
        """(serving generation, whether its tables have the shape ``projection`` declares).
        The first use makes generation 1 of this shape; a store made before shapes were
        recorded has its actual columns compared with the declaration (shape.py)."""
        with self._write() as cursor:
            self._create_pointer(cursor)
            cursor.execute(
                self.dialect.sql(
                    f"INSERT INTO {self.dialect.name(POINTER)} (view_name, generation) "
                    "VALUES (?, 1) ON CONFLICT (view_name) DO NOTHING RETURNING generation"
                ),
                (projection.name,),
            )
            if fetch_rows(cursor):  # made just now
                record_shape(cursor, self.dialect, projection, 1)
                return 1, True
            generation = select_generation(cursor, self.dialect, projection.name)
            assert generation is not None
            recorded = recorded_shape(cursor, self.dialect, projection.name, generation)
            if recorded is None and columns_match(cursor, self.dialect, projection, generation):
                record_shape(cursor, self.dialect, projection, generation)
                return generation, True
            return generation, recorded == fingerprint(projection)

    def generation(self, name: str) -> int | None:
        with self._read() as cursor:
            return select_generation(cursor, self.dialect, name)

    def view(self, projection: Projection, generation: int) -> View:
        with self._mutex:
            # By identity too: a view applies the very projection it was asked for.
            key = (projection.name, generation, id(projection))
            if key not in self._views:
                view = self._new_view(projection, generation)
                view.create_table()
                self._views[key] = view
            return self._views[key]

    def drop(self, projection: Projection, generation: int) -> None:
        with self._mutex:
            for key in [k for k in self._views if k[:2] == (projection.name, generation)]:
                del self._views[key]
        self._new_view(projection, generation).drop()
        with self._write() as cursor:
            forget_shape(cursor, self.dialect, projection.name, generation)

    def set_generation(self, cursor: Any, projection: Projection, generation: int) -> None:
        """Make ``generation`` (made with ``projection``'s tables) serve, in the caller's
        transaction."""
        cursor.execute(
            self.dialect.sql(
                f"UPDATE {self.dialect.name(POINTER)} SET generation = ? WHERE view_name = ?"
            ),
            (generation, projection.name),
        )
        record_shape(cursor, self.dialect, projection, generation)

    # -- reading ------------------------------------------------------------------------------

    @contextmanager
    def read(self, projection: Projection) -> Iterator[SnapshotReader]:
        """Rows and position of the serving generation, from one snapshot; refused
        (``ReadModelRebuildingError``) while that generation has tables of another shape."""
        with self._read() as cursor:
            generation, current, position = self._serving(cursor, projection)
            if not current:
                raise ReadModelRebuildingError(projection.name)
            yield SnapshotReader(
                cursor, self.dialect, projection, generation, position, self.events_table
            )

    def shape_current(self, projection: Projection) -> bool:
        with self._read() as cursor:
            return self._serving(cursor, projection)[1]

    def _serving(self, cursor: Any, projection: Projection) -> tuple[int, bool, int]:
        """(serving generation, whether its recorded shape is ``projection``'s, its position),
        in one query: a missing shape means the columns did not match when ``prepare`` looked."""
        cursor.execute(
            self.dialect.sql(
                f"SELECT p.generation, s.fingerprint, t.notification_id "
                f"FROM {self.dialect.name(POINTER)} p "
                f"LEFT JOIN {self.dialect.name(SHAPES)} s ON s.view_name = p.view_name "
                "AND s.generation = p.generation "
                f"LEFT JOIN {self.tracking_table} t "
                "ON t.application_name = CAST(? AS TEXT) || p.generation WHERE p.view_name = ?"
            ),
            (tracking_prefix(projection.name), projection.name),
        )
        found = fetch_rows(cursor)
        if found:
            row = found[0]
            return (int(row["generation"]), row["fingerprint"] == fingerprint(projection),
                    int(row["notification_id"] or 0))
        cursor.execute(
            self.dialect.sql(
                f"SELECT notification_id FROM {self.tracking_table} WHERE application_name = ?"
            ),
            (tracking_name(projection.name, 1),),
        )
        found = fetch_rows(cursor)
        return 1, True, int(found[0]["notification_id"]) if found else 0

    def rebuilding(self, names: Sequence[str]) -> set[str]:
        """The read models a rebuild is running for (in any process): their rebuild lock is
        taken. Probing takes the lock for an instant: for `lianping projections status` only."""
        locks, found = self.locks(), set()
        try:
            for name in names:
                lock = locks.lock(f"{name}.rebuild")
                if lock.try_acquire():
                    lock.release()
                else:
                    found.add(name)
        finally:
            locks.close()
        return found

    def positions(self, names: Sequence[str]) -> dict[str, int]:
        """Each view's serving position, in one snapshot."""
        with self._read() as cursor:
            cursor.execute(f"SELECT view_name, generation FROM {self.dialect.name(POINTER)}")
            keys = {
                tracking_name(r["view_name"], int(r["generation"])): r["view_name"]
                for r in fetch_rows(cursor)
                if r["view_name"] in names
            }
            cursor.execute(f"SELECT application_name, notification_id FROM {self.tracking_table}")
            found = {
                keys[r["application_name"]]: int(r["notification_id"])
                for r in fetch_rows(cursor)
                if r["application_name"] in keys
            }
        return {name: found.get(name, 0) for name in names}

    def head(self) -> int:
        with self._read() as cursor:
            cursor.execute(f"SELECT MAX(notification_id) AS head FROM {self.events_table}")
            found = fetch_rows(cursor)
        return int(found[0]["head"] or 0) if found else 0

    # -- per store ----------------------------------------------------------------------------

    def _new_view(self, projection: Projection, generation: int) -> View:
        raise NotImplementedError

    def _create_pointer(self, cursor: Any) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.dialect.name(POINTER)} "
            f"(view_name TEXT PRIMARY KEY, generation {self.dialect.integer} NOT NULL)"
        )
        create_shapes_table(cursor, self.dialect)

    def _write(self) -> Any:
        raise NotImplementedError

    def _read(self) -> Any:
        raise NotImplementedError

    def write(self) -> Any:
        """A write transaction (the switch of a rebuild)."""
        return self._write()

    def locks(self) -> Locks:
        raise NotImplementedError

    def lock_pointer(self, cursor: Any, name: str) -> int | None:
        return select_generation(cursor, self.dialect, name)

    def close(self) -> None:
        """Views share the application's datastore: nothing of their own to close."""


class SQLiteStore(Store):
    dialect = Dialect()
    tracking_table = dialect.name(SQLITE_TRACKING_TABLE)

    def __init__(self, datastore: SQLiteDatastore, events_table: str) -> None:
        self.datastore = datastore
        super().__init__(events_table)

    def _new_view(self, projection: Projection, generation: int) -> View:
        return SQLiteView(self.datastore, projection, generation)

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with immediate_transaction(self.datastore) as cursor:
            yield cursor

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=False) as cursor:
            yield cursor

    def locks(self) -> Locks:
        return FileLocks(self.datastore.pool.db_name)


class PostgresStore(Store):
    def __init__(self, datastore: PostgresDatastore, events_table: str) -> None:
        self.datastore = datastore
        self.dialect = PostgresDialect(datastore.schema)
        self.tracking_table = self.dialect.name(PG_TRACKING_TABLE)
        super().__init__(events_table)

    def _new_view(self, projection: Projection, generation: int) -> View:
        return PostgresView(self.datastore, projection, generation)

    def _create_pointer(self, cursor: Any) -> None:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{self.datastore.schema}.rm",)
        )
        super()._create_pointer(cursor)

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=True) as cursor:
            yield cursor

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with snapshot(self.datastore) as cursor:
            yield cursor

    def lock_pointer(self, cursor: Any, name: str) -> int | None:
        return select_generation(cursor, self.dialect, name, " FOR UPDATE")

    def locks(self) -> Locks:
        datastore = self.datastore
        return PostgresLocks(lambda: dedicated_connection(datastore), f"{datastore.schema}.rm")


def open_store(recorder: ApplicationRecorder) -> Store:
    """The store of an application's recorder, sharing its connection pool."""
    events_table = recorder.events_table_name  # type: ignore[attr-defined]
    if isinstance(recorder, SQLiteApplicationRecorder):
        return SQLiteStore(recorder.datastore, events_table)
    if isinstance(recorder, PostgresApplicationRecorder):
        return PostgresStore(recorder.datastore, events_table)
    raise TypeError(f"read models need a SQLite or PostgreSQL recorder, not {type(recorder)}")
