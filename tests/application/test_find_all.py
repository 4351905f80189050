"""Reading many aggregates in one query (what standings use) gives exactly what reading them one
by one gives, now and as of a moment, on both stores; unknown ids are left out."""

from __future__ import annotations

import uuid

from application.app import LianpingApp, Request
from application.usecases import directory
from application.usecases.history import state_at
from domain import ids
from domain.rating import Rating
from tests.application.world import ADMIN, COUNTIES, REVIEWERS, World, worked_example


def state(aggregate: object) -> dict:
    return {k: v for k, v in vars(aggregate).items() if not k.startswith("_")}


def test_many_aggregates_in_one_read_equal_the_lookups_one_by_one(app):
    world = World(app)
    current = worked_example(world)
    wanted = [ids.rating_id(current, org, reviewer) for org in COUNTIES for reviewer in REVIEWERS]
    wanted += [ids.report_id(current, org) for org in COUNTIES]
    wanted += [uuid.uuid4() for _ in range(600)]  # unknown ids, and more than one SQLite chunk

    found = app.find_all(wanted)

    assert len(found) == 3 * len(REVIEWERS) + 3
    for aggregate_id, aggregate in found.items():
        assert state(aggregate) == state(app.find(type(aggregate), aggregate_id))


def test_as_of_a_moment_each_aggregate_is_folded_up_to_then(app):
    world = World(app)
    current = worked_example(world)
    first = app.find(Rating, ids.rating_id(current, "county-a", REVIEWERS[0]))
    assert first is not None
    moment = first.created_on  # before most of the cycle's other ratings
    wanted = [ids.rating_id(current, org, reviewer) for org in COUNTIES for reviewer in REVIEWERS]

    found = app.find_all(wanted, as_of=moment)

    expected = {i: state_at(app, Rating, i, moment) for i in wanted}
    assert {i: state(a) for i, a in found.items()} == {
        i: state(a) for i, a in expected.items() if a is not None
    }
    assert 0 < len(found) < len(wanted)


class TestReadAll:
    """``read_all``: find_all's current state, sharing the cache's objects and reading only the
    events after the versions it holds."""

    def test_it_equals_find_all_and_leaves_unknown_ids_out(self, app):
        current = worked_example(World(app))
        wanted = [ids.rating_id(current, org, r) for org in COUNTIES for r in REVIEWERS]
        wanted += [ids.report_id(current, org) for org in COUNTIES] + [uuid.uuid4()]

        cold, warm = app.read_all(wanted), app.read_all(wanted)

        expected = {i: state(a) for i, a in app.find_all(wanted).items()}
        assert {i: state(a) for i, a in cold.items()} == expected
        assert {i: state(a) for i, a in warm.items()} == expected
        assert all(warm[i] is cold[i] for i in warm)  # unchanged: the cached object itself

    def test_what_another_application_saved_is_read_and_a_held_object_never_changes(
        self, app, settings
    ):
        world = World(app)
        current = worked_example(world)
        report_id = ids.report_id(current, "county-a")
        held = app.read_all([report_id])[report_id]
        before = state(held)
        other = LianpingApp(settings)  # another process, on the same store
        try:
            other.execute(Request(ADMIN), directory.appoint_secretary, "county-a", "新书记",
                          None, app.today())
            org_id = ids.org_id("county-a")
            cached_org = app.read_all([org_id])[org_id]
            other.execute(Request(ADMIN), directory.appoint_secretary, "county-a", "又一书记",
                          None, app.today())
        finally:
            other.close()

        org = app.read_all([org_id])[org_id]
        assert org.version == cached_org.version + 1
        assert org.secretary_on()["name"] == "又一书记"
        assert cached_org.secretary_on()["name"] == "新书记"  # the object handed out before
        assert state(app.read_all([report_id])[report_id]) == before == state(held)
