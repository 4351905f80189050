"""Reading many aggregates in one query (what standings use) gives exactly what reading them one
by one gives, now and as of a moment, on both stores; unknown ids are left out."""

from __future__ import annotations

import uuid

from application.usecases.history import state_at
from domain import ids
from domain.rating import Rating
from tests.application.world import COUNTIES, REVIEWERS, World, worked_example


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
