"""Exactly once: a batch's rows and its tracking position commit together or not at all; replays
change nothing; every position is tracked, relevant to the view or not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections import remembered, views
from projections.envelope import Envelope
from projections.remembered import Remembered
from projections.tables import Change, Projection, Rows
from tests.projections.conftest import assert_view_is_the_fold, catch_up, head, tables_of
from tests.projections.scripts import rich_history


class Crash(Exception):
    pass


@pytest.fixture
def history(world):
    return rich_history(world)


def crashing_at(projection: Projection, position: int) -> Projection:
    def fold(rows: Rows, event: Envelope) -> Iterator[Change]:
        yield from projection.fold(rows, event)
        if event.position == position:
            raise Crash(f"crash while folding {position}")

    return Projection(projection.name, projection.tables, fold)


class TestABatchThatFails:
    def test_after_its_rows_and_tracking_were_written_leaves_nothing_behind(
        self, app, models, history, monkeypatch
    ):
        events = models.source.read(0, 10_000)
        half = len(events) // 2
        for projection in models.projections.values():
            view = models.store.ensure(projection)
            view.process(events[:half])
            before, position = tables_of(view), view.position()
            original = type(view)._insert_tracking

            def write_then_crash(self, cursor, tracking, original=original):
                original(self, cursor, tracking)
                raise Crash("the process died before COMMIT")

            monkeypatch.setattr(type(view), "_insert_tracking", write_then_crash)
            with pytest.raises(Crash):
                view.process(events[half:])

            assert tables_of(view) == before
            assert view.position() == position
            monkeypatch.undo()
            view.process(events[half:])
            assert view.position() == head(app)
            assert_view_is_the_fold(models, view)

    def test_in_the_middle_of_the_fold_leaves_nothing_behind(self, app, models, history):
        events = models.source.read(0, 10_000)
        for name, projection in models.projections.items():
            view = models.store.ensure(projection)
            view.projection = crashing_at(projection, events[len(events) * 2 // 3].position)
            before = tables_of(view)

            with pytest.raises(Crash):
                view.process(events)

            assert tables_of(view) == before, name
            assert view.position() == 0
            view.projection = projection
            catch_up(models, view, batch_size=13)
            assert_view_is_the_fold(models, view)


class TestReplayingEvents:
    def test_changes_nothing(self, app, models, history):
        for projection in models.projections.values():
            view = models.store.ensure(projection)
            catch_up(models, view)
            tables, position = tables_of(view), view.position()

            assert view.process(models.source.read(0, 10_000))
            assert view.process(models.source.read(position // 2, 50))

            assert tables_of(view) == tables
            assert view.position() == position


class TestEveryPositionIsTracked:
    def test_even_when_no_event_concerns_the_view(self, app, models, world):
        view = models.store.ensure(models.projections["rectification"])
        assert head(app) > 0  # accounts, grants (and org names): nothing for the board's plans
        catch_up(models, view)
        assert view.position() == head(app)
        tables = tables_of(view)
        assert [row["code"] for row in tables.pop("org_names")] == sorted(
            ["prov", "city", "county-a", "county-b", "county-c"]
        )
        assert tables == {"plans": [], "plan_versions": [], "items": [], "feedback": []}


class TestRowsRememberedBetweenBatches:
    def test_are_forgotten_once_another_writer_applied_a_batch(self, app, models, history):
        events = models.source.read(0, 10_000)
        thirds = [events[: len(events) // 3], events[len(events) // 3: len(events) * 2 // 3],
                  events[len(events) * 2 // 3:]]
        for name, projection in models.projections.items():
            view = models.store.ensure(projection)
            other = models.store._new_view(projection, view.generation)  # another process's
            assert view.process(thirds[0])
            assert other.process(thirds[1])  # rows `view` remembers may be stale now
            assert view.process(thirds[2])
            assert view.position() == head(app), name
            assert_view_is_the_fold(models, view)

    def test_save_reading_the_same_rows_again(self, app, models, history, monkeypatch):
        events = models.source.read(0, 10_000)
        reads: list[int] = []
        counting = views.fetch_rows
        monkeypatch.setattr(views, "fetch_rows", lambda c: reads.append(1) or counting(c))
        found = {}
        for remembering in (True, False):
            view = models.store._new_view(models.projections["audit"], 1)
            view.drop()
            view = models.store._new_view(models.projections["audit"], 1)
            view.create_table()
            for start in range(0, len(events) - 20, 20):
                assert view.process(events[start:start + 20])
                if not remembering:
                    view._remembered = Remembered()
            reads.clear()
            assert view.process(events[len(events) - 20 - len(events) % 20:])
            found[remembering] = len(reads)
            assert_view_is_the_fold(models, view)
        assert found[True] < found[False]

    def test_through_their_generations_leave_every_view_the_fold(
        self, app, models, history, monkeypatch
    ):
        monkeypatch.setattr(remembered, "KNOWN_ROWS", 7)  # the young rows age every batch or two
        for projection in models.projections.values():
            view = models.store.ensure(projection)
            catch_up(models, view, batch_size=5)
            assert view._remembered._old  # rows did age
            assert_view_is_the_fold(models, view)
