"""Commands decide on cached aggregates and their saves assert what they read (read guards): a
stale cache can cost a second attempt, never a wrong decision, in either direction."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from application import lookups
from application.app import LianpingApp, Outcome, Request
from application.principal import require_organizer
from application.usecases import cycles, directory, participants
from domain import ids
from domain.errors import DomainError, ForbiddenError, UnauthorizedError
from domain.organization import Organization
from domain.rating import Rating
from tests.application.world import ADMIN, World
from tests.store_support import store_reads


@pytest.fixture
def other(settings) -> Any:
    """Another Application on the same store, as another process would have."""
    opened = LianpingApp(settings)
    yield opened
    opened.close()


def reviewing(app: LianpingApp) -> World:
    """The world with cycle "c" open for review (every county has reported)."""
    world = World(app)
    world.cycle("c", 2026)
    world.reviewing("c")
    return world


def appoint_on_county_b(app: LianpingApp, request: Request, name: str) -> Outcome:
    """The write of the test use cases: one event on an aggregate they did not only read."""
    target = app.find(Organization, ids.org_id("county-b"))
    assert target is not None
    target.appoint_secretary(name, None, app.today(), "admin")
    return app.commit(request, target, item=target, body={})


def rate(app: LianpingApp, world: World, reviewer: str, county: str = "county-a") -> Outcome:
    return app.execute(
        Request(world.who(reviewer)), participants.rate, "c", county, "good", None, None
    )


class TestAStaleCache:
    def test_a_refusal_decided_on_stale_state_is_decided_again_on_fresh_state(
        self, app, other
    ) -> None:
        world = World(app)
        world.cycle("c", 2026)
        world.advance("c", "reporting")
        for county in ("county-a", "county-b", "county-c"):
            world.report("c", county)
        assert lookups.cycle(app, "c").phase == "reporting"  # and so it is cached here
        other.execute(Request(world.who("organizer")), cycles.advance, "c", "reviewing", None)

        outcome = rate(app, world, "reviewer-1")  # the cache still says "reporting"

        assert outcome.created and outcome.version == 1

    def test_an_acceptance_decided_on_stale_state_is_refused_on_fresh_state(
        self, app, other
    ) -> None:
        world = reviewing(app)
        rate(app, world, "reviewer-1")
        other.execute(Request(world.who("organizer")), cycles.finalize, "c")

        with pytest.raises(DomainError) as refused:
            rate(app, world, "reviewer-2")  # the cache still says "reviewing"

        assert refused.value.code == "wrong_phase"
        assert app.find(Rating, ids.rating_id("c", "county-a", "reviewer-2")) is None


class TestAReadThatChangesBeforeTheSave:
    """The guard closes the window between a command's reads and its save: e.g. a rating
    landing after a concurrent finalize, or a finalize missing a concurrent rating."""

    def test_the_command_decides_again_when_an_aggregate_it_found_changed(
        self, app, other
    ) -> None:
        world = World(app)
        seen: list[int] = []

        def use_case(app: LianpingApp, request: Request) -> Outcome:
            org = app.find(Organization, ids.org_id("county-a"), read_only=True)
            assert org is not None
            seen.append(org.version)
            if len(seen) == 1:  # someone else changes it between our read and our save
                other.execute(Request(ADMIN), directory.appoint_secretary, "county-a", "新书记",
                              None, app.today())
            return appoint_on_county_b(app, request, f"after version {org.version}")

        world.run(ADMIN, use_case)

        assert seen == [seen[0], seen[0] + 1]
        county_b = app.find(Organization, ids.org_id("county-b"), read_only=True)
        assert county_b is not None and county_b.version == 3  # one save, not two
        assert county_b.secretary_on()["name"] == f"after version {seen[1]}"

    def test_so_do_aggregates_read_together_and_ones_that_did_not_exist(
        self, app, other
    ) -> None:
        world = reviewing(app)
        attempts: list[int] = []
        rating_ids = [ids.rating_id("c", "county-a", r) for r in ("reviewer-1", "reviewer-2")]

        def use_case(app: LianpingApp, request: Request) -> Outcome:
            found = app.find_all(rating_ids)
            attempts.append(len(found))
            if len(attempts) == 1:  # a rating appears between our read and our save
                rate(other, world, "reviewer-2")
            return appoint_on_county_b(app, request, "书记")

        world.run(ADMIN, use_case)

        assert attempts == [0, 1]


class TestASaveThatLanded:
    def test_is_never_decided_again_even_if_the_command_fails_after_it(self, app) -> None:
        world = World(app)
        calls: list[int] = []

        def use_case(app: LianpingApp, request: Request) -> Outcome:
            calls.append(1)
            assert app.find(Organization, ids.org_id("county-a"), read_only=True)  # cached
            appoint_on_county_b(app, request, "书记")
            raise RuntimeError("after the save")

        with pytest.raises(RuntimeError, match="after the save"):
            world.run(ADMIN, use_case)

        assert calls == [1]
        county_b = app.find(Organization, ids.org_id("county-b"), read_only=True)
        assert county_b is not None and county_b.version == 3  # registered, appointed, appointed


class TestCommandsReadFromTheCache:
    def test_a_command_on_current_cached_state_reads_nothing_from_the_store(
        self, app, monkeypatch
    ) -> None:
        world = reviewing(app)
        rate(app, world, "reviewer-1")  # the saved rating is cached
        reads = store_reads(app, monkeypatch)

        amended = app.execute(
            Request(world.who("reviewer-1")), participants.rate, "c", "county-a", "poor",
            None, "补充了解情况后修改",
        )

        assert amended.version == 2 and reads == []


def saves(app: LianpingApp, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """From now on, every save sent to the store (a failed one too)."""
    sent: list[Any] = []
    insert_events = app.recorder.insert_events
    monkeypatch.setattr(app.recorder, "insert_events",
                        lambda *a, **k: sent.append(a) or insert_events(*a, **k))
    return sent


AMEND = ("poor", None, "补充了解情况后修改")


def rated_here_amended_there(app: LianpingApp, other: LianpingApp) -> tuple[World, Any]:
    """reviewer-1's rating made by ``app``, to be amended in ``other`` (another process), which
    has the cycle, org and report cached but not that rating; the rating's id."""
    world = reviewing(app)
    rate(other, world, "reviewer-2")
    rate(app, world, "reviewer-1")
    return world, ids.rating_id("c", "county-a", "reviewer-1")


class TestARatingNotCached:
    """A new rating is taken as absent unread; one that exists but is not cached costs a read
    (this process saw it stored) or a failed save and a read (another process made it), never
    a decision again on everything read from the store."""

    def test_one_this_process_made_and_the_cache_evicted_is_read_once(
        self, app, monkeypatch
    ) -> None:
        world = reviewing(app)
        rate(app, world, "reviewer-1")
        rating_id = ids.rating_id("c", "county-a", "reviewer-1")
        app.repository.cache.get(rating_id, evict=True)
        reads, sent = store_reads(app, monkeypatch), saves(app, monkeypatch)

        amended = app.execute(Request(world.who("reviewer-1")), participants.rate, "c",
                              "county-a", *AMEND)

        assert amended.version == 2 and not amended.created
        assert reads == [rating_id] and len(sent) == 1

    def test_an_amendment_another_process_made_the_rating_of_is_read_once(
        self, app, other, monkeypatch
    ) -> None:
        world, rating_id = rated_here_amended_there(app, other)
        reads, sent = store_reads(other, monkeypatch), saves(other, monkeypatch)

        amended = other.execute(Request(world.who("reviewer-1")), participants.rate, "c",
                                "county-a", *AMEND)  # (with a reason: an amendment)

        assert amended.version == 2 and not amended.created
        assert reads == [rating_id] and len(sent) == 1

    def test_one_taken_as_new_costs_a_failed_save_and_one_read(
        self, app, other, monkeypatch
    ) -> None:
        world, rating_id = rated_here_amended_there(app, other)
        reads, sent = store_reads(other, monkeypatch), saves(other, monkeypatch)

        def rate_or_amend(app: LianpingApp, request: Request) -> Outcome:
            lookups.participant(app, "c", "county-a")  # cached: not read again
            rating = app.find(Rating, rating_id, new_unless_cached=True)
            if rating is None:
                rating = Rating(cycle_id="c", org_code="county-a", reviewer=request.actor,
                                rating="good", comment=None, actor=request.actor)
            else:
                rating.amend("poor", None, "复核", request.actor)
            return app.commit(request, rating, item=rating, body={})

        amended = other.execute(Request(world.who("reviewer-1")), rate_or_amend)

        assert amended.version == 2
        assert reads == [rating_id] and len(sent) == 2
        assert app.find(Rating, rating_id).version == 2  # one amendment recorded


def with_token(app: LianpingApp, world: World, account_id: str) -> tuple[Request, str]:
    """(an HTTP write's request, its token's id): the command authenticates the bearer token
    itself, in each attempt."""
    issued = world.run(ADMIN, directory.issue_token, account_id, None).body
    authenticate = partial(directory.authenticate, app, issued["token"])
    return Request(authenticate(), authenticate=authenticate), issued["token_id"]


def organizing(app: LianpingApp, request: Request) -> Outcome:
    require_organizer(request.principal, "city")
    return appoint_on_county_b(app, request, "书记")


class TestAuthenticationInsideTheCommand:
    """A write authenticates inside its command: the token and account come from the cache like
    its other reads, and its save asserts them, so a change made elsewhere is never missed."""

    def test_a_token_revoked_elsewhere_fails_the_write_and_records_nothing(
        self, app, other
    ) -> None:
        world = reviewing(app)
        request, token_id = with_token(app, world, "reviewer-1")
        app.execute(request, participants.rate, "c", "county-a", "good", None, None)
        other.execute(Request(ADMIN), directory.revoke_token, "reviewer-1", token_id, "调岗")

        with pytest.raises(UnauthorizedError):
            app.execute(request, participants.rate, "c", "county-b", "good", None, None)

        assert app.find(Rating, ids.rating_id("c", "county-b", "reviewer-1")) is None

    def test_a_role_revoked_elsewhere_is_refused_on_fresh_state(self, app, other) -> None:
        world = World(app)
        request, _ = with_token(app, world, "organizer")
        app.execute(request, organizing)  # the organizer's account is cached, with the role
        other.execute(Request(ADMIN), directory.revoke_role, "organizer", "organizer", "city")

        with pytest.raises(ForbiddenError):
            app.execute(request, organizing)

        county_b = app.find(Organization, ids.org_id("county-b"), read_only=True)
        assert county_b is not None and county_b.version == 3  # registered, appointed, appointed

    def test_a_write_by_a_cached_token_reads_nothing_from_the_store(
        self, app, monkeypatch
    ) -> None:
        world = reviewing(app)
        request, _ = with_token(app, world, "reviewer-1")
        app.execute(request, participants.rate, "c", "county-a", "good", None, None)
        reads = store_reads(app, monkeypatch)

        amended = app.execute(request, participants.rate, "c", "county-a", "poor", None,
                              "补充了解情况后修改")

        assert amended.version == 2 and reads == []
