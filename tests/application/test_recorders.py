"""The library's own recorder test suites, run against both chained recorders.

Each test gets a fresh SQLite file or a fresh PostgreSQL schema. After every library test
the stored hash chain is verified too: whatever the suite wrote must chain correctly.
"""

from __future__ import annotations

import eventsourcing.tests.persistence as library
from eventsourcing.persistence import ApplicationRecorder

from application.store import (
    ChainedPostgresRecorder,
    ChainedSQLiteRecorder,
    verify_recorder,
)
from tests.store_support import (
    create_pg_schema,
    drop_pg_schema,
    new_sqlite_path,
    open_pg_recorder,
    open_sqlite,
    remove_sqlite_file,
    require_postgres,
)


class SQLiteStore:
    """Mixin: a fresh SQLite file per test; the chain is verified at the end of each test."""

    def setUp(self) -> None:
        self.path = new_sqlite_path()
        self.recorders: list[ChainedSQLiteRecorder] = []
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        try:
            for recorder in self.recorders:
                result = verify_recorder(recorder)
                assert result.ok, result
        finally:
            for recorder in self.recorders:
                recorder.datastore.close()
            remove_sqlite_file(self.path)
            super().tearDown()  # type: ignore[misc]

    def create_recorder(self) -> ChainedSQLiteRecorder:
        recorder = open_sqlite(self.path)
        self.recorders.append(recorder)
        return recorder


class PostgresStore:
    """Mixin: a fresh PostgreSQL schema per test, dropped afterwards."""

    def setUp(self) -> None:
        require_postgres()
        self.schema = create_pg_schema()
        self.recorders: list[ChainedPostgresRecorder] = []
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        try:
            for recorder in self.recorders:
                result = verify_recorder(recorder)
                assert result.ok, result
        finally:
            for recorder in self.recorders:
                recorder.datastore.close()
            drop_pg_schema(self.schema)
            super().tearDown()  # type: ignore[misc]

    def create_recorder(self) -> ChainedPostgresRecorder:
        # Enough connections for the suite's 10 writer threads + 2 readers.
        recorder = open_pg_recorder(self.schema, pool_size=2, max_overflow=10)
        self.recorders.append(recorder)
        return recorder


class TestSQLiteChainedApplicationRecorder(
    SQLiteStore, library.ApplicationRecorderTestCase[ApplicationRecorder]
):
    pass


class TestSQLiteChainedNonInterleavingNotificationIDs(
    SQLiteStore, library.NonInterleavingNotificationIDsBaseCase
):
    pass


class TestPostgresChainedApplicationRecorder(
    PostgresStore, library.ApplicationRecorderTestCase[ApplicationRecorder]
):
    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestPostgresChainedNonInterleavingNotificationIDs(
    PostgresStore, library.NonInterleavingNotificationIDsBaseCase
):
    pass
