"""The test proxy drops a COMMIT's reply after the server committed: the client gets a
connection error, the row is stored. Both ways a transaction ends: a statement on its own
(autocommit, as the recorders run) and an explicit BEGIN ... COMMIT."""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import fresh_postgres_schema, postgres_connection
from tests.e2e.proxy import CuttableProxy

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture
def table():
    with fresh_postgres_schema() as schema, postgres_connection() as conn:
        conn.execute(f'CREATE TABLE "{schema}".t (n int PRIMARY KEY)')
        yield f'"{schema}".t'


@pytest.fixture
def proxy():
    between = CuttableProxy(("127.0.0.1", 5432))
    yield between
    between.cut()


def stored(table: str) -> list[int]:
    with postgres_connection() as conn:
        return [row[0] for row in conn.execute(f"SELECT n FROM {table} ORDER BY n")]


def connect(proxy: CuttableProxy, autocommit: bool) -> psycopg.Connection:
    return psycopg.connect(
        f"postgresql://postgres@127.0.0.1:{proxy.port}/test", autocommit=autocommit
    )


def test_an_autocommit_statement_lands_and_its_reply_is_lost(proxy, table):
    with connect(proxy, autocommit=True) as conn:
        conn.execute(f"INSERT INTO {table} VALUES (1)", prepare=True)
        proxy.cut_after_commit(lambda sql: "VALUES (2)" in sql)
        with pytest.raises(psycopg.OperationalError):
            conn.execute(f"INSERT INTO {table} VALUES (2)", prepare=True)
    assert proxy.commit_cut.is_set()
    assert stored(table) == [1, 2]


def test_an_explicit_commit_lands_and_its_reply_is_lost(proxy, table):
    proxy.cut_after_commit(lambda sql: "VALUES (3)" in sql)
    with connect(proxy, autocommit=False) as conn:
        conn.execute(f"INSERT INTO {table} VALUES (3)")
        conn.execute(f"INSERT INTO {table} VALUES (4)")
        with pytest.raises(psycopg.OperationalError):
            conn.commit()
    assert proxy.commit_cut.is_set()
    assert stored(table) == [3, 4]


def test_a_failed_statement_is_not_cut(proxy, table):
    proxy.cut_after_commit(lambda sql: "VALUES (5)" in sql)
    with connect(proxy, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("INSERT INTO no_such_table VALUES (9)")
        conn.execute(f"INSERT INTO {table} VALUES (6)")
    assert not proxy.commit_cut.is_set()
    assert stored(table) == [6]
