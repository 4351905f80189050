"""The library's own TrackingRecorderTestCase, run against the read-model views on both stores:
our views are its tracking recorders, so they must keep its contract."""

from __future__ import annotations

import eventsourcing.tests.persistence as library
import pytest
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from projections.registry import projections
from projections.views import PostgresView, SQLiteView
from tests.store_support import (
    create_pg_schema,
    drop_pg_schema,
    new_sqlite_path,
    pg_params,
    remove_sqlite_file,
)

A_READ_MODEL = projections("Asia/Shanghai")["rectification"]


class TestSQLiteView(library.TrackingRecorderTestCase):
    def setUp(self) -> None:
        self.path = new_sqlite_path()
        self.datastore = SQLiteDatastore(self.path)

    def tearDown(self) -> None:
        self.datastore.close()
        remove_sqlite_file(self.path)

    def create_recorder(self) -> SQLiteView:
        view = SQLiteView(self.datastore, A_READ_MODEL, 1)
        view.create_table()
        return view


@pytest.mark.postgres
class TestPostgresView(library.TrackingRecorderTestCase):
    def setUp(self) -> None:
        self.schema = create_pg_schema()
        params = pg_params()
        self.datastore = PostgresDatastore(
            dbname=params["dbname"],
            host=params["host"],
            port=params["port"],
            user=params["user"],
            password=params.get("password") or "",
            schema=self.schema,
            pool_size=2,
        )

    def tearDown(self) -> None:
        self.datastore.close()
        drop_pg_schema(self.schema)

    def create_recorder(self) -> PostgresView:
        view = PostgresView(self.datastore, A_READ_MODEL, 1)
        view.create_table()
        return view


@pytest.mark.postgres
class TestPostgresViewsMadeAtOnce:
    def test_a_view_that_looked_before_another_process_made_the_table_makes_it_again_quietly(
        self,
    ) -> None:
        schema = create_pg_schema()
        params = pg_params()
        datastore = PostgresDatastore(
            dbname=params["dbname"], host=params["host"], port=params["port"],
            user=params["user"], password=params.get("password") or "", schema=schema,
            pool_size=2)
        try:
            late = PostgresView(datastore, A_READ_MODEL, 1)  # looked: no table yet
            PostgresView(datastore, A_READ_MODEL, 1).create_table()  # another process
            with datastore.transaction(commit=True) as curs:
                late._create_table(curs)

            assert late.tracking_table_exists
            assert late.max_tracking_id("some-app") is None
        finally:
            datastore.close()
            drop_pg_schema(schema)
