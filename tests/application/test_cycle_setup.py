"""Setting up and correcting a cycle: removing participants and panel members, copying last
year's lists, setting and moving deadlines — and what as-of reads show afterwards."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from application import lookups
from application.app import Request
from application.usecases import audit, cycle_reading, cycles, participants, standings
from domain import ids
from domain.cycle import Cycle
from domain.errors import NotFoundError
from tests.application.scenario import event_types_since, position, then_refused
from tests.application.world import COUNTIES, REVIEWERS, World


def view(world: World, cycle_id: str = "c1", as_of=None) -> dict:
    return cycle_reading.get_cycle(world.app, Request(world.who("organizer")), cycle_id, as_of)


def last_event(app):
    notification = app.recorder.select_notifications(start=position(app), limit=1)[0]
    return app.mapper.to_domain_event(notification)


class TestRemoveParticipant:
    def test_the_organizer_removes_one_with_a_reason_and_may_add_it_again(self, app, preparing):
        before = position(app)
        outcome = preparing.run(
            "organizer", cycles.remove_participant, "c1", "county-b", "误列为述职单位"
        )

        assert outcome.body == {"participants": ["county-a", "county-c"]}
        assert event_types_since(app, before) == ["Cycle.ParticipantRemoved"]
        removed = last_event(app)
        assert (removed.org_code, removed.reason, removed.actor) == (
            "county-b", "误列为述职单位", "organizer"
        )
        again = preparing.run("organizer", cycles.add_participant, "c1", "county-b")
        assert again.body == {"participants": ["county-a", "county-c", "county-b"]}

    def test_a_removal_needs_a_reason(self, app, preparing):
        for reason in (None, "", "  "):
            then_refused(
                app, "reason_required",
                lambda r=reason: preparing.run(
                    "organizer", cycles.remove_participant, "c1", "county-a", r
                ),
            )

    def test_only_while_preparing(self, app, preparing):
        preparing.advance("c1", "reporting")
        error = then_refused(
            app, "wrong_phase",
            lambda: preparing.run("organizer", cycles.remove_participant, "c1", "county-a", "x"),
        )
        assert error.details == {"phase": "reporting", "allowed": ["preparing"]}

    def test_an_org_that_is_no_participant_is_a_conflict_and_an_unknown_one_not_found(
        self, app, preparing
    ):
        preparing.run("organizer", cycles.remove_participant, "c1", "county-a", "误列")
        then_refused(
            app, "not_a_participant",
            lambda: preparing.run("organizer", cycles.remove_participant, "c1", "county-a", "x"),
        )
        error = then_refused(
            app, "unknown_org",
            lambda: preparing.run("organizer", cycles.remove_participant, "c1", "nowhere", "x"),
        )
        assert isinstance(error, NotFoundError)

    def test_only_the_organizer_removes(self, app, preparing):
        then_refused(
            app, "organizer_required",
            lambda: preparing.run("inspector", cycles.remove_participant, "c1", "county-a", "x"),
            kind="forbidden",
        )

    def test_as_of_before_the_removal_the_cycle_and_standings_still_list_it(
        self, app, preparing
    ):
        before = app.now()
        preparing.run("organizer", cycles.remove_participant, "c1", "county-c", "误列")
        organizer = Request(preparing.who("organizer"))

        assert view(preparing, as_of=before)["participants"] == list(COUNTIES)
        assert view(preparing)["participants"] == ["county-a", "county-b"]
        then = standings.get_standings(app, organizer, "c1", before)
        now = standings.get_standings(app, organizer, "c1", None)
        assert sorted(r["org_code"] for r in then["rows"]) == list(COUNTIES)
        assert sorted(r["org_code"] for r in now["rows"]) == ["county-a", "county-b"]


class TestRemovePanelMember:
    def test_the_organizer_removes_one_with_a_reason_and_may_add_them_again(self, app, preparing):
        before = position(app)
        outcome = preparing.run(
            "organizer", cycles.remove_panel_member, "c1", "reviewer-3", "工作调动"
        )

        assert "reviewer-3" not in outcome.body["panel"]
        assert event_types_since(app, before) == ["Cycle.PanelMemberRemoved"]
        assert last_event(app).reason == "工作调动"
        preparing.run("organizer", cycles.add_panel_member, "c1", "reviewer-3")
        assert view(preparing)["panel"][-1] == "reviewer-3"

    def test_needs_a_reason_and_the_preparing_phase(self, app, preparing):
        then_refused(
            app, "reason_required",
            lambda: preparing.run("organizer", cycles.remove_panel_member, "c1", "reviewer-1", ""),
        )
        preparing.advance("c1", "reporting")
        then_refused(
            app, "wrong_phase",
            lambda: preparing.run(
                "organizer", cycles.remove_panel_member, "c1", "reviewer-1", "x"
            ),
        )

    def test_an_account_off_the_panel_is_a_conflict_and_an_unknown_one_not_found(
        self, app, preparing
    ):
        then_refused(
            app, "not_panel_member",
            lambda: preparing.run("organizer", cycles.remove_panel_member, "c1", "inspector", "x"),
        )
        error = then_refused(
            app, "unknown_account",
            lambda: preparing.run("organizer", cycles.remove_panel_member, "c1", "ghost", "x"),
        )
        assert isinstance(error, NotFoundError)

    def test_declared_conflicts_stay_and_apply_again_when_re_added(self, app, preparing):
        preparing.run(
            "reviewer-1", cycles.record_conflict, "c1", "reviewer-1", "county-a", "曾在该县任职"
        )
        preparing.run("organizer", cycles.remove_panel_member, "c1", "reviewer-1", "误选")
        preparing.run("organizer", cycles.add_panel_member, "c1", "reviewer-1")
        preparing.reviewing("c1")

        then_refused(
            app, "conflict_of_interest",
            lambda: preparing.run(
                "reviewer-1", participants.rate, "c1", "county-a", "good", None, None
            ),
            kind="forbidden",
        )


@pytest.fixture
def last_year(world):
    """city-2025 with the three counties and the ten reviewers; city-2026 empty, preparing."""
    world.cycle("city-2025", 2025)
    world.run("organizer", cycles.create_cycle, "city", "county", 2026, "2026年度述职评议")
    return world


class TestCopyFromPrevious:
    def test_copies_participants_and_panel_of_last_year_in_one_step(self, app, last_year):
        before = position(app)
        outcome = last_year.run("organizer", cycles.copy_from_previous, "city-2026", True, True)

        assert outcome.body == {
            "previous_cycle_id": "city-2025",
            "added": {"participants": list(COUNTIES), "panel": list(REVIEWERS)},
            "left_out": [],
        }
        types = event_types_since(app, before)
        assert types == ["Cycle.ParticipantAdded"] * 3 + ["Cycle.PanelMemberAdded"] * 10
        assert outcome.position == position(app)
        assert view(last_year, "city-2026")["panel"] == list(REVIEWERS)

    def test_the_cycle_named_at_creation_is_the_previous_one(self, app, world):
        world.cycle("older", 2024, panel=("reviewer-1",))
        world.run("organizer", cycles.create_cycle, "city", "county", 2026, "述职",
                  previous_cycle_id="older")

        outcome = world.run("organizer", cycles.copy_from_previous, "city-2026", False, True)

        assert outcome.body["previous_cycle_id"] == "older"
        assert outcome.body["added"] == {"participants": [], "panel": ["reviewer-1"]}

    def test_those_already_present_are_neither_added_nor_left_out(self, app, last_year):
        last_year.run("organizer", cycles.add_participant, "city-2026", "county-b")

        outcome = last_year.run("organizer", cycles.copy_from_previous, "city-2026", True, False)

        assert outcome.body["added"] == {"participants": ["county-a", "county-c"], "panel": []}
        assert outcome.body["left_out"] == []
        assert view(last_year, "city-2026")["participants"] == [
            "county-b", "county-a", "county-c"
        ]

    def test_orgs_gone_or_moved_and_accounts_gone_are_left_out_with_why(
        self, app, last_year, monkeypatch
    ):
        """The directory cannot dissolve or move an org yet: its answers are stood in for."""
        real_org, real_account = lookups.org, lookups.account

        def org(app_, code, *args):
            if code == "county-b":
                return SimpleNamespace(code=code, parent_code="prov")  # moved
            if code == "county-c":
                return real_org(app_, "dissolved", *args)  # gone
            return real_org(app_, code, *args)

        def account(app_, account_id, *args):
            return real_account(app_, "ghost" if account_id == "reviewer-2" else account_id, *args)

        monkeypatch.setattr(lookups, "org", org)
        monkeypatch.setattr(lookups, "account", account)
        outcome = last_year.run("organizer", cycles.copy_from_previous, "city-2026", True, True)

        assert outcome.body["added"]["participants"] == ["county-a"]
        assert "reviewer-2" not in outcome.body["added"]["panel"]
        assert [(o["kind"], o["code_or_account"], o["why"], o["why_label"])
                for o in outcome.body["left_out"]] == [
            ("participant", "county-b", "not_direct_subordinate", "该单位已不是本级直接下级"),
            ("participant", "county-c", "unknown_org", "该单位已不存在"),
            ("panel_member", "reviewer-2", "unknown_account", "该账号已不存在"),
        ]

    def test_with_nothing_left_to_copy_it_is_refused(self, app, last_year):
        last_year.run("organizer", cycles.copy_from_previous, "city-2026", True, True)

        error = then_refused(
            app, "nothing_to_copy",
            lambda: last_year.run("organizer", cycles.copy_from_previous, "city-2026", True, True),
        )
        assert error.details["added"] == {"participants": [], "panel": []}

    def test_needs_a_previous_cycle_the_preparing_phase_and_something_to_ask_for(
        self, app, last_year
    ):
        then_refused(
            app, "no_previous_cycle",
            lambda: last_year.run("organizer", cycles.copy_from_previous, "city-2025", True, True),
        )
        then_refused(
            app, "participants_or_panel_required",
            lambda: last_year.run(
                "organizer", cycles.copy_from_previous, "city-2026", False, False
            ),
        )
        last_year.advance("city-2026", "reporting")
        then_refused(
            app, "wrong_phase",
            lambda: last_year.run("organizer", cycles.copy_from_previous, "city-2026", True, True),
        )

    def test_only_the_organizer_copies(self, app, last_year):
        then_refused(
            app, "organizer_required",
            lambda: last_year.run("inspector", cycles.copy_from_previous, "city-2026", True, True),
            kind="forbidden",
        )


def deadlines(world: World, reason: str | None = None, cycle_id: str = "c1", **given: date):
    return world.run("organizer", cycles.set_deadlines, cycle_id, given, reason)


class TestDeadlines:
    def test_setting_deadlines_that_had_none_needs_no_reason_and_may_lie_in_the_past(
        self, app, preparing
    ):
        past = date(2020, 1, 10)
        before = position(app)

        outcome = deadlines(preparing, report_due=past)

        assert outcome.body == {"deadlines": {"report_due": "2020-01-10"}}
        assert event_types_since(app, before) == ["Cycle.DeadlinesSet"]
        event = last_event(app)
        assert (event.deadlines, event.previous, event.changed_after_start, event.reason) == (
            {"report_due": "2020-01-10"}, {"report_due": None}, [], None
        )

    def test_a_deadline_that_had_none_is_set_without_reason_even_once_its_phase_began(
        self, app, preparing
    ):
        preparing.reviewing("c1")
        deadlines(preparing, review_due=date(2026, 12, 31))
        assert last_event(app).changed_after_start == []

    def test_moving_one_before_its_phase_begins_needs_no_reason(self, app, preparing):
        deadlines(preparing, report_due=date(2026, 12, 20), review_due=date(2027, 1, 10))
        preparing.advance("c1", "reporting")

        outcome = deadlines(preparing, review_due=date(2027, 1, 20))

        assert outcome.body["deadlines"] == {"report_due": "2026-12-20", "review_due": "2027-01-20"}
        assert last_event(app).changed_after_start == []

    def test_moving_one_once_its_phase_began_needs_a_reason_and_says_so(self, app, preparing):
        deadlines(preparing, report_due=date(2026, 12, 20))
        preparing.advance("c1", "reporting")

        then_refused(app, "reason_required",
                     lambda: deadlines(preparing, report_due=date(2026, 12, 25)))
        deadlines(preparing, "个别县遇重大活动，顺延五天", report_due=date(2026, 12, 25))

        event = last_event(app)
        assert (event.previous, event.changed_after_start, event.reason) == (
            {"report_due": "2026-12-20"}, ["report_due"], "个别县遇重大活动，顺延五天"
        )

    def test_a_reopened_phase_had_begun_all_the_same(self, app, preparing):
        deadlines(preparing, review_due=date(2027, 1, 10))
        preparing.reviewing("c1")
        preparing.advance("c1", "reporting", "退回补充材料")

        then_refused(app, "reason_required",
                     lambda: deadlines(preparing, review_due=date(2027, 1, 15)))

    def test_plan_due_moves_freely_until_rectifying_then_until_closed_with_a_reason(
        self, app, preparing
    ):
        deadlines(preparing, plan_due=date(2027, 2, 28))
        preparing.reviewing("c1")
        preparing.run("organizer", cycles.finalize, "c1")
        deadlines(preparing, plan_due=date(2027, 3, 15))
        preparing.advance("c1", "rectifying")
        then_refused(app, "reason_required",
                     lambda: deadlines(preparing, plan_due=date(2027, 3, 31)))
        deadlines(preparing, "整改时间延长", plan_due=date(2027, 3, 31))
        preparing.advance("c1", "closed")

        error = then_refused(
            app, "wrong_phase", lambda: deadlines(preparing, "x", plan_due=date(2027, 4, 30))
        )
        assert "closed" not in error.details["allowed"]

    def test_the_deadlines_stay_in_order_with_those_in_force(self, app, preparing):
        deadlines(preparing, review_due=date(2027, 1, 10))
        error = then_refused(
            app, "deadlines_out_of_order",
            lambda: deadlines(preparing, report_due=date(2027, 1, 11)),
        )
        assert error.details == [
            {"field": "review_due", "message": "must not be before report_due"}
        ]

    def test_nothing_given_or_nothing_changed_is_refused(self, app, preparing):
        then_refused(app, "no_deadlines", lambda: deadlines(preparing, report_due=None))
        deadlines(preparing, report_due=date(2026, 12, 20))
        then_refused(app, "deadlines_unchanged",
                     lambda: deadlines(preparing, report_due=date(2026, 12, 20)))

    def test_only_the_organizer_sets_deadlines(self, app, preparing):
        then_refused(
            app, "organizer_required",
            lambda: preparing.run("inspector", cycles.set_deadlines, "c1",
                                  {"report_due": date(2026, 12, 20)}, None),
            kind="forbidden",
        )

    def test_as_of_answers_show_the_deadline_in_force_then(self, app, preparing):
        deadlines(preparing, report_due=date(2026, 12, 20))
        preparing.advance("c1", "reporting")
        first = app.now()
        deadlines(preparing, "顺延", report_due=date(2026, 12, 31))
        organizer = Request(preparing.who("organizer"))

        assert view(preparing, as_of=first)["deadlines"] == {"report_due": "2026-12-20"}
        assert view(preparing)["deadlines"] == {"report_due": "2026-12-31"}
        then = standings.get_standings(app, organizer, "c1", first)
        now = standings.get_standings(app, organizer, "c1", None)
        assert then["deadlines"] == {"report_due": "2026-12-20"}
        assert now["deadlines"] == {"report_due": "2026-12-31"}
        history = audit.get_aggregate_history(
            app, preparing.who("inspector"), str(ids.cycle_id("c1")), None, first
        )
        assert history["state"]["deadlines"] == {"report_due": "2026-12-20"}
        assert history["events"][-1]["type"] == "lianping:Cycle.PhaseAdvanced"

    def test_a_cycle_as_of_before_it_existed_is_not_found(self, app, preparing):
        created = app.find(Cycle, ids.cycle_id("c1"))
        assert created is not None
        with pytest.raises(NotFoundError) as missing:
            view(preparing, as_of=created.created_on - timedelta(seconds=1))
        assert missing.value.code == "not_yet_recorded"
