"""A command's first attempt does not read its idempotency record: a retry is told apart by the
record's unique key, or, when deciding it again is refused, by reading the record before the
refusal is answered. Either way a retry gets the recorded answer. Both stores."""

from __future__ import annotations

import pytest

from application.app import Request
from application.usecases import notes, participants
from tests.application.scenario import position, then_refused
from tests.application.world import World


@pytest.fixture
def world(app):
    w = World(app)
    w.cycle("c1", 2026)
    w.reviewing("c1")
    return w


def keyed(world, who, key="k", fingerprint="f"):
    return Request(world.who(who), idempotency_key=key, fingerprint=fingerprint)


def rate(app, request, grade="good"):
    return app.execute(request, participants.rate, "c1", "county-a", grade, None, None)


class TestARetryWhoseDecisionWouldNowBeRefused:
    def test_a_first_rating_retried_answers_its_201(self, app, world):
        first = rate(app, keyed(world, "reviewer-1"))
        before = position(app)
        again = rate(app, keyed(world, "reviewer-1"))  # decided now: an amendment with no reason
        assert again.replayed and again.created
        assert (again.body, again.version, again.position) == (
            first.body, first.version, first.position)
        assert position(app) == before

    def test_the_key_with_another_request_is_refused_as_reused(self, app, world):
        rate(app, keyed(world, "reviewer-1", fingerprint="one"))
        then_refused(
            app, "idempotency_key_reused",
            lambda: rate(app, keyed(world, "reviewer-1", fingerprint="two"), "poor"),
        )

    def test_an_unused_key_gets_the_refusal(self, app, world):
        rate(app, Request(world.who("reviewer-1")))
        then_refused(app, "reason_required", lambda: rate(app, keyed(world, "reviewer-1"), "poor"))


class TestARetryWhoseDecisionWouldNowSucceed:
    def test_a_note_retried_is_recorded_once(self, app, world):
        request = keyed(world, "inspector")
        subject = position(app)
        first = app.execute(request, notes.record_note, "核实", subject_position=subject)
        again = app.execute(request, notes.record_note, "核实", subject_position=subject)
        assert again.replayed and again.position == first.position == position(app)
        assert again.body == first.body
