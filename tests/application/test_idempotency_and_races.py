"""Idempotent retries, conditional writes and concurrent writers, on both stores."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from application.app import LianpingApp, Request
from application.usecases import cycle_reading, cycles, directory, participants
from domain.errors import DomainError
from tests.application.scenario import position, then_refused
from tests.application.world import ADMIN, World


@pytest.fixture
def world(app):
    w = World(app)
    w.cycle("c1", 2026)
    return w


def keyed(world, who, key, fingerprint="same"):
    return Request(
        world.who(who) if isinstance(who, str) else who,
        idempotency_key=key,
        fingerprint=fingerprint,
    )


class TestIdempotency:
    def test_a_retry_returns_the_first_answer_and_records_nothing(self, app, world):
        request = keyed(world, "organizer", "add-a")
        world.advance("c1", "reporting")
        first = app.execute(request, cycles.advance, "c1", "reviewing", None)
        before = position(app)
        again = app.execute(request, cycles.advance, "c1", "reviewing", None)
        assert again.replayed and not first.replayed
        assert (again.body, again.version, again.position) == (
            first.body,
            first.version,
            first.position,
        )
        assert position(app) == before

    def test_the_same_key_with_another_request_is_refused(self, app, world):
        app.execute(keyed(world, "organizer", "k", "one"), cycles.advance, "c1", "reporting", None)
        then_refused(
            app,
            "idempotency_key_reused",
            lambda: app.execute(
                keyed(world, "organizer", "k", "two"), cycles.advance, "c1", "reviewing", None
            ),
        )

    def test_keys_are_scoped_to_the_account(self, app, world):
        app.execute(keyed(world, ADMIN, "k"), directory.open_account, "x1", "某人", "city")
        other = app.execute(keyed(world, "organizer", "k"), cycles.advance, "c1", "reporting", None)
        assert not other.replayed

    def test_a_refused_command_stores_nothing_under_its_key(self, app, world):
        request = keyed(world, "organizer", "k")
        with pytest.raises(DomainError):
            app.execute(request, cycles.advance, "c1", "reviewing", None)
        assert app.execute(request, cycles.advance, "c1", "reporting", None).body == {
            "phase": "reporting"
        }

    def test_a_replay_survives_a_restart(self, settings, world):
        request = keyed(world, "organizer", "k")
        first = world.app.execute(request, cycles.advance, "c1", "reporting", None)
        restarted = LianpingApp(settings)
        try:
            again = restarted.execute(request, cycles.advance, "c1", "reporting", None)
        finally:
            restarted.close()
        assert again.replayed and again.position == first.position


class TestIfMatch:
    def test_a_stale_version_is_refused_before_any_other_rule(self, app, world):
        stale = Request(world.who("organizer"), if_match=1)
        then_refused(
            app,
            "version_mismatch",
            lambda: app.execute(stale, cycles.advance, "c1", "closed", None),
            kind="precondition",
        )

    def test_the_current_version_goes_through(self, app, world):
        cycle = cycle_reading.get_cycle(app, Request(world.who("organizer")), "c1")
        current = Request(world.who("organizer"), if_match=cycle["version"])
        assert app.execute(current, cycles.advance, "c1", "reporting", None).version == (
            cycle["version"] + 1
        )

    def test_if_match_zero_means_the_item_must_not_exist_yet(self, app, world):
        world.reviewing("c1")
        create_only = Request(world.who("reviewer-1"), if_match=0)
        app.execute(create_only, participants.rate, "c1", "county-a", "good", None, None)
        then_refused(
            app,
            "version_mismatch",
            lambda: app.execute(
                create_only, participants.rate, "c1", "county-a", "poor", None, "改"
            ),
        )


class TestRaces:
    def test_commands_that_commute_all_land_when_they_race(self, app, world):
        for n in range(8):
            world.person(f"extra-{n}", f"评议人{n}", "city")

        def add(n):
            return world.run("organizer", cycles.add_panel_member, "c1", f"extra-{n}")

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(add, range(8)))
        panel = cycle_reading.get_cycle(app, Request(world.who("organizer")), "c1")["panel"]
        assert sorted(p for p in panel if p.startswith("extra-")) == [
            f"extra-{n}" for n in range(8)
        ]

    def test_a_racing_duplicate_rating_becomes_an_amendment_that_needs_a_reason(self, app, world):
        world.reviewing("c1")

        def rate(grade):
            try:
                return world.run(
                    "reviewer-1", participants.rate, "c1", "county-a", grade, None, None
                )
            except DomainError as error:
                return error

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(rate, ["good", "poor"]))
        created = [a for a in answers if not isinstance(a, DomainError)]
        refused = [a for a in answers if isinstance(a, DomainError)]
        assert len(created) == 1 and created[0].created
        assert [e.code for e in refused] == ["reason_required"]
