"""A busy PostgreSQL store (every pooled connection taken, or the log's write lock held elsewhere)
fails a call after the configured wait, once: the wait is not retried (the connection is fine, a
retry would only wait as long again) and a command is not decided again after a store error."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import OperationalError

from application.app import LianpingApp, Request
from application.settings import Settings
from application.usecases import directory
from tests.application.world import ADMIN
from tests.conftest import POSTGRES_URL, fresh_postgres_schema

pytestmark = pytest.mark.postgres

WAIT = 1  # seconds: LIANPING_CONNECT_TIMEOUT and LIANPING_LOCK_TIMEOUT


@pytest.fixture
def busy_app() -> Iterator[LianpingApp]:
    with fresh_postgres_schema() as schema, tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=POSTGRES_URL, postgres_schema=schema, pool_size=1, max_overflow=0,
            connect_timeout=WAIT, lock_timeout=WAIT,
            signing_key_file=str(Path(folder) / "signing-key.pem"),
        )
        app = LianpingApp(settings)
        try:
            yield app
        finally:
            app.close()


def seconds_to_fail(call: Callable[[], Any]) -> float:
    started = time.monotonic()
    with pytest.raises(OperationalError):
        call()
    return time.monotonic() - started


def register(app: LianpingApp, code: str) -> Any:
    return app.execute(Request(ADMIN), directory.register_org, code, "某省", "province", None)


class TestWithEveryPooledConnectionTaken:
    def test_a_read_and_a_command_fail_after_one_wait(self, busy_app: LianpingApp) -> None:
        register(busy_app, "prov")
        pool: Any = busy_app.recorder.datastore.pool  # type: ignore[attr-defined]
        taken = pool.getconn()
        try:
            read = seconds_to_fail(lambda: busy_app.recorder.max_notification_id())
            command = seconds_to_fail(lambda: register(busy_app, "other"))
        finally:
            pool.putconn(taken)

        assert WAIT <= read < 1.5 * WAIT
        assert WAIT <= command < 1.5 * WAIT
        assert register(busy_app, "other").position == 2


class TestWithTheLogLockedElsewhere:
    def test_a_command_fails_after_one_lock_wait_and_records_nothing(
        self, busy_app: LianpingApp
    ) -> None:
        register(busy_app, "prov")  # cached: the next command decides without a round trip
        recorder: Any = busy_app.recorder
        table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
        with psycopg.connect(POSTGRES_URL) as holder:
            holder.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            took = seconds_to_fail(lambda: register(busy_app, "other"))
            holder.rollback()

        assert WAIT <= took < 1.5 * WAIT + 0.5
        assert busy_app.recorder.max_notification_id() == 1
