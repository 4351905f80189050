"""Read-model fixtures: the shared `app` (SQLite file or PostgreSQL schema), its ReadModels, and
helpers that catch views up synchronously and compare them with the in-memory fold."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from application.app import LianpingApp
from projections import audit
from projections.runner import RunnerConfig, Runners
from projections.runtime import start_projections_in_background
from projections.service import ReadModels, read_models
from projections.tables import Projection, Row, fold_all
from projections.views import View

#: Fast enough for tests: lock retries and polls in tens of milliseconds.
FAST = RunnerConfig(batch_size=50, poll_interval=0.05, lock_retry=0.02, backoff_initial=0.01,
                    backoff_max=0.05)


@pytest.fixture
def models(app: LianpingApp) -> ReadModels:
    return read_models(app)


@pytest.fixture
def runners(app: LianpingApp) -> Iterator[Runners]:
    handle = start_projections_in_background(app, config=FAST)
    try:
        yield handle
    finally:
        handle.stop()


def catch_up(models: ReadModels, view: View, batch_size: int = 100) -> int:
    """Apply the log to ``view`` synchronously, batch by batch (no runner threads)."""
    while batch := models.source.read(view.position(), batch_size):
        assert view.process(batch, live=False)
    return view.position()


def tables_of(view: View) -> dict[str, list[Row]]:
    return {table.name: view.dump(table) for table in view.projection.tables}


def fold_tables(models: ReadModels, projection: Projection) -> dict[str, list[Row]]:
    rows = fold_all(projection, models.source.read(0, 1_000_000))
    return {table.name: rows.dump(table) for table in projection.tables}


def assert_view_is_the_fold(models: ReadModels, view: View) -> None:
    expected = fold_tables(models, view.projection)
    actual = tables_of(view)
    for name in expected:
        assert actual[name] == expected[name], f"{view.projection.name}.{name} differs"


def head(app: LianpingApp) -> int:
    return app.recorder.max_notification_id() or 0


@contextmanager
def audit_reader(models: ReadModels) -> Iterator[tuple[list[tuple[int, int]], list[Exception]]]:
    """A thread that reads the audit trail until the block ends, noting (position, rows) of each
    read in ``seen`` and any error in ``failures``."""
    done, seen, failures = threading.Event(), [], []

    def read() -> None:
        try:
            while not done.is_set():
                with models.read("audit") as view:
                    page = audit.page(view, audit.Filters(), audit.Scope(True), 0, 1000)
                    seen.append((view.position, len(page["events"])))
        except Exception as error:  # noqa: BLE001 - the test reports it
            failures.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        yield seen, failures
    finally:
        done.set()
        reader.join()


def assert_readers_saw_whole_prefixes(
    models: ReadModels, seen: list[tuple[int, int]], failures: list[Exception]
) -> None:
    """Readers never went back in time, and each read held exactly the log up to its position."""
    assert not failures
    assert [p for p, _ in seen] == sorted(p for p, _ in seen), "a reader went back in time"
    logged = [e.position for e in models.source.read(0, 10**6)]
    assert all(count == sum(1 for p in logged if p <= position) for position, count in seen)
