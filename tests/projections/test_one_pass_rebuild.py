"""Rebuilding every read model in one pass over the log gives the same tables as rebuilding each
alone and as the in-memory fold, keeps the serving generations answering, and leaves them alone
when it crashes."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from domain.values import plain
from projections.bulk import BulkRows
from projections.envelope import to_json
from projections.rebuild import RebuildInProgressError, rebuild_read_model, rebuild_read_models
from projections.registry import NAMES
from projections.store import PostgresStore
from projections.tables import MemoryRows, Projection, project
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
#: Tiny batches, flushes and cache: every path of BulkRows (flush, forget, read back) is taken.
TINY = {"batch_size": 7, "flush_every": 13, "max_values": 20}


class TestAOnePassRebuild:
    def test_gives_the_fold_s_tables_for_every_read_model_and_switches_to_them(
        self, app, models, world
    ):
        rich_history(world)
        result = rebuild_read_models(models, **TINY)

        assert set(result["read_models"]) == set(NAMES)
        assert result["events"] == head(app) and result["position"] == head(app)
        for name in NAMES:
            answer = result["read_models"][name]
            assert (answer["previous_generation"], answer["generation"]) == (1, 2)
            assert answer["events"] == head(app) and answer["position"] == head(app)
            serving = models.store.ensure(models.projections[name])
            assert serving.generation == 2
            assert models.position(name) == head(app)
            assert_view_is_the_fold(models, serving)
        assert sum(a["rows_read_back"] for a in result["read_models"].values()) > 0

    def test_gives_the_planner_statistics_of_the_tables_it_loaded(self, models, world):
        # Tables filled in bulk are analyzed before they serve (on PostgreSQL, a table never
        # analyzed has reltuples -1 and its reads are planned blind).
        rich_history(world)
        rebuild_read_models(models, **TINY)
        for name in NAMES:
            projection = models.projections[name]
            serving = models.store.ensure(projection)
            with models.store.read(projection) as r:
                if isinstance(models.store, PostgresStore):
                    for table in serving.tables.values():
                        [row] = r.fetch("SELECT reltuples FROM pg_class WHERE oid = ?::regclass",
                                        (table,))
                        assert row["reltuples"] >= 0, table
                else:
                    analyzed = {row["tbl"] for row in r.fetch("SELECT tbl FROM sqlite_stat1")}
                    filled = {t.name for t in projection.tables if serving.dump(t)}
                    assert filled and {
                        serving.tables[t].strip('"') for t in filled} <= analyzed

    def test_of_an_empty_log_switches_to_empty_tables(self, app, models):
        result = rebuild_read_models(models)

        assert result["events"] == 0
        for name in NAMES:
            serving = models.store.ensure(models.projections[name])
            assert serving.generation == 2 and serving.position() == 0
            assert all(rows == [] for rows in tables_of(serving).values())

    def test_gives_the_same_tables_as_rebuilding_each_read_model_alone(self, models, world):
        rich_history(world)
        rebuild_read_models(models, **TINY)
        together = {n: tables_of(models.store.ensure(models.projections[n])) for n in NAMES}
        for name in NAMES:
            rebuild_read_model(models, name)
            alone = models.store.ensure(models.projections[name])
            assert alone.generation == 3
            assert tables_of(alone) == together[name]

    def test_of_some_read_models_leaves_the_others_alone(self, app, models, world):
        rich_history(world)
        catch_up(models, models.store.ensure(models.projections["flags"]))

        result = rebuild_read_models(models, ["audit", "records"])

        assert set(result["read_models"]) == {"audit", "records"}
        assert {n: models.store.generation(n) for n in NAMES} == {
            "audit": 2, "flags": 1, "rectification": 1, "records": 2, "finding": 1,
        }
        assert models.position("flags") == head(app)

    def test_while_the_runners_apply_commands_and_readers_read_loses_nothing(
        self, app, models, world, runners
    ):
        rich_history(world)
        for name in NAMES:
            assert models.wait(name, head(app), WAIT)
        written: list[Exception] = []

        def write() -> None:
            try:
                for n in range(3):
                    cycle_id = new_cycle(world, f"meanwhile-{n}", 2300 + n, None)
                    run_script(world, cycle_id, [("forward",), ("report", "county-a")])
            except Exception as error:  # noqa: BLE001 - reported below
                written.append(error)

        writer = threading.Thread(target=write)
        with audit_reader(models) as (seen, failures):
            writer.start()
            try:
                for _ in range(2):
                    rebuild_read_models(models, **TINY)
            finally:
                writer.join()

        assert not written
        assert_readers_saw_whole_prefixes(models, seen, failures)
        for name in NAMES:
            assert models.wait(name, head(app), WAIT)
            serving = models.store.ensure(models.projections[name])
            assert serving.generation == 3
            assert_view_is_the_fold(models, serving)

    def test_that_crashes_after_some_flushes_leaves_every_serving_generation_alone(
        self, app, models, world
    ):
        rich_history(world)
        before = {}
        for name in NAMES:
            serving = models.store.ensure(models.projections[name])
            catch_up(models, serving)
            before[name] = tables_of(serving)
        projection = models.projections["records"]
        models.projections["records"] = Projection(
            projection.name, projection.tables, _crashing_after(projection, head(app) // 2)
        )
        try:
            with pytest.raises(RuntimeError, match="died"):
                rebuild_read_models(models, **TINY)
        finally:
            models.projections["records"] = projection

        for name in NAMES:
            serving = models.store.ensure(models.projections[name])
            assert serving.generation == 1
            assert tables_of(serving) == before[name]
        result = rebuild_read_models(models)  # the leftovers are dropped, the locks were freed
        for name in NAMES:
            assert result["read_models"][name]["generation"] == 2
            assert_view_is_the_fold(models, models.store.ensure(models.projections[name]))

    def test_is_refused_while_a_rebuild_of_one_of_its_read_models_runs(self, models, world):
        rich_history(world)
        locks = models.store.locks()
        held = locks.lock("records.rebuild")
        assert held.try_acquire()
        try:
            with pytest.raises(RebuildInProgressError):
                rebuild_read_models(models)
            assert {models.store.generation(n) for n in NAMES} == {1}
        finally:
            held.release()
            locks.close()
        assert rebuild_read_models(models)["read_models"]["audit"]["generation"] == 2


def _crashing_after(projection: Projection, position: int):
    def fold(rows, event):
        if event.position > position:
            raise RuntimeError("the rebuild process died")
        yield from projection.fold(rows, event)

    return fold


class TestBulkRows:
    @pytest.mark.parametrize("copy", [True, False], ids=["copy", "executemany"])
    def test_forget_only_what_is_in_the_tables_and_read_it_back(self, models, world, copy):
        rich_history(world)
        projection = models.projections["records"]
        fresh = models.store.view(projection, 9)
        rows, reference = BulkRows(fresh, max_values=1), MemoryRows()
        rows.copy = copy  # PostgreSQL: COPY, or executemany as the bench's "no copy" rebuild
        events = models.source.read(0, 10**6)
        for n, event in enumerate(events, 1):
            project(rows, projection.fold, event)
            project(reference, projection.fold, event)
            if n % 5 == 0:
                rows.flush(event.position)
        rows.flush(events[-1].position)

        assert rows.loads > 0
        assert fresh.position() == events[-1].position
        assert tables_of(fresh) == {t.name: reference.dump(t) for t in projection.tables}
        models.store.drop(projection, 9)


class TestEventDataAsJson:
    def test_is_what_plain_and_json_dumps_give(self):
        data = {
            "b": [1, (2, 3), {"z": Decimal("1.50"), "a": None}],
            "a": {"when": datetime(2026, 5, 4, 3, 2, 1, 123, tzinfo=UTC), "day": date(2026, 5, 4)},
            "id": UUID(int=7), "tags": {"x"}, "text": "述职", "ok": True, "n": 1.5,
        }
        assert to_json(data) == json.dumps(plain(data), ensure_ascii=False, sort_keys=True)

    def test_refuses_what_plain_would_not_make_json(self):
        with pytest.raises(TypeError):
            to_json({"x": object()})
