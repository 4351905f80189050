"""A read model whose declared tables differ from the serving generation's rebuilds itself when
its runner starts (once, whichever process runs it), and reads refuse the old tables meanwhile
(503 read_model_rebuilding), on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from projections import audit, finding
from projections.deadlines import WARNINGS
from projections.envelope import Envelope
from projections.registry import NAMES
from projections.runner import Runners
from projections.service import ReadModels
from projections.shape import SHAPES, ReadModelRebuildingError
from projections.tables import Change, Projection, Put, Rows, table
from projections.views import table_name
from tests.api.helpers import Api, error_code
from tests.e2e.server import poll_until
from tests.projections.conftest import FAST, assert_view_is_the_fold, head
from tests.projections.scripts import new_cycle, rich_history, run_script

WAIT = 20.0
REBUILDING = "tables changed, rebuilding into generation"


def more_events(world, n: int) -> None:
    cycle_id = new_cycle(world, f"shape-{n}", 2200 + n, None)
    run_script(world, cycle_id, [("forward",), ("report", "county-a")])


def fold_everything(models: ReadModels) -> None:
    with Runners(list(models.projections.values()), models.store, models.source, FAST,
                 committed=models.committed):
        assert until(lambda: all(r["shape_current"] for r in models.status()))
        for name in NAMES:
            assert models.wait(name, head(models.app), WAIT), name


def as_the_release_before(models: ReadModels) -> None:
    """The finding model's serving tables as a store made before ``cycles.rehearsal`` and
    ``cycle_warnings`` existed, and before shapes were recorded."""
    store, dialect = models.store, models.store.dialect
    generation = store.generation(finding.NAME)
    assert generation is not None
    cycles = dialect.name(table_name(finding.NAME, generation, finding.CYCLES))
    with store.write() as cursor:
        cursor.execute(f"ALTER TABLE {cycles} DROP COLUMN rehearsal")
        cursor.execute(
            f"DROP TABLE {dialect.name(table_name(finding.NAME, generation, WARNINGS))}"
        )
        cursor.execute(f"DELETE FROM {dialect.name(SHAPES)}")


def until(condition, timeout: float = WAIT) -> bool:
    return poll_until(condition, timeout, interval=0.02)


def rebuilds_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if REBUILDING in r.getMessage()]


@pytest.fixture(autouse=True)
def _warnings(caplog) -> Iterator[None]:
    with caplog.at_level(logging.WARNING, logger="projections.runner"):
        yield


class TestAnUpgradedStore:
    def test_rebuilds_the_changed_read_model_once_and_reads_give_the_fold(
        self, app, models, world, caplog
    ):
        rich_history(world)
        fold_everything(models)
        as_the_release_before(models)

        restarted = ReadModels(app)  # a process of the new release starting
        assert not restarted.store.shape_current(finding.PROJECTION)
        with pytest.raises(ReadModelRebuildingError), restarted.read(finding.NAME):
            pass
        assert {r["name"]: r["shape_current"] for r in restarted.status()} == {
            name: name != finding.NAME for name in NAMES}
        more_events(world, 1)

        with Runners(list(restarted.projections.values()), restarted.store, restarted.source,
                     FAST, committed=restarted.committed):
            assert until(lambda: restarted.store.generation(finding.NAME) == 2)
            for name in NAMES:
                assert restarted.wait(name, head(app), WAIT), name

        assert rebuilds_logged(caplog) == [
            f"read model finding: {REBUILDING} 2"]
        assert {name: restarted.store.generation(name) for name in NAMES} == {
            name: 2 if name == finding.NAME else 1 for name in NAMES}
        assert all(r["shape_current"] for r in restarted.status())
        assert_view_is_the_fold(restarted, restarted.store.ensure(finding.PROJECTION))
        with restarted.read(finding.NAME) as view:
            assert view.position == head(app)
            years = view.fetch(f"SELECT year, rehearsal FROM {view.table(finding.CYCLES)}")
        assert {r["year"] for r in years} >= {2201}

        # Started again: nothing to rebuild.
        more_events(world, 2)
        with Runners(list(restarted.projections.values()), restarted.store, restarted.source,
                     FAST, committed=restarted.committed):
            for name in NAMES:
                assert restarted.wait(name, head(app), WAIT), name
        assert len(rebuilds_logged(caplog)) == 1
        assert restarted.store.generation(finding.NAME) == 2
        assert_view_is_the_fold(restarted, restarted.store.ensure(finding.PROJECTION))

    def test_made_before_shapes_were_recorded_with_the_same_columns_is_not_rebuilt(
        self, app, models, world, caplog
    ):
        rich_history(world)
        fold_everything(models)
        with models.store.write() as cursor:
            cursor.execute(f"DELETE FROM {models.store.dialect.name(SHAPES)}")

        restarted = ReadModels(app)
        assert all(r["shape_current"] for r in restarted.status())
        more_events(world, 1)
        fold_everything(restarted)

        assert rebuilds_logged(caplog) == []
        assert {restarted.store.generation(name) for name in NAMES} == {1}
        assert_view_is_the_fold(restarted, restarted.store.ensure(finding.PROJECTION))


SEEN = table("seen", "position", "position", "position")


def with_a_new_table(projection: Projection) -> Projection:
    """The next release's audit model: one more table."""

    def fold(rows: Rows, event: Envelope) -> Iterator[Change]:
        yield from projection.fold(rows, event)
        yield Put(SEEN, {"position": event.position})

    return Projection(projection.name, (*projection.tables, SEEN), fold)


class TestTwoProcessesStartingAtOnce:
    def test_rebuild_the_changed_read_model_once(self, app, models, world, caplog):
        rich_history(world)
        fold_everything(models)
        changed = with_a_new_table(models.projections[audit.NAME])

        handles = [Runners([changed], models.store, models.source, FAST,
                           committed=models.committed) for _ in range(2)]
        try:
            assert until(lambda: models.store.generation(audit.NAME) == 2)
            assert models.wait(audit.NAME, head(app), WAIT)
            holder = next(h for h in handles if h.runners[audit.NAME].holding.is_set())
            holder.stop()  # the other one takes over: its tables are current already
            other = next(h for h in handles if h is not holder)
            assert other.runners[audit.NAME].holding.wait(WAIT)
            more_events(world, 1)
            assert models.wait(audit.NAME, head(app), WAIT)
        finally:
            for handle in handles:
                handle.stop()

        assert rebuilds_logged(caplog) == [f"read model audit: {REBUILDING} 2"]
        assert models.store.generation(audit.NAME) == 2
        assert_view_is_the_fold(models, models.store.ensure(changed))
        with models.store.read(changed) as view:
            seen = view.fetch(f"SELECT position FROM {view.table(SEEN)} ORDER BY position")
        assert [r["position"] for r in seen] == [
            e.position for e in models.source.read(0, 10**6)]
        with pytest.raises(ReadModelRebuildingError), models.read(audit.NAME):
            pass  # this code declares the old tables: not what serves now


def test_requests_answer_503_read_model_rebuilding_until_the_rebuild(app, models):
    with TestClient(create_app(application=app)) as client:
        api = Api(client, app)
        rich_history(api.world)
        fold_everything(models)
        assert api.organizer.get("/cycles").status_code == 200
        as_the_release_before(models)

        refused = api.organizer.get("/cycles")
        assert refused.status_code == 503, refused.text
        assert error_code(refused) == "read_model_rebuilding"
        assert refused.headers["Retry-After"]

        fold_everything(models)
        answered = api.organizer.get("/cycles")
        assert answered.status_code == 200, answered.text
        assert answered.json()["position"] == head(app)
        assert answered.json()["cycles"]
