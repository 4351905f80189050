"""Rebuilds fold the whole log into fresh tables while the old ones serve, then switch at once."""

from __future__ import annotations

import pytest

from projections.rebuild import RebuildInProgressError, rebuild_read_model
from projections.registry import NAMES
from projections.runtime import lag, status
from projections.tables import Projection
from tests.projections.conftest import (
    assert_readers_saw_whole_prefixes,
    assert_view_is_the_fold,
    audit_reader,
    catch_up,
    head,
    tables_of,
)
from tests.projections.scripts import new_cycle, rich_history, run_script

WAIT = 10.0


class TestARebuild:
    def test_gives_identical_tables_and_switches_to_them(self, app, models, world):
        rich_history(world)
        for name in NAMES:
            old = models.store.ensure(models.projections[name])
            catch_up(models, old, batch_size=17)

            result = rebuild_read_model(models, name, batch_size=10)

            new = models.store.ensure(models.projections[name])
            assert (old.generation, new.generation, result["generation"]) == (1, 2, 2)
            assert result["events"] == head(app) and result["position"] == head(app)
            assert tables_of(new) == tables_of(old)
            assert models.position(name) == head(app)

    def test_while_commands_arrive_and_readers_read_loses_nothing(
        self, app, models, world, runners
    ):
        rich_history(world)
        assert models.wait("audit", head(app), WAIT)
        with audit_reader(models) as (seen, failures):
            for n in range(3):
                cycle_id = new_cycle(world, f"during-{n}", 2200 + n, None)
                run_script(world, cycle_id, [("forward",), ("report", "county-a")])
                rebuild_read_model(models, "audit", batch_size=25)

        assert_readers_saw_whole_prefixes(models, seen, failures)
        assert models.wait("audit", head(app), WAIT)
        serving = models.store.ensure(models.projections["audit"])
        assert serving.generation == 4
        assert_view_is_the_fold(models, serving)

    def test_that_crashes_leaves_the_serving_tables_alone_and_the_next_one_succeeds(
        self, app, models, world
    ):
        rich_history(world)
        projection = models.projections["records"]
        serving = models.store.ensure(projection)
        catch_up(models, serving)
        before = tables_of(serving)
        models.projections["records"] = Projection(projection.name, projection.tables,
                                                    _crashing)
        with pytest.raises(RuntimeError):
            rebuild_read_model(models, "records")
        models.projections["records"] = projection

        assert models.store.generation("records") == 1
        assert tables_of(serving) == before
        assert rebuild_read_model(models, "records")["generation"] == 2
        assert_view_is_the_fold(models, models.store.ensure(projection))

    def test_is_refused_while_another_rebuild_of_the_same_model_runs(self, models):
        locks = models.store.locks()
        held = locks.lock("flags.rebuild")
        assert held.try_acquire()
        try:
            with pytest.raises(RebuildInProgressError):
                rebuild_read_model(models, "flags")
        finally:
            held.release()
            locks.close()


def _crashing(rows, event):
    if event.position > 50:
        raise RuntimeError("the rebuild process died")
    yield from ()


class TestStatusAndLag:
    def test_report_each_read_model_s_position_against_the_head(self, app, models, world):
        rich_history(world)
        catch_up(models, models.store.ensure(models.projections["audit"]))

        rows = {row["name"]: row for row in status(app)}
        assert set(rows) == set(NAMES)
        assert rows["audit"] == {"name": "audit", "generation": 1, "position": head(app),
                                 "head": head(app), "lag": 0, "shape_current": True,
                                 "rebuilding": False}
        assert lag(app) == {name: (0 if name == "audit" else head(app)) for name in NAMES}
        assert lag(app.settings)["audit"] == 0
