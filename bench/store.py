"""Benchmark stores: one PostgreSQL schema each (dropped afterwards), settings and environment for
the application and the server on it, and the raw baseline (a same-shaped table, raw reads)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.conninfo import conninfo_to_dict
from psycopg.sql import SQL, Identifier

from application.settings import Settings
from application.store.postgres import open_postgres_recorder

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
EVENTS = "lianping_events"  # the application's events table (LianpingApp.name + "_events")
CONNECT_TIMEOUT = 5

# The events table's shape (application/store/postgres.py), without the append function.
_RAW_TABLE = """
CREATE TABLE {table} (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text,
    state bytea,
    notification_id bigserial,
    hash bytea NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (originator_id, originator_version));
CREATE UNIQUE INDEX ON {table} (notification_id)
"""
RAW_INSERT = (
    "INSERT INTO {} (originator_id, originator_version, topic, state, hash) "
    "VALUES (%s, %s, %s, %s, %s)"
)
Row = tuple[Any, int, str, bytes, bytes]  # originator_id, version, topic, state, hash


def recorder_params(store: Store) -> dict[str, Any]:
    """open_postgres_recorder's connection arguments for `store`."""
    info = conninfo_to_dict(store.url)
    return {
        "dbname": str(info.get("dbname", "postgres")), "host": str(info.get("host", "127.0.0.1")),
        "port": str(info.get("port", "5432")), "user": str(info.get("user", "postgres")),
        "password": str(info.get("password", "")), "schema": store.schema,
    }


def bench_url() -> str:
    return os.environ.get("LIANPING_BENCH_POSTGRES_URL", DEFAULT_URL)


@dataclass(frozen=True)
class Store:
    url: str
    schema: str
    folder: Path

    def settings(self, pool_size: int = 4, max_overflow: int = 4) -> Settings:
        return Settings(
            database_url=self.url, postgres_schema=self.schema, pool_size=pool_size,
            max_overflow=max_overflow, signing_key_file=str(self.folder / "signing-key.pem"),
            create_signing_key=True,
        )

    def env(self, pool_size: int = 8) -> dict[str, str]:
        """The LIANPING_* environment of a server process on this store."""
        return {
            **os.environ,
            "LIANPING_DATABASE_URL": self.url,
            "LIANPING_POSTGRES_SCHEMA": self.schema,
            "LIANPING_POOL_SIZE": str(pool_size),
            "LIANPING_SIGNING_KEY_FILE": str(self.folder / "signing-key.pem"),
            "LIANPING_CREATE_SIGNING_KEY": "true",
        }

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
            options=f"-c search_path={self.schema}",
        )

    def count(self, table: str = EVENTS, topic: str | None = None) -> int:
        query = SQL("SELECT count(*) FROM {}").format(Identifier(table))
        if topic is not None:
            query += SQL(" WHERE topic = %s")
        with self.connect() as conn:
            row = conn.execute(query, () if topic is None else (topic,)).fetchone()
        return int(row[0]) if row else 0

    def head(self) -> int:
        with self.connect() as conn:
            row = conn.execute(
                SQL("SELECT coalesce(max(notification_id), 0) FROM {}").format(Identifier(EVENTS))
            ).fetchone()
        return int(row[0]) if row else 0

    def rows_after(self, position: int) -> list[Row]:
        """The rows stored after `position`, exactly as stored, in log order."""
        with self.connect() as conn:
            cursor = conn.execute(
                SQL("SELECT originator_id, originator_version, topic, state, hash FROM {} "
                    "WHERE notification_id > %s ORDER BY notification_id").format(
                    Identifier(EVENTS)),
                (position,),
            )
            return [(r[0], r[1], r[2], bytes(r[3]), bytes(r[4])) for r in cursor.fetchall()]

    def raw_table(self, name: str, copy_log: bool = True) -> None:
        """A fresh table shaped like the events table; with `copy_log`, holding a copy of the
        log, so the baseline inserts into a table as big as the application's."""
        table = Identifier(name)
        with self.connect() as conn:
            conn.execute(SQL("DROP TABLE IF EXISTS {}").format(table))
            conn.execute(SQL(_RAW_TABLE).format(table=table))
            if copy_log:
                conn.execute(
                    SQL("INSERT INTO {} (originator_id, originator_version, topic, state, hash) "
                        "SELECT originator_id, originator_version, topic, state, hash FROM {} "
                        "ORDER BY notification_id").format(table, Identifier(EVENTS)))
                conn.execute(SQL("VACUUM ANALYZE {}").format(table))
            conn.execute(SQL("ANALYZE {}").format(Identifier(EVENTS)))

    def settle(self) -> None:
        """VACUUM ANALYZE the log and CHECKPOINT, as a database at rest would be: measurements
        then start from the same state instead of paying for the setup's writes."""
        with self.connect() as conn:
            conn.execute(SQL("VACUUM ANALYZE {}").format(Identifier(EVENTS)))
            with suppress(psycopg.errors.InsufficientPrivilege):  # needs pg_checkpoint
                conn.execute("CHECKPOINT")

    def recorder_table(self, name: str) -> None:
        """A second chained log `name` (table and append functions, as the application's), holding
        a copy of the application's log and its chain, so it is just as big."""
        recorder = open_postgres_recorder(**recorder_params(self), events_table_name=name)
        recorder.datastore.close()
        table = Identifier(name)
        with self.connect() as conn:
            conn.execute(
                SQL("INSERT INTO {} (originator_id, originator_version, topic, state, "
                    "notification_id, hash) SELECT originator_id, originator_version, topic, "
                    "state, notification_id, hash FROM {} ORDER BY notification_id").format(
                    table, Identifier(EVENTS)))
            conn.execute(
                SQL("SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), "
                    "(SELECT max(notification_id) FROM {}))").format(table),
                (f"{self.schema}.{name}",))
            conn.execute(SQL("VACUUM ANALYZE {}").format(table))

    def stock_table(self, name: str) -> None:
        """A log `name` made by the library's own PostgreSQL recorder (no hash chain), holding a
        copy of the application's log."""
        datastore = PostgresDatastore(**recorder_params(self), pool_size=1)
        try:
            PostgresApplicationRecorder(datastore, events_table_name=name).create_table()
        finally:
            datastore.close()
        table = Identifier(name)
        with self.connect() as conn:
            conn.execute(
                SQL("INSERT INTO {} (originator_id, originator_version, topic, state, "
                    "notification_id) SELECT originator_id, originator_version, topic, state, "
                    "notification_id FROM {} ORDER BY notification_id").format(
                    table, Identifier(EVENTS)))
            conn.execute(
                SQL("SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), "
                    "(SELECT max(notification_id) FROM {}))").format(table),
                (f"{self.schema}.{name}",))
            conn.execute(SQL("VACUUM ANALYZE {}").format(table))

    def raw_read(self, fetch: int = 5000) -> tuple[int, float]:
        """A raw sequential read of the whole events table in log order (a server-side cursor,
        binary format, `fetch` rows per round trip, plain tuples): (rows, seconds). The
        replays' baseline (binary: the fastest plain read psycopg offers)."""
        started = time.perf_counter()
        rows = 0
        with (self.connect() as conn, conn.transaction(),
              conn.cursor(name="raw_read", binary=True) as cursor):
            cursor.execute(
                SQL("SELECT notification_id, originator_id, originator_version, topic, state, hash "
                    "FROM {} ORDER BY notification_id").format(Identifier(EVENTS)))
            while page := cursor.fetchmany(fetch):
                rows += len(page)
        return rows, time.perf_counter() - started


@contextmanager
def bench_store(name: str, folder: Path, url: str | None = None) -> Iterator[Store]:
    """A fresh schema ``bench_<name>_<hex>``, dropped (with everything in it) afterwards."""
    url = url or bench_url()
    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
        conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(schema)))
    try:
        yield Store(url, schema, folder)
    finally:
        with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))
