"""Each schema's log notifies its own channel: saves in one schema of a database do not wake
the readers of another (two deployments, or the test suite's workers, side by side)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from psycopg.sql import SQL, Identifier

from application.store import ChainedPostgresRecorder
from tests.store_support import (
    create_pg_schema,
    drop_pg_schema,
    events,
    open_pg_recorder,
    pg_connect,
    require_postgres,
)


@pytest.fixture
def two_logs() -> Iterator[tuple[ChainedPostgresRecorder, ChainedPostgresRecorder]]:
    require_postgres()
    schemas = [create_pg_schema(), create_pg_schema()]
    recorders = [open_pg_recorder(schema) for schema in schemas]
    try:
        for recorder in recorders:
            recorder.create_table()
        yield recorders[0], recorders[1]
    finally:
        for recorder in recorders:
            recorder.datastore.close()
        for schema in schemas:
            drop_pg_schema(schema)


def test_a_save_notifies_only_its_own_schema_s_channel(two_logs):
    a, b = two_logs
    assert a.channel_name != b.channel_name
    with pg_connect() as listener:
        listener.autocommit = True
        for recorder in (a, b):
            listener.execute(SQL("LISTEN {}").format(Identifier(recorder.channel_name)))
        a.insert_events(events(1))
        b.insert_events(events(2))
        heard = [n.channel for n in listener.notifies(timeout=30, stop_after=2)]

    assert heard == [a.channel_name, b.channel_name]
