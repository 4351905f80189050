"""One participant through HTTP: overview, report (述), reviews (评), scores (考), feedback."""

from __future__ import annotations

from application.usecases import cycles
from tests.api.helpers import CYCLE, REPORT, Api, error_code
from tests.application.world import REVIEWERS

P = f"/cycles/{CYCLE}/participants"


def reviewing_with_county_c_silent(api: Api) -> None:
    """Reviewing, but county-c never submitted its report."""
    world = api.world
    world.cycle(CYCLE, 2026)
    world.advance(CYCLE, "reporting")
    world.report(CYCLE, "county-a")
    world.report(CYCLE, "county-b")
    world.advance(CYCLE, "reviewing")


class TestSubmitReport:
    def test_the_secretary_submits_and_resubmits_new_versions(self, api: Api) -> None:
        api.cycle_in("reporting")
        secretary = api.as_("sec-county-a")

        first = secretary.post(f"{P}/county-a/report", REPORT)
        second = secretary.post(f"{P}/county-a/report", {**REPORT, "title": "修改稿"})

        assert first.status_code == 201
        assert first.json() == {"version": 1}
        assert first.headers["ETag"] == '"1"'
        assert second.status_code == 201
        assert second.json() == {"version": 2}
        assert int(second.headers["X-Event-Position"]) > int(first.headers["X-Event-Position"])

    def test_only_the_orgs_own_secretary_may_submit(self, api: Api) -> None:
        api.cycle_in("reporting")

        for who in ("sec-county-b", "organizer", "reviewer-1"):
            response = api.as_(who).post(f"{P}/county-a/report", REPORT)

            assert response.status_code == 403, who
            assert error_code(response) == "secretary_required"

    def test_a_report_before_reporting_is_out_of_phase(self, api: Api) -> None:
        api.cycle_in("preparing")
        before = api.position()

        response = api.as_("sec-county-a").post(f"{P}/county-a/report", REPORT)

        assert response.status_code == 409
        assert error_code(response) == "wrong_phase"
        assert api.position() == before

    def test_an_unknown_participant_or_cycle_is_not_found(self, api: Api) -> None:
        api.cycle_in("reporting")

        participant = api.as_("sec-county-a").post(f"{P}/prov/report", REPORT)
        cycle = api.as_("sec-county-a").post("/cycles/nope/participants/county-a/report", REPORT)

        assert participant.status_code == 404
        assert error_code(participant) == "unknown_participant"
        assert cycle.status_code == 404
        assert error_code(cycle) == "unknown_cycle"

    def test_bad_fields_are_unprocessable(self, api: Api) -> None:
        api.cycle_in("reporting")
        changes = [{"title": None}, {"plans": ""}, {"achievements": 42},
                   {"problems": "x" * 100_001}, {"appendix": "附件"}]

        for change in changes:
            response = api.as_("sec-county-a").post(f"{P}/county-a/report", {**REPORT, **change})

            assert response.status_code == 422, change
            assert error_code(response) == "validation_error"

    def test_in_reviewing_only_a_returned_report_may_be_resubmitted(self, api: Api) -> None:
        api.cycle_in("reviewing")
        secretary = api.as_("sec-county-a")

        refused = secretary.post(f"{P}/county-a/report", REPORT)
        returned = api.organizer.post(f"{P}/county-a/report/return", {"reason": "请补充数据"})
        resubmitted = secretary.post(f"{P}/county-a/report", REPORT)

        assert refused.status_code == 409
        assert error_code(refused) == "report_not_returned"
        assert returned.status_code == 200
        assert returned.json() == {"version": 1, "status": "returned"}
        assert resubmitted.status_code == 201
        assert resubmitted.json() == {"version": 2}


class TestReadReport:
    def test_the_latest_version_by_default_earlier_ones_on_request(self, api: Api) -> None:
        api.cycle_in("reporting")
        secretary = api.as_("sec-county-a")
        secretary.post(f"{P}/county-a/report", REPORT)
        secretary.post(f"{P}/county-a/report", {**REPORT, "title": "第二稿"})

        latest = api.organizer.get(f"{P}/county-a/report")
        first = api.organizer.get(f"{P}/county-a/report", params={"version": 1})

        assert latest.status_code == 200
        assert latest.json()["title"] == "第二稿"
        assert latest.json()["version"] == 2
        assert latest.json()["status"] == "submitted"
        assert latest.json()["secretary"] == "甲县书记"
        assert latest.headers["ETag"] == '"2"'
        assert first.status_code == 200
        assert (first.json()["title"], first.json()["status"]) == (REPORT["title"], "superseded")

    def test_chinese_text_comes_back_unescaped(self, api: Api) -> None:
        api.cycle_in("reporting")
        api.as_("sec-county-a").post(f"{P}/county-a/report", REPORT)

        response = api.organizer.get(f"{P}/county-a/report")

        assert response.status_code == 200
        assert REPORT["achievements"].encode() in response.content
        assert b"\\u" not in response.content

    def test_the_organizer_inspector_own_secretary_and_panel_read_a_report(self, api: Api) -> None:
        api.cycle_in("reviewing")

        for who in ("organizer", "inspector", "sec-county-a", "reviewer-4"):
            response = api.as_(who).get(f"{P}/county-a/report")

            assert response.status_code == 200, who

    def test_another_secretary_may_not_read_it(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.as_("sec-county-b").get(f"{P}/county-a/report")

        assert response.status_code == 403

    def test_a_missing_report_or_version_is_not_found(self, api: Api) -> None:
        api.cycle_in("reporting")
        missing = api.organizer.get(f"{P}/county-a/report")
        api.as_("sec-county-a").post(f"{P}/county-a/report", REPORT)

        version = api.organizer.get(f"{P}/county-a/report", params={"version": 3})

        assert missing.status_code == 404
        assert error_code(missing) == "report_not_found"
        assert version.status_code == 404
        assert error_code(version) == "report_version_not_found"

    def test_a_bad_version_is_unprocessable(self, api: Api) -> None:
        api.cycle_in("reporting")

        for version in ("0", "-1", "latest"):
            response = api.organizer.get(f"{P}/county-a/report", params={"version": version})

            assert response.status_code == 422, version
            assert response.json()["error"]["details"][0]["field"] == "version"


class TestReturnReport:
    def test_returning_needs_a_reason(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.organizer.post(f"{P}/county-a/report/return", {})

        assert response.status_code == 409
        assert error_code(response) == "reason_required"

    def test_returning_twice_is_a_conflict(self, api: Api) -> None:
        api.cycle_in("reviewing")
        api.organizer.post(f"{P}/county-a/report/return", {"reason": "补充"})

        again = api.organizer.post(f"{P}/county-a/report/return", {"reason": "补充"})

        assert again.status_code == 409
        assert error_code(again) == "report_already_returned"

    def test_returning_a_report_never_submitted_is_a_conflict(self, api: Api) -> None:
        api.cycle_in("reporting")

        response = api.organizer.post(f"{P}/county-a/report/return", {"reason": "补充"})

        assert response.status_code == 409
        assert error_code(response) == "report_not_submitted"

    def test_a_secretary_may_not_return_a_report(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.as_("sec-county-a").post(f"{P}/county-a/report/return", {"reason": "x"})

        assert response.status_code == 403


class TestReviews:
    def test_a_panel_member_rates_by_code_or_label_and_amends_with_a_reason(
        self, api: Api
    ) -> None:
        api.cycle_in("reviewing")
        reviewer = api.as_("reviewer-1")

        first = reviewer.post(f"{P}/county-a/reviews", {"rating": "好", "comment": "扎实"})
        amended = reviewer.post(
            f"{P}/county-a/reviews", {"rating": "fairly_good", "reason": "复核后调整"}
        )

        assert first.status_code == 201
        assert first.json() == {"rating": "good", "rating_label": "好", "comment": "扎实"}
        assert first.headers["ETag"] == '"1"'
        assert amended.status_code == 200
        assert amended.json()["rating_label"] == "较好"
        assert amended.headers["ETag"] == '"2"'

    def test_an_amendment_without_a_reason_is_refused(self, api: Api) -> None:
        api.cycle_in("reviewing")
        reviewer = api.as_("reviewer-1")
        reviewer.post(f"{P}/county-a/reviews", {"rating": "good"})
        before = api.position()

        response = reviewer.post(f"{P}/county-a/reviews", {"rating": "poor"})

        assert response.status_code == 409
        assert error_code(response) == "reason_required"
        assert api.position() == before

    def test_someone_off_the_panel_may_not_rate(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.organizer.post(f"{P}/county-a/reviews", {"rating": "good"})

        assert response.status_code == 403
        assert error_code(response) == "not_panel_member"

    def test_a_reviewer_never_rates_their_own_org(self, api: Api) -> None:
        world = api.world
        world.person("rev-a", "甲县代表", "county-a")
        api.token("rev-a")
        world.cycle(CYCLE, 2026, panel=(*REVIEWERS, "rev-a"))
        world.reviewing(CYCLE)

        response = api.as_("rev-a").post(f"{P}/county-a/reviews", {"rating": "good"})

        assert response.status_code == 403
        assert error_code(response) == "conflict_of_interest"

    def test_a_declared_conflict_bars_the_rating(self, api: Api) -> None:
        api.cycle_in("reviewing")
        api.as_("reviewer-1").post(
            f"/cycles/{CYCLE}/conflicts",
            {"account_id": "reviewer-1", "org_code": "county-a", "reason": "亲属任职"},
        )

        response = api.as_("reviewer-1").post(f"{P}/county-a/reviews", {"rating": "good"})

        assert response.status_code == 403
        assert error_code(response) == "conflict_of_interest"

    def test_rating_a_participant_without_a_report_is_refused(self, api: Api) -> None:
        reviewing_with_county_c_silent(api)

        response = api.as_("reviewer-1").post(f"{P}/county-c/reviews", {"rating": "good"})

        assert response.status_code == 409
        assert error_code(response) == "report_not_submitted"

    def test_rating_outside_reviewing_is_out_of_phase(self, api: Api) -> None:
        api.cycle_in("reporting")

        response = api.as_("reviewer-1").post(f"{P}/county-a/reviews", {"rating": "good"})

        assert response.status_code == 409
        assert error_code(response) == "wrong_phase"

    def test_an_unknown_rating_is_unprocessable(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.as_("reviewer-1").post(f"{P}/county-a/reviews", {"rating": "优秀"})

        assert response.status_code == 422
        assert error_code(response) == "unknown_rating"

    def test_a_rating_that_is_not_text_is_unprocessable(self, api: Api) -> None:
        api.cycle_in("reviewing")

        for rating in (1, True, None, ["good"]):
            response = api.as_("reviewer-1").post(f"{P}/county-a/reviews", {"rating": rating})

            assert response.status_code == 422, rating
            assert error_code(response) == "validation_error"


class TestScores:
    def test_the_organizer_scores_with_numbers_or_decimal_strings(self, api: Api) -> None:
        api.cycle_in("reviewing")

        number = api.organizer.post(
            f"{P}/county-a/scores", {"indicator": "foundation", "points": 22, "note": "成效明显"}
        )
        text = api.organizer.post(f"{P}/county-a/scores", {"indicator": "innovation",
                                                           "points": "12.5"})

        assert number.status_code == 201
        assert number.json() == {"indicator": "foundation", "points": "22", "note": "成效明显"}
        assert text.status_code == 201
        assert text.json()["points"] == "12.5"

    def test_rescoring_is_an_amendment_with_a_reason(self, api: Api) -> None:
        api.cycle_in("reviewing")
        api.organizer.post(f"{P}/county-a/scores", {"indicator": "foundation", "points": 22})

        without = api.organizer.post(f"{P}/county-a/scores",
                                     {"indicator": "foundation", "points": 20})
        amended = api.organizer.post(f"{P}/county-a/scores",
                                     {"indicator": "foundation", "points": 20.5, "reason": "核减"})

        assert without.status_code == 409
        assert error_code(without) == "reason_required"
        assert amended.status_code == 200
        assert amended.json()["points"] == "20.5"

    def test_bad_scores_are_unprocessable_and_record_nothing(self, api: Api) -> None:
        api.cycle_in("reviewing")
        before = api.position()
        cases = [
            ({"indicator": "charisma", "points": 5}, "unknown_indicator"),
            ({"indicator": "foundation", "points": 25.5}, "points_out_of_range"),
            ({"indicator": "foundation", "points": "-1"}, "points_out_of_range"),
            ({"indicator": "foundation", "points": True}, "validation_error"),
            ({"indicator": "foundation", "points": "abc"}, "validation_error"),
            ({"indicator": "foundation", "points": "1e3"}, "validation_error"),
            ({"indicator": "foundation", "points": None}, "validation_error"),
            ({"indicator": "foundation", "points": 5, "weight": 2}, "validation_error"),
        ]

        for body, code in cases:
            response = api.organizer.post(f"{P}/county-a/scores", body)

            assert response.status_code == 422, body
            assert error_code(response) == code
        assert api.position() == before

    def test_non_finite_points_are_unprocessable(self, api: Api) -> None:
        api.cycle_in("reviewing")

        for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e999"):
            response = api.organizer.post(
                f"{P}/county-a/scores", content=b'{"indicator": "foundation", "points": '
                + literal + b"}", headers={"Content-Type": "application/json"},
            )

            assert response.status_code == 422, literal
            assert response.json()["error"]["details"][0]["field"] == "points"

    def test_scoring_outside_reviewing_is_out_of_phase(self, api: Api) -> None:
        api.cycle_in("reporting")

        response = api.organizer.post(f"{P}/county-a/scores", {"indicator": "foundation",
                                                               "points": 1})

        assert response.status_code == 409
        assert error_code(response) == "wrong_phase"

    def test_a_secretary_may_not_score(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.as_("sec-county-a").post(f"{P}/county-a/scores",
                                                {"indicator": "foundation", "points": 25})

        assert response.status_code == 403
        assert error_code(response) == "organizer_required"


class TestFeedback:
    def test_the_organizer_issues_written_feedback_once_finalized(self, api: Api) -> None:
        api.cycle_in("finalized")
        body = {"text": "经市委研究，反馈如下。",
                "problems": [{"code": "P1", "description": "整顿不到位"}]}

        issued = api.organizer.post(f"{P}/county-b/feedback", body)
        again = api.organizer.post(f"{P}/county-b/feedback", body)

        assert issued.status_code == 201
        assert issued.json() == body
        assert again.status_code == 409
        assert error_code(again) == "feedback_exists"

    def test_feedback_before_finalization_is_out_of_phase(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.organizer.post(f"{P}/county-b/feedback", {"text": "反馈", "problems": []})

        assert response.status_code == 409
        assert error_code(response) == "wrong_phase"

    def test_duplicate_problem_codes_are_unprocessable(self, api: Api) -> None:
        api.cycle_in("finalized")
        problems = [{"code": "P1", "description": "一"}, {"code": "P1", "description": "二"}]

        response = api.organizer.post(f"{P}/county-b/feedback",
                                      {"text": "反馈", "problems": problems})

        assert response.status_code == 422
        assert error_code(response) == "duplicate_problem_code"

    def test_a_secretary_may_not_issue_feedback(self, api: Api) -> None:
        api.cycle_in("finalized")

        response = api.as_("sec-county-b").post(f"{P}/county-b/feedback",
                                                {"text": "反馈", "problems": []})

        assert response.status_code == 403


class TestParticipantOverview:
    def rated(self, api: Api) -> None:
        api.cycle_in("reviewing")
        api.as_("reviewer-1").post(f"{P}/county-a/reviews", {"rating": "good", "comment": "好"})
        api.as_("reviewer-2").post(f"{P}/county-a/reviews", {"rating": "一般"})
        api.organizer.post(f"{P}/county-a/scores", {"indicator": "foundation", "points": 22})

    def test_the_organizer_sees_reviewers_by_account(self, api: Api) -> None:
        self.rated(api)

        response = api.organizer.get(f"{P}/county-a")

        assert response.status_code == 200
        body = response.json()
        assert [r["reviewer"] for r in body["ratings"]] == ["reviewer-1", "reviewer-2"]
        assert body["scores"] == [
            {"indicator": "foundation", "points": "22", "note": None, "reason": None}
        ]
        assert body["report"]["version"] == 1
        assert body["secretary"] == "甲县书记"
        assert body["result"] is None and body["plan"] is None
        assert body["position"] == api.position()

    def test_the_secretary_sees_pseudonyms_and_no_account_id_anywhere(self, api: Api) -> None:
        self.rated(api)

        response = api.as_("sec-county-a").get(f"{P}/county-a")

        assert response.status_code == 200
        assert [r["reviewer"] for r in response.json()["ratings"]] == ["评议人1", "评议人2"]
        assert b"reviewer-" not in response.content

    def test_an_inspector_sees_reviewers_by_account(self, api: Api) -> None:
        self.rated(api)

        response = api.as_("inspector").get(f"{P}/county-a")

        assert response.status_code == 200
        assert response.json()["ratings"][0]["reviewer"] == "reviewer-1"

    def test_other_secretaries_and_reviewers_may_not_read_it(self, api: Api) -> None:
        api.cycle_in("reviewing")

        for who in ("sec-county-b", "reviewer-1"):
            response = api.as_(who).get(f"{P}/county-a")

            assert response.status_code == 403, who

    def test_a_finalized_participant_shows_its_result(self, api: Api) -> None:
        api.cycle_in("reviewing")
        api.world.rate(CYCLE, "county-a", (10, 0, 0, 0))
        api.world.run("organizer", cycles.finalize, CYCLE)

        response = api.as_("sec-county-a").get(f"{P}/county-a")

        assert response.status_code == 200
        assert response.json()["result"]["review_score"] == "100.00"


class TestNoReviewerLeaksToSecretaries:
    def test_no_answer_to_a_secretary_names_a_reviewer(self, api: Api) -> None:
        api.cycle_in("reviewing")
        api.as_("reviewer-3").post(f"{P}/county-a/reviews", {"rating": "good"})
        api.organizer.post(f"/cycles/{CYCLE}/conflicts",
                           {"account_id": "reviewer-4", "org_code": "county-a", "reason": "亲属"})
        secretary = api.as_("sec-county-a")

        answers = [
            secretary.get(f"/cycles/{CYCLE}"),
            secretary.get(f"{P}/county-a"),
            secretary.get(f"{P}/county-a/report"),
            secretary.get(f"/cycles/{CYCLE}/standings"),
            secretary.post(f"{P}/county-a/reviews", {"rating": "good"}),
            secretary.post(f"/cycles/{CYCLE}/advance", {"to": "finalized"}),
            secretary.post(f"/cycles/{CYCLE}/vetoes", {"org_code": "county-a", "reason": "x"}),
            secretary.post(f"{P}/county-a/report", REPORT),
        ]

        for answer in answers:
            assert answer.status_code < 500
            assert b"reviewer-" not in answer.content, answer.text
