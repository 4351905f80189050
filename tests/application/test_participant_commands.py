"""Participant commands: reports (述), ratings (评), scores (考), feedback; and their reads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from application.app import Request
from application.usecases import cycles, participants
from tests.application.scenario import event_types_since, position, then_refused
from tests.application.world import World

CONTENT = {"title": "述职报告", "achievements": "成效", "problems": "不足", "plans": "打算"}


@pytest.fixture
def world(app):
    w = World(app)
    w.cycle("c1", 2026)
    return w


@pytest.fixture
def reviewing(world):
    world.reviewing("c1")
    return world


def read(world, who, fn, *args):
    return fn(world.app, Request(world.who(who)), *args)


class TestSubmitReport:
    def test_each_submission_is_a_new_version(self, app, world):
        world.advance("c1", "reporting")
        assert world.report("c1", "county-a").body == {"version": 1}
        assert world.report("c1", "county-a", "修改稿").body == {"version": 2}
        first, _ = read(world, "sec-county-a", participants.get_report, "c1", "county-a", 1)
        assert first["title"] == "述职报告" and first["status"] == "superseded"
        assert first["secretary"] == "甲县书记"

    def test_a_returned_version_keeps_its_return_and_reason_after_the_resubmission(
        self, app, world
    ):
        world.advance("c1", "reporting")
        world.report("c1", "county-a")
        world.run("organizer", participants.return_report, "c1", "county-a", "请补充具体数据")
        world.report("c1", "county-a", "修改稿")
        first, _ = read(world, "inspector", participants.get_report, "c1", "county-a", 1)
        latest, _ = read(world, "inspector", participants.get_report, "c1", "county-a", None)
        assert (first["title"], first["status"], first["return_reason"]) == (
            "述职报告", "returned", "请补充具体数据"
        )
        assert (latest["title"], latest["status"], latest["return_reason"]) == (
            "修改稿", "submitted", None
        )

    def test_not_before_reporting(self, app, world):
        then_refused(app, "wrong_phase", lambda: world.report("c1", "county-a"))

    def test_only_the_secretary_of_that_org(self, app, world):
        world.advance("c1", "reporting")
        then_refused(
            app,
            "secretary_required",
            lambda: world.run(
                "sec-county-b", participants.submit_report, "c1", "county-a", CONTENT
            ),
        )

    def test_an_unknown_participant_is_not_found(self, app, world):
        world.advance("c1", "reporting")
        then_refused(
            app,
            "unknown_participant",
            lambda: world.run("sec-county-a", participants.submit_report, "c1", "prov", CONTENT),
            kind="not_found",
        )

    def test_during_reviewing_only_a_returned_report_is_resubmitted(self, app, reviewing):
        then_refused(app, "report_not_returned", lambda: reviewing.report("c1", "county-a"))
        reviewing.run("organizer", participants.return_report, "c1", "county-a", "内容不全")
        assert reviewing.report("c1", "county-a", "补充稿").body == {"version": 2}


class TestReturnReport:
    def test_a_return_needs_a_reason(self, app, reviewing):
        then_refused(
            app,
            "reason_required",
            lambda: reviewing.run("organizer", participants.return_report, "c1", "county-a", None),
        )

    def test_a_returned_report_is_not_returned_again(self, app, reviewing):
        reviewing.run("organizer", participants.return_report, "c1", "county-a", "不全")
        then_refused(
            app,
            "report_already_returned",
            lambda: reviewing.run(
                "organizer", participants.return_report, "c1", "county-a", "再退"
            ),
        )

    def test_nothing_to_return_before_a_submission(self, app, world):
        world.advance("c1", "reporting")
        then_refused(
            app,
            "report_not_submitted",
            lambda: world.run("organizer", participants.return_report, "c1", "county-a", "x"),
        )


class TestRate:
    def test_a_first_rating_then_an_amendment_with_reason(self, app, reviewing):
        first = reviewing.run("reviewer-1", participants.rate, "c1", "county-a", "好", "很好", None)
        assert first.created and first.body["rating"] == "good"
        then_refused(
            app,
            "reason_required",
            lambda: reviewing.run(
                "reviewer-1", participants.rate, "c1", "county-a", "average", None, None
            ),
        )
        before = position(app)
        amended = reviewing.run(
            "reviewer-1", participants.rate, "c1", "county-a", "average", None, "重新考虑"
        )
        assert not amended.created
        assert event_types_since(app, before) == ["Rating.Amended"]

    def test_reviewers_never_contend_for_one_aggregate(self, app, reviewing):
        a = reviewing.run("reviewer-1", participants.rate, "c1", "county-a", "good", None, None)
        b = reviewing.run("reviewer-2", participants.rate, "c1", "county-a", "good", None, None)
        assert a.version == b.version == 1

    def test_only_panel_members_rate(self, app, reviewing):
        then_refused(
            app,
            "not_panel_member",
            lambda: reviewing.run(
                "inspector", participants.rate, "c1", "county-a", "good", None, None
            ),
            kind="forbidden",
        )

    def test_never_their_own_org(self, app, reviewing):
        reviewing.person("insider", "县里的评议人", "county-a")
        app_cycle = "c2"
        reviewing.cycle(app_cycle, 2027, panel=("insider",))
        reviewing.reviewing(app_cycle)
        then_refused(
            app,
            "conflict_of_interest",
            lambda: reviewing.run(
                "insider", participants.rate, app_cycle, "county-a", "good", None, None
            ),
        )

    def test_never_a_declared_conflict(self, app, reviewing):
        reviewing.run("reviewer-1", cycles.record_conflict, "c1", "reviewer-1", "county-a", "亲属")
        then_refused(
            app,
            "conflict_of_interest",
            lambda: reviewing.run(
                "reviewer-1", participants.rate, "c1", "county-a", "good", None, None
            ),
        )

    def test_only_while_reviewing(self, app, world):
        world.advance("c1", "reporting")
        world.report("c1", "county-a")
        then_refused(
            app,
            "wrong_phase",
            lambda: world.run(
                "reviewer-1", participants.rate, "c1", "county-a", "good", None, None
            ),
        )

    def test_only_a_submitted_report_is_rated(self, app, world):
        world.advance("c1", "reporting")
        world.advance("c1", "reviewing")
        then_refused(
            app,
            "report_not_submitted",
            lambda: world.run(
                "reviewer-1", participants.rate, "c1", "county-a", "good", None, None
            ),
        )

    def test_an_unknown_rating_is_invalid(self, app, reviewing):
        then_refused(
            app,
            "unknown_rating",
            lambda: reviewing.run(
                "reviewer-1", participants.rate, "c1", "county-a", "excellent", None, None
            ),
        )

    def test_the_secretary_sees_pseudonyms_the_organizer_sees_accounts(self, app, reviewing):
        reviewing.run("reviewer-3", participants.rate, "c1", "county-a", "good", "好", None)
        mine = read(reviewing, "sec-county-a", participants.get_participant, "c1", "county-a")
        theirs = read(reviewing, "organizer", participants.get_participant, "c1", "county-a")
        assert [r["reviewer"] for r in mine["ratings"]] == ["评议人3"]
        assert [r["reviewer"] for r in theirs["ratings"]] == ["reviewer-3"]


class TestScore:
    def test_a_score_then_a_rescoring_with_reason(self, app, reviewing):
        first = reviewing.run(
            "organizer",
            participants.score,
            "c1",
            "county-a",
            "innovation",
            Decimal("12.5"),
            "项目化",
            None,
        )
        assert first.created
        then_refused(
            app,
            "reason_required",
            lambda: reviewing.run(
                "organizer",
                participants.score,
                "c1",
                "county-a",
                "innovation",
                Decimal(13),
                None,
                None,
            ),
        )
        assert not reviewing.run(
            "organizer",
            participants.score,
            "c1",
            "county-a",
            "innovation",
            Decimal(13),
            None,
            "复核",
        ).created

    @pytest.mark.parametrize("points", ["-1", "15.01", "NaN"])
    def test_points_lie_within_zero_and_the_maximum(self, app, reviewing, points):
        then_refused(
            app,
            "points_out_of_range",
            lambda: reviewing.run(
                "organizer",
                participants.score,
                "c1",
                "county-a",
                "innovation",
                Decimal(points),
                None,
                None,
            ),
            kind="invalid",
        )

    def test_an_unknown_indicator_is_invalid(self, app, reviewing):
        then_refused(
            app,
            "unknown_indicator",
            lambda: reviewing.run(
                "organizer", participants.score, "c1", "county-a", "luck", Decimal(1), None, None
            ),
        )

    def test_only_the_organizer_scores(self, app, reviewing):
        then_refused(
            app,
            "organizer_required",
            lambda: reviewing.run(
                "reviewer-1",
                participants.score,
                "c1",
                "county-a",
                "innovation",
                Decimal(1),
                None,
                None,
            ),
        )


class TestFeedback:
    def test_feedback_once_finalized_and_only_once(self, app, reviewing):
        problems = [{"code": "P1", "description": "阵地建设薄弱"}]
        then_refused(
            app,
            "wrong_phase",
            lambda: reviewing.run(
                "organizer", participants.issue_feedback, "c1", "county-a", "反馈", problems
            ),
        )
        reviewing.run("organizer", cycles.finalize, "c1")
        assert reviewing.run(
            "organizer", participants.issue_feedback, "c1", "county-a", "以市委的名义反馈", problems
        ).created
        then_refused(
            app,
            "feedback_exists",
            lambda: reviewing.run(
                "organizer", participants.issue_feedback, "c1", "county-a", "again", problems
            ),
        )

    def test_problem_codes_are_unique(self, app, reviewing):
        reviewing.run("organizer", cycles.finalize, "c1")
        twice = [{"code": "P1", "description": "a"}, {"code": "P1", "description": "b"}]
        then_refused(
            app,
            "duplicate_problem_code",
            lambda: reviewing.run(
                "organizer", participants.issue_feedback, "c1", "county-a", "x", twice
            ),
        )


class TestReads:
    def test_another_secretary_may_not_read_a_participant(self, app, reviewing):
        then_refused(
            app,
            "forbidden",
            lambda: read(reviewing, "sec-county-b", participants.get_participant, "c1", "county-a"),
        )

    def test_the_inspector_reads_everything_in_scope(self, app, reviewing):
        view = read(reviewing, "inspector", participants.get_participant, "c1", "county-a")
        assert view["report"]["version"] == 1 and view["position"] >= 1

    def test_a_report_version_that_does_not_exist_is_not_found(self, app, reviewing):
        then_refused(
            app,
            "report_version_not_found",
            lambda: read(reviewing, "organizer", participants.get_report, "c1", "county-a", 7),
        )
