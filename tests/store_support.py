"""Test helpers for the chained recorders: fresh SQLite files, fresh PostgreSQL schemas.

PostgreSQL is required, never optional: when it cannot be reached, tests FAIL
(`require_postgres`). The server is the run's (tests/postgres_server.py: the one at
LIANPING_TEST_POSTGRES_URL, or a private one); every test gets its own schema ``t_<hex>``,
dropped with CASCADE afterwards.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent
from psycopg.conninfo import conninfo_to_dict
from psycopg.sql import SQL, Identifier

from application.store import (
    POSTGRES_RECORDER_TOPIC,
    SQLITE_RECORDER_TOPIC,
    ChainedPostgresRecorder,
    ChainedSQLiteRecorder,
    link,
    open_postgres_recorder,
    open_sqlite_recorder,
)
from tests.postgres_server import postgres_url

if TYPE_CHECKING:
    from collections.abc import Iterator

    from application.store import ChainRow

PG_CONNECT_TIMEOUT = 3


def __getattr__(name: str) -> str:
    if name == "PG_URL":  # the run's server, known once resolved
        return postgres_url()
    raise AttributeError(name)


def pg_params() -> dict[str, Any]:
    params = conninfo_to_dict(postgres_url())
    return {
        "dbname": str(params.get("dbname", "test")),
        "host": str(params.get("host", "127.0.0.1")),
        "port": str(params.get("port", "5432")),
        "user": str(params.get("user", "postgres")),
        "password": str(params.get("password", "")),
    }


def pg_connect(schema: str | None = None) -> psycopg.Connection[Any]:
    """An autocommit connection (search_path = `schema` when given); fails the test if down."""
    options = f"-c search_path={schema}" if schema else ""
    url = postgres_url()
    try:
        return psycopg.connect(
            url, connect_timeout=PG_CONNECT_TIMEOUT, autocommit=True, options=options
        )
    except psycopg.OperationalError as e:
        pytest.fail(f"PostgreSQL is not reachable at {url}: {e}", pytrace=False)


def require_postgres() -> None:
    pg_connect().close()


def create_pg_schema() -> str:
    name = f"t_{uuid4().hex}"
    with pg_connect() as conn:
        conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(name)))
    return name


def drop_pg_schema(name: str) -> None:
    """Drop a test schema and everything in it (tables, types, functions)."""
    with pg_connect() as conn:
        conn.execute("SET lock_timeout = '10s'")
        conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(name)))


@contextmanager
def pg_schema() -> Iterator[str]:
    name = create_pg_schema()
    try:
        yield name
    finally:
        drop_pg_schema(name)


def open_pg_recorder(
    schema: str, *, pool_size: int = 2, max_overflow: int = 2, **kwargs: Any
) -> ChainedPostgresRecorder:
    params = pg_params()
    return open_postgres_recorder(
        dbname=params["dbname"],
        host=params["host"],
        port=params["port"],
        user=params["user"],
        password=params["password"],
        schema=schema,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_timeout=PG_CONNECT_TIMEOUT,
        **kwargs,
    )


def pg_env(schema: str, **overrides: str) -> dict[str, str]:
    """The library's env for an Application on PostgreSQL with the chained recorder."""
    params = pg_params()
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER_TOPIC,
        "POSTGRES_DBNAME": params["dbname"],
        "POSTGRES_HOST": params["host"],
        "POSTGRES_PORT": params["port"],
        "POSTGRES_USER": params["user"],
        "POSTGRES_PASSWORD": params["password"],
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "2",
        "POSTGRES_CONNECT_TIMEOUT": str(PG_CONNECT_TIMEOUT),
        "POSTGRES_LOCK_TIMEOUT": "5",
    }
    env.update(overrides)
    return env


def new_sqlite_path() -> str:
    """A path for a new SQLite file in a fresh temporary directory."""
    return str(Path(tempfile.mkdtemp(prefix="lianping-store-")) / "events.db")


def remove_sqlite_file(path: str) -> None:
    shutil.rmtree(Path(path).parent, ignore_errors=True)


def open_sqlite(path: str) -> ChainedSQLiteRecorder:
    return open_sqlite_recorder(path)


def sqlite_env(path: str, **overrides: str) -> dict[str, str]:
    """The library's env for an Application on SQLite with the chained recorder."""
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER_TOPIC,
        "SQLITE_DBNAME": path,
    }
    env.update(overrides)
    return env


# A store to tamper with: the recorder writes, `Backend.sql` goes around it.

Recorder = ChainedSQLiteRecorder | ChainedPostgresRecorder

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class Backend:
    """A fresh store: `recorder` writes through the application path, `sql` goes around it."""

    name: str
    location: str  # SQLite file path or PostgreSQL schema
    recorder: Recorder
    extra: list[Recorder] = field(default_factory=list)
    _raw: Any = None

    def open_recorder(self, **kwargs: Any) -> Recorder:
        """Another recorder (own pool) on the same store, like another process would have."""
        recorder: Recorder
        if self.name == "sqlite":
            recorder = open_sqlite(self.location)
        else:
            recorder = open_pg_recorder(self.location, **kwargs)
        self.extra.append(recorder)
        return recorder

    def sql(self, statement: str, *params: Any) -> list[Any]:
        """Run SQL on the store directly; write it with %s placeholders and UUID values."""
        if self.name == "sqlite":
            sqlite_params = [p.hex if isinstance(p, UUID) else p for p in params]
            cursor = self._raw.execute(statement.replace("%s", "?"), sqlite_params)
            return cursor.fetchall()
        cursor = self._raw.execute(statement, params)
        return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        for recorder in [self.recorder, *self.extra]:
            recorder.datastore.close()
        self._raw.close()


@contextmanager
def open_backend(name: str, tmp_path: Path) -> Iterator[Backend]:
    """A fresh store of kind `name` ("sqlite" or "postgres") with a chained recorder."""
    if name == "sqlite":
        path = str(tmp_path / "events.db")
        b = Backend(
            "sqlite", path, open_sqlite(path), _raw=sqlite3.connect(path, isolation_level=None)
        )
        try:
            yield b
        finally:
            b.close()
        return
    schema = create_pg_schema()
    try:
        b = Backend("postgres", schema, open_pg_recorder(schema), _raw=pg_connect(schema))
        try:
            yield b
        finally:
            b.close()
    finally:
        drop_pg_schema(schema)


def events(count: int, originator_id: UUID | None = None, start: int = 1) -> list[StoredEvent]:
    """`count` consecutive events of one aggregate."""
    originator_id = originator_id or uuid4()
    return [
        StoredEvent(
            originator_id=originator_id,
            originator_version=v,
            topic="tests.world:Thing.Happened",
            state=b'{"n": %d}' % v,
        )
        for v in range(start, start + count)
    ]


def save_batches(recorder: Recorder, *sizes: int) -> list[list[int]]:
    """One save per size, each of a new aggregate; returns each save's positions."""
    return [list(recorder.insert_events(events(size)) or []) for size in sizes]


def rechain_from(backend: Backend, position: int) -> None:
    """Recompute and store every hash from `position` on, as a forger who rewrites the tail
    would (what a checkpoint exists to catch)."""
    rows = backend.recorder.chain_rows(after=0, limit=1_000_000)
    prev = bytes(32)
    for row in rows:
        if row.position >= position:
            assert row.topic is not None and row.state is not None
            new_hash = link(
                prev, row.position, row.originator_id, row.originator_version, row.topic, row.state
            )
            backend.sql(
                "UPDATE stored_events SET hash = %s WHERE notification_id = %s",
                new_hash,
                row.position,
            )
            prev = new_hash
        else:
            assert row.hash is not None
            prev = row.hash


def open_gap(backend: Backend, at: int) -> None:
    """Move rows at `at` and later one position up and re-chain them: a legitimate-looking
    gap (as a failed save leaves on PostgreSQL) that a forger could then fill."""
    positions = [r.position for r in backend.recorder.chain_rows(after=at - 1, limit=1_000_000)]
    for position in sorted(positions, reverse=True):
        backend.sql(
            "UPDATE stored_events SET notification_id = %s WHERE notification_id = %s",
            position + 1,
            position,
        )
    rechain_from(backend, at + 1)


def row_at(backend: Backend, position: int) -> ChainRow:
    rows = backend.recorder.chain_rows(after=position - 1, limit=1)
    assert rows and rows[0].position == position
    return rows[0]


def store_reads(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """From now on, the id of every aggregate the application reads from the store (not its
    cache)."""
    read: list[Any] = []
    select_events = app.recorder.select_events

    def counted(originator_id: Any, **kwargs: Any) -> Any:
        read.append(originator_id)
        return select_events(originator_id, **kwargs)

    monkeypatch.setattr(app.recorder, "select_events", counted)
    return read
