"""A save that fails with a store error may have landed (on PostgreSQL a lost COMMIT reply that
the recorder's retry could not settle; on SQLite an error after the commit): the command is then
answered with the store error, never decided again, so it is recorded at most once. Both stores."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from eventsourcing.persistence import OperationalError

from application.app import LianpingApp
from application.usecases import participants
from tests.application.scenario import event_types_since, position
from tests.application.world import World


@pytest.fixture
def world(app):
    w = World(app)
    w.cycle("c1", 2026)
    return w


@contextmanager
def the_next_save_lands_then_fails(app: LianpingApp) -> Iterator[list[object]]:
    real = app.recorder.insert_events
    saves: list[object] = []

    def insert_events(*args, **kwargs):
        ids = real(*args, **kwargs)
        saves.append(ids)
        if len(saves) == 1:
            raise OperationalError("the connection dropped after the commit")
        return ids

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app.recorder, "insert_events", insert_events)
        yield saves


class TestAStoreErrorAfterTheSaveLanded:
    def test_a_report_is_not_submitted_again(self, app, world):
        world.advance("c1", "reporting")  # the cycle is cached: the report decides on the cache
        before = position(app)
        with the_next_save_lands_then_fails(app) as saves, pytest.raises(OperationalError):
            world.report("c1", "county-a")
        assert len(saves) == 1
        assert event_types_since(app, before) == ["Report.Submitted"]

    def test_a_first_rating_is_not_decided_again(self, app, world):
        world.reviewing("c1")
        before = position(app)
        with the_next_save_lands_then_fails(app) as saves, pytest.raises(OperationalError):
            world.run("reviewer-1", participants.rate, "c1", "county-a", "good", None, None)
        assert len(saves) == 1
        assert event_types_since(app, before) == ["Rating.Recorded"]
