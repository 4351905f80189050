"""Cycle commands: create, scheme, participants, panel, conflicts, phases, vetoes, finalize."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from application.app import Request
from application.usecases import cycle_reading, cycles, directory, participants
from domain.scheme import DEFAULT_SCHEME
from tests.application.scenario import event_types_since, position, then_refused
from tests.application.world import ADMIN, COUNTIES


class TestCreateCycle:
    def test_a_cycle_starts_preparing_with_the_default_scheme(self, app, world):
        before = position(app)
        outcome = world.run("organizer", cycles.create_cycle, "city", "county", 2026, "述职")
        assert outcome.created
        assert outcome.body == {"cycle_id": "city-2026", "phase": "preparing", "scheme_version": 1,
                                "rehearsal": False}
        assert event_types_since(app, before) == ["Cycle.Created", "CycleSlot.Claimed"]
        view = cycle_reading.get_cycle(app, world_request(world, "organizer"), "city-2026")
        assert view["scheme"] == DEFAULT_SCHEME.to_dict()

    def test_one_cycle_per_organizer_level_and_year(self, app, world):
        world.run("organizer", cycles.create_cycle, "city", "county", 2026, "述职", cycle_id="a")
        then_refused(
            app,
            "cycle_exists",
            lambda: world.run(
                "organizer", cycles.create_cycle, "city", "county", 2026, "again", cycle_id="b"
            ),
        )

    def test_the_level_is_one_below_the_organizer(self, app, world):
        then_refused(
            app,
            "invalid_level",
            lambda: world.run("organizer", cycles.create_cycle, "city", "township", 2026, "述职"),
        )

    def test_only_the_organizer_of_that_org_creates(self, app, world):
        then_refused(
            app,
            "organizer_required",
            lambda: world.run("inspector", cycles.create_cycle, "city", "county", 2026, "述职"),
            kind="forbidden",
        )

    def test_an_invalid_scheme_is_refused_with_its_fields(self, app, world):
        error = then_refused(
            app,
            "invalid_scheme",
            lambda: world.run(
                "organizer",
                cycles.create_cycle,
                "city",
                "county",
                2026,
                "述职",
                scheme={"rating_points": {}},
            ),
        )
        assert error.details

    def test_a_previous_cycle_must_be_an_earlier_one_of_the_same_organizer(self, app, world):
        world.run("organizer", cycles.create_cycle, "city", "county", 2026, "述职")
        then_refused(
            app,
            "invalid_previous_cycle",
            lambda: world.run(
                "organizer",
                cycles.create_cycle,
                "city",
                "county",
                2025,
                "述职",
                previous_cycle_id="city-2026",
            ),
        )


def world_request(world, who):
    return Request(world.who(who))


class TestPreparing:
    def test_the_scheme_changes_get_a_new_version(self, app, preparing):
        scheme = DEFAULT_SCHEME.to_dict() | {"quota": {"good": "0.3"}}
        outcome = preparing.run("organizer", cycles.set_scheme, "c1", scheme)
        assert outcome.body == {"scheme_version": 2}

    def test_a_participant_must_be_a_direct_subordinate(self, app, preparing):
        then_refused(
            app,
            "not_direct_subordinate",
            lambda: preparing.run("organizer", cycles.add_participant, "c1", "prov"),
        )

    def test_a_participant_is_added_once(self, app, preparing):
        then_refused(
            app,
            "already_participant",
            lambda: preparing.run("organizer", cycles.add_participant, "c1", "county-a"),
        )

    def test_a_panel_member_must_be_an_account(self, app, preparing):
        then_refused(
            app,
            "unknown_account",
            lambda: preparing.run("organizer", cycles.add_panel_member, "c1", "ghost"),
        )

    def test_scheme_participants_and_panel_are_fixed_after_preparing(self, app, preparing):
        preparing.advance("c1", "reporting")
        then_refused(
            app,
            "wrong_phase",
            lambda: preparing.run("organizer", cycles.set_scheme, "c1", DEFAULT_SCHEME.to_dict()),
        )
        then_refused(
            app,
            "wrong_phase",
            lambda: preparing.run("organizer", cycles.add_panel_member, "c1", "inspector"),
        )


class TestConflicts:
    def test_a_panel_member_declares_their_own_conflict_with_a_reason(self, app, preparing):
        outcome = preparing.run(
            "reviewer-1", cycles.record_conflict, "c1", "reviewer-1", "county-a", "曾在该县任职"
        )
        assert outcome.body["conflicts"][0]["reason"] == "曾在该县任职"

    def test_a_conflict_needs_a_reason(self, app, preparing):
        then_refused(
            app,
            "reason_required",
            lambda: preparing.run(
                "organizer", cycles.record_conflict, "c1", "reviewer-1", "county-a", " "
            ),
        )

    def test_a_member_cannot_declare_for_someone_else(self, app, preparing):
        then_refused(
            app,
            "organizer_required",
            lambda: preparing.run(
                "reviewer-1", cycles.record_conflict, "c1", "reviewer-2", "county-a", "x"
            ),
        )

    def test_no_conflicts_after_finalization(self, app, preparing):
        preparing.advance("c1", "reporting")
        for county in COUNTIES:
            preparing.report("c1", county)
        preparing.advance("c1", "reviewing")
        preparing.run("organizer", cycles.finalize, "c1")
        then_refused(
            app,
            "wrong_phase",
            lambda: preparing.run(
                "organizer", cycles.record_conflict, "c1", "reviewer-1", "county-a", "x"
            ),
        )


class TestPhases:
    def test_phases_move_forward_one_step(self, app, preparing):
        assert preparing.advance("c1", "reporting").body == {"phase": "reporting"}
        then_refused(app, "invalid_transition", lambda: preparing.advance("c1", "rectifying"))

    def test_finalized_is_reached_only_through_finalize(self, app, preparing):
        preparing.advance("c1", "reporting")
        preparing.advance("c1", "reviewing")
        then_refused(app, "finalize_required", lambda: preparing.advance("c1", "finalized"))

    def test_reopening_needs_a_reason_and_unfreezes_results(self, app, preparing):
        preparing.reviewing("c1")
        preparing.run("organizer", cycles.finalize, "c1")
        then_refused(app, "reason_required", lambda: preparing.advance("c1", "reviewing"))
        before = position(app)
        preparing.advance("c1", "reviewing", "评分录入错误")
        assert event_types_since(app, before) == ["Cycle.Reopened"]
        view = cycle_reading.get_cycle(app, world_request(preparing, "organizer"), "c1")
        assert view["phase"] == "reviewing"

    def test_nothing_leaves_closed(self, app, preparing):
        preparing.reviewing("c1")
        preparing.run("organizer", cycles.finalize, "c1")
        preparing.advance("c1", "rectifying")
        preparing.advance("c1", "closed")
        then_refused(app, "invalid_transition", lambda: preparing.advance("c1", "rectifying", "x"))

    def test_an_unknown_phase_is_refused(self, app, preparing):
        then_refused(app, "unknown_phase", lambda: preparing.advance("c1", "done"))


class TestVetoAndFinalize:
    def test_a_veto_needs_a_reason_and_makes_the_grade_poor(self, app, preparing):
        preparing.reviewing("c1")
        preparing.rate("c1", "county-a", (10, 0, 0, 0))
        then_refused(
            app,
            "reason_required",
            lambda: preparing.run("organizer", cycles.veto, "c1", "county-a", ""),
        )
        preparing.run("organizer", cycles.veto, "c1", "county-a", "发生严重违纪问题")
        results = preparing.run("organizer", cycles.finalize, "c1").body["results"]
        vetoed = next(r for r in results if r["org_code"] == "county-a")
        assert vetoed["grade"] == "poor" and vetoed["rank"] == 1

    def test_a_veto_is_only_for_participants_and_only_once(self, app, preparing):
        preparing.reviewing("c1")
        then_refused(
            app,
            "not_a_participant",
            lambda: preparing.run("organizer", cycles.veto, "c1", "prov", "x"),
        )
        preparing.run("organizer", cycles.veto, "c1", "county-a", "x")
        then_refused(
            app,
            "already_vetoed",
            lambda: preparing.run("organizer", cycles.veto, "c1", "county-a", "x"),
        )

    def test_a_result_belongs_to_the_secretary_who_reported_even_after_a_new_appointment(
        self, app, preparing
    ):
        preparing.reviewing("c1")  # 乙县书记 reports
        preparing.run(ADMIN, directory.appoint_secretary, "county-b", "乙县新书记", None,
                      app.today())
        results = preparing.run("organizer", cycles.finalize, "c1").body["results"]
        row = next(r for r in results if r["org_code"] == "county-b")
        assert row["secretary"] == "乙县书记"
        view = participants.get_participant(
            app, Request(preparing.who("organizer")), "c1", "county-b"
        )
        assert view["secretary"] == "乙县书记"

    def test_without_a_report_the_result_names_the_secretary_in_office(self, app, preparing):
        preparing.advance("c1", "reporting")
        preparing.advance("c1", "reviewing")
        preparing.run(ADMIN, directory.appoint_secretary, "county-c", "丙县新书记", None,
                      date(2025, 6, 1))
        results = preparing.run("organizer", cycles.finalize, "c1").body["results"]
        assert next(r for r in results if r["org_code"] == "county-c")["secretary"] == "丙县新书记"

    def test_finalize_only_while_reviewing(self, app, preparing):
        then_refused(app, "wrong_phase", lambda: preparing.run("organizer", cycles.finalize, "c1"))

    def test_results_stay_in_history_after_reopening_and_refinalizing(self, app, preparing):
        preparing.reviewing("c1")
        preparing.score("c1", "county-a", ("10", "10", "10", "10", "10"))
        first = preparing.run("organizer", cycles.finalize, "c1").body["results"]
        preparing.advance("c1", "reviewing", "更正评分")
        preparing.run(
            "organizer",
            participants.score,
            "c1",
            "county-a",
            "innovation",
            Decimal("15"),
            None,
            "复核后更正",
        )
        second = preparing.run("organizer", cycles.finalize, "c1").body["results"]
        assert first != second
        finalized = [
            n
            for n in app.recorder.select_notifications(start=1, limit=10000)
            if n.topic == "lianping:Cycle.Finalized"
        ]
        assert len(finalized) == 2
