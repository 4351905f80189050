"""Tables beside the event log but never in it (signed checkpoints, console credentials): in the
same database as the log (SQLite file or PostgreSQL schema), created on first use, one store of
each kind per recorder, running its SQL on the recorder's own connections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar
from weakref import WeakKeyDictionary

from psycopg.sql import Identifier

from application.store.postgres import ChainedPostgresRecorder
from application.store.sqlite import ChainedSQLiteRecorder


class SideDatabase:
    """One recorder's database as the side tables see it."""

    placeholder = "?"
    postgres = False

    def table(self, name: str) -> str:
        return name

    def index(self, name: str) -> str:
        return name

    def run(self, statement: str, params: Sequence[Any] = (), *, commit: bool = False
            ) -> list[Sequence[Any]]:
        raise NotImplementedError

    def create(self, statements: list[str], lock_name: str) -> None:
        for statement in statements:
            self.run(statement, commit=True)


class SQLiteSideDatabase(SideDatabase):
    def __init__(self, recorder: ChainedSQLiteRecorder) -> None:
        self.datastore = recorder.datastore

    def run(self, statement: str, params: Sequence[Any] = (), *, commit: bool = False
            ) -> list[Sequence[Any]]:
        with self.datastore.transaction(commit=commit) as cursor:
            cursor.execute(statement, tuple(params))
            return [tuple(row) for row in cursor.fetchall()]


class PostgresSideDatabase(SideDatabase):
    placeholder = "%s"
    postgres = True

    def __init__(self, recorder: ChainedPostgresRecorder) -> None:
        self.datastore = recorder.datastore

    def table(self, name: str) -> str:
        return Identifier(self.datastore.schema, name).as_string(None)

    def index(self, name: str) -> str:
        # An index takes its table's schema: its own name stays unqualified.
        return Identifier(name).as_string(None)

    def run(self, statement: str, params: Sequence[Any] = (), *, commit: bool = False
            ) -> list[Sequence[Any]]:
        with self.datastore.transaction(commit=commit) as cursor:
            cursor.execute(statement, tuple(params))  # type: ignore[arg-type]
            if cursor.description is None:
                return []
            return [tuple(row.values()) for row in cursor.fetchall()]

    def create(self, statements: list[str], lock_name: str) -> None:
        # Several processes may start at once: concurrent CREATE TABLE IF NOT EXISTS can still
        # collide in the catalog, so serialise it.
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock_name,))
            for statement in statements:
                cursor.execute(statement)  # type: ignore[arg-type]


class SideTableStore:
    """A set of side tables. Subclasses name them (``TABLES``, ``INDEXES``: key → name) and
    write SQL with ``{key}`` for a name and ``?`` for a parameter."""

    TABLES: ClassVar[dict[str, str]] = {}
    INDEXES: ClassVar[dict[str, str]] = {}

    def __init__(self, database: SideDatabase) -> None:
        self.database = database
        self.t = {key: database.table(name) for key, name in self.TABLES.items()} | {
            key: database.index(name) for key, name in self.INDEXES.items()
        }

    def ddl(self) -> list[str]:
        raise NotImplementedError

    def _sql(self, statement: str) -> str:
        return statement.format(**self.t).replace("?", self.database.placeholder)

    def _run(self, statement: str, params: Sequence[Any] = (), *, commit: bool = False
             ) -> list[Sequence[Any]]:
        return self.database.run(self._sql(statement), params, commit=commit)

    def create_tables(self) -> None:
        first = next(iter(self.t.values()))
        self.database.create([self._sql(statement) for statement in self.ddl()], first)


StoreT = TypeVar("StoreT", bound=SideTableStore)
_OPEN: WeakKeyDictionary[object, dict[type[SideTableStore], SideTableStore]] = (
    WeakKeyDictionary()
)


def side_store(recorder: object, kind: type[StoreT]) -> StoreT:
    """The ``kind`` tables next to ``recorder``'s event log (created on first use)."""
    stores = _OPEN.setdefault(recorder, {})
    store = stores.get(kind)
    if store is None:
        store = kind(_database(recorder))
        store.create_tables()
        stores[kind] = store
    assert isinstance(store, kind)
    return store


def _database(recorder: object) -> SideDatabase:
    if isinstance(recorder, ChainedSQLiteRecorder):
        return SQLiteSideDatabase(recorder)
    if isinstance(recorder, ChainedPostgresRecorder):
        return PostgresSideDatabase(recorder)
    msg = f"side tables need a chained recorder, not {type(recorder).__name__}"
    raise TypeError(msg)
