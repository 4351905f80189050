"""Pooled PostgreSQL connections are pinged only after sitting idle, and a connection error makes
the pool drop every broken connection at once (application/store/pool.py), on a real server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from psycopg_pool import ConnectionPool

from application.app import Request
from application.store.pool import PingIfIdle, recover
from application.usecases import directory
from tests.application.world import ADMIN
from tests.conftest import fresh_app
from tests.store_support import PG_URL, pg_connect

pytestmark = pytest.mark.postgres


class Clock:
    """A clock the test moves: idle time passes without sleeping."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pool_and_check() -> Iterator[tuple[ConnectionPool, Clock, list[object]]]:
    clock, pinged = Clock(), []

    def ping(conn: object) -> None:
        pinged.append(conn)
        ConnectionPool.check_connection(conn)  # type: ignore[arg-type]

    check = PingIfIdle(idle_seconds=0.3, clock=clock, ping=ping)
    pool = ConnectionPool(PG_URL, min_size=2, max_size=2, check=check, open=True, timeout=5)
    pool.wait()
    try:
        yield pool, clock, pinged
    finally:
        pool.close()


def backend_pids(pool: ConnectionPool) -> set[int]:
    with pool.connection() as a, pool.connection() as b:
        return {a.info.backend_pid, b.info.backend_pid}


def terminate(pids: set[int]) -> None:
    with pg_connect() as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


class TestPingIfIdle:
    def test_a_connection_used_moments_ago_is_not_pinged_again(self, pool_and_check):
        pool, clock, pinged = pool_and_check
        for _ in range(10):
            clock.now += 0.1  # never idle longer than 0.3 s
            with pool.connection() as conn:
                conn.execute("SELECT 1")
        assert len(pinged) <= 2  # once per connection, on first use

    def test_a_connection_that_sat_idle_is_pinged_and_replaced_when_broken(self, pool_and_check):
        pool, clock, _ = pool_and_check
        old = backend_pids(pool)
        terminate(old)
        clock.now += 0.4  # longer than idle_seconds: the next checkouts ping
        new = backend_pids(pool)
        assert not new & old
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)


class TestRecover:
    def test_after_a_connection_error_every_broken_idle_connection_is_replaced(
        self, pool_and_check
    ):
        pool, _, _ = pool_and_check
        old = backend_pids(pool)
        terminate(old)
        recover(pool)  # what the recorder does on a connection error, before its retry
        for _ in range(4):  # no checkout may get a dead connection now
            with pool.connection() as conn:
                assert conn.info.backend_pid not in old
                assert conn.execute("SELECT 1").fetchone() == (1,)

    def test_recover_without_a_pool_or_a_database_does_not_raise(self):
        assert recover(None) is None
        dead = ConnectionPool(
            "postgresql://postgres@127.0.0.1:1/none", min_size=0, max_size=1, open=False
        )

        assert recover(dead) is None
        assert dead.closed and dead.get_stats().get("pool_available", 0) == 0  # no connection


class TestTheApplicationAfterItsConnectionsDied:
    def test_the_next_read_and_write_succeed_without_an_error(self):
        with fresh_app("postgres") as app:
            pool = app.recorder.datastore.pool  # type: ignore[attr-defined]
            terminate(backend_pids(pool))  # e.g. a database restart or a failover

            assert app.recorder.max_notification_id() is None  # one retry, after recover()
            terminate(backend_pids(pool))
            app.execute(Request(ADMIN), directory.register_org, "prov", "某省", "province", None)

            assert app.recorder.max_notification_id() == 1
