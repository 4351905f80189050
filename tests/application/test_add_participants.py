"""添加全部下级单位: several participants in one command, all or nothing."""

from __future__ import annotations

import pytest

from application.usecases import cycles
from tests.application.scenario import then_refused
from tests.application.world import COUNTIES, World


@pytest.fixture
def world(app):
    found = World(app)
    found.run("organizer", cycles.create_cycle, "city", "county", 2026, "2026年度述职评议",
              cycle_id="c1")
    return found


def test_every_child_org_is_added_and_those_already_there_are_skipped(world: World):
    world.run("organizer", cycles.add_participant, "c1", "county-b")

    outcome = world.run("organizer", cycles.add_participants, "c1", list(COUNTIES))

    assert outcome.body["added"] == ["county-a", "county-c"]
    assert sorted(outcome.body["participants"]) == sorted(COUNTIES)


def test_one_org_that_may_not_take_part_refuses_them_all(world: World):
    then_refused(world.app, "not_direct_subordinate",
                 lambda: world.run("organizer", cycles.add_participants, "c1",
                                   ["county-a", "city"]))
    then_refused(world.app, "organizer_required",
                 lambda: world.run("inspector", cycles.add_participants, "c1", ["county-a"]))


def test_nothing_new_is_refused(world: World):
    world.run("organizer", cycles.add_participants, "c1", list(COUNTIES))
    then_refused(world.app, "nothing_to_add",
                 lambda: world.run("organizer", cycles.add_participants, "c1", ["county-a"]))
