"""Setting up and correcting a cycle through HTTP: removals, copying last year's participants and
panel, setting and moving deadlines, and what the cycle, its flags and its board show after."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from application.usecases import cycles, participants
from tests.api.helpers import COUNTIES, CYCLE, Api, error_code, fresh
from tests.application.world import REVIEWERS

C = f"/cycles/{CYCLE}"


class TestRemoval:
    def test_the_organizer_removes_a_participant_with_a_reason(self, api: Api) -> None:
        api.cycle_in("preparing")

        response = api.organizer.post(f"{C}/participants/county-b/removal",
                                      {"reason": "误列为述职单位"})

        assert response.status_code == 200
        assert response.json() == {"participants": ["county-a", "county-c"]}
        assert int(response.headers["X-Event-Position"]) == api.position()
        assert response.headers["ETag"] == f'"{api.organizer.get(C).json()["version"]}"'

    def test_the_organizer_removes_a_panel_member_and_may_add_them_again(self, api: Api) -> None:
        api.cycle_in("preparing")

        removed = api.organizer.post(f"{C}/panel/reviewer-2/removal", {"reason": "工作调动"})
        added = api.organizer.post(f"{C}/panel", {"account_id": "reviewer-2"})

        assert removed.status_code == 200
        assert "reviewer-2" not in removed.json()["panel"]
        assert added.status_code == 200
        assert added.json()["panel"][-1] == "reviewer-2"

    def test_a_removal_without_a_reason_is_a_conflict(self, api: Api) -> None:
        api.cycle_in("preparing")
        before = api.position()

        for body in ({}, {"reason": ""}, {"reason": "   "}):
            response = api.organizer.post(f"{C}/participants/county-a/removal", body)
            assert response.status_code == 409, body
            assert error_code(response) == "reason_required"
        assert api.position() == before

    def test_outside_preparing_a_removal_is_out_of_phase(self, api: Api) -> None:
        api.cycle_in("reporting")

        for path in ("participants/county-a", "panel/reviewer-1"):
            response = api.organizer.post(f"{C}/{path}/removal", {"reason": "x"})
            assert response.status_code == 409
            assert error_code(response) == "wrong_phase"

    def test_unknown_ids_are_not_found_and_non_members_conflicts(self, api: Api) -> None:
        api.cycle_in("preparing")
        cases = [("participants/nowhere", 404, "unknown_org"),
                 ("participants/prov", 409, "not_a_participant"),
                 ("panel/ghost", 404, "unknown_account"),
                 ("panel/inspector", 409, "not_panel_member")]

        for path, status, code in cases:
            response = api.organizer.post(f"{C}/{path}/removal", {"reason": "x"})
            assert (response.status_code, error_code(response)) == (status, code), path

    def test_a_secretary_may_not_remove(self, api: Api) -> None:
        api.cycle_in("preparing")

        response = api.as_("sec-county-a").post(f"{C}/participants/county-a/removal",
                                                {"reason": "x"})

        assert response.status_code == 403


class TestCopyFromPrevious:
    def test_copies_last_year_s_participants_and_panel(self, api: Api) -> None:
        api.world.cycle("city-2025", 2025)
        api.organizer.post("/cycles", {"organizer_org": "city", "level": "county", "year": 2026,
                                       "title": "2026年度述职评议"})

        response = api.organizer.post(f"{C}/copy-from-previous",
                                      {"participants": True, "panel": True},
                                      headers={"Idempotency-Key": "copy-1"})
        replay = api.organizer.post(f"{C}/copy-from-previous",
                                    {"participants": True, "panel": True},
                                    headers={"Idempotency-Key": "copy-1"})

        assert response.status_code == 200
        assert response.json() == {
            "previous_cycle_id": "city-2025",
            "added": {"participants": list(COUNTIES), "panel": list(REVIEWERS)},
            "left_out": [],
        }
        assert replay.status_code == 200 and replay.json() == response.json()
        assert replay.headers["Idempotent-Replayed"] == "true"
        cycle = api.organizer.get(C).json()
        assert (cycle["participants"], cycle["panel"]) == (list(COUNTIES), list(REVIEWERS))

    def test_refusals(self, api: Api) -> None:
        api.world.cycle("city-2025", 2025)
        api.organizer.post("/cycles", {"organizer_org": "city", "level": "county", "year": 2026,
                                       "title": "2026年度述职评议"})
        cases = [("/cycles/city-2025", {"participants": True}, 409, "no_previous_cycle"),
                 (C, {}, 422, "participants_or_panel_required"),
                 (C, {"participants": "yes"}, 422, "validation_error"),
                 ("/cycles/nope", {"panel": True}, 404, "unknown_cycle")]
        for path, body, status, code in cases:
            response = api.organizer.post(f"{path}/copy-from-previous", body)
            assert (response.status_code, error_code(response)) == (status, code), body

        api.organizer.post(f"{C}/copy-from-previous", {"participants": True})
        again = api.organizer.post(f"{C}/copy-from-previous", {"participants": True})
        assert again.status_code == 409 and error_code(again) == "nothing_to_copy"
        api.organizer.post(f"{C}/advance", {"to": "reporting"})
        late = api.organizer.post(f"{C}/copy-from-previous", {"panel": True})
        assert late.status_code == 409 and error_code(late) == "wrong_phase"


class TestDeadlines:
    def test_set_and_moved_with_a_reason_once_the_phase_began(self, api: Api) -> None:
        api.cycle_in("preparing")

        first = api.organizer.post(f"{C}/deadlines",
                                   {"report_due": "2026-12-20", "review_due": "2027-01-10"})
        api.organizer.post(f"{C}/advance", {"to": "reporting"})
        unexplained = api.organizer.post(f"{C}/deadlines", {"report_due": "2026-12-25"})
        moved = api.organizer.post(f"{C}/deadlines",
                                   {"report_due": "2026-12-25", "reason": "顺延五天"})

        assert first.status_code == 200
        assert first.json() == {"deadlines": {"report_due": "2026-12-20",
                                              "review_due": "2027-01-10"}}
        assert unexplained.status_code == 409
        assert error_code(unexplained) == "reason_required"
        assert moved.status_code == 200
        assert moved.json()["deadlines"]["report_due"] == "2026-12-25"
        assert api.organizer.get(C).json()["deadlines"]["report_due"] == "2026-12-25"

    def test_bad_bodies_are_unprocessable_and_a_closed_cycle_is_out_of_phase(
        self, api: Api
    ) -> None:
        api.cycle_in("preparing")
        for body, code in [({}, "no_deadlines"), ({"report_due": "2026-13-01"}, "validation_error"),
                           ({"plan_due": "2026-01-01", "review_due": "2026-02-01"},
                            "deadlines_out_of_order"),
                           ({"other_due": "2026-01-01"}, "validation_error")]:
            response = api.organizer.post(f"{C}/deadlines", body)
            assert (response.status_code, error_code(response)) == (422, code), body
        api.world.reviewing(CYCLE)
        api.world.run("organizer", cycles.finalize, CYCLE)
        api.world.advance(CYCLE, "rectifying")
        api.world.advance(CYCLE, "closed")

        response = api.organizer.post(f"{C}/deadlines", {"plan_due": "2027-03-01"})

        assert response.status_code == 409 and error_code(response) == "wrong_phase"

    def test_the_cycle_as_of_a_moment_shows_the_deadline_in_force_then(self, api: Api) -> None:
        api.cycle_in("preparing")
        api.organizer.post(f"{C}/deadlines", {"report_due": "2026-12-20"})
        between = api.app.now().isoformat()
        api.organizer.post(f"{C}/deadlines", {"report_due": "2026-12-31"})

        then = api.organizer.get(C, params={"as_of": between})
        standings = api.organizer.get(f"{C}/standings", params={"as_of": between})
        before = api.organizer.get(C, params={"as_of": "2000-01-01T00:00:00Z"})

        assert then.status_code == 200
        assert then.json()["deadlines"] == {"report_due": "2026-12-20"}
        assert standings.json()["deadlines"] == {"report_due": "2026-12-20"}
        assert api.organizer.get(C).json()["deadlines"] == {"report_due": "2026-12-31"}
        assert before.status_code == 404 and error_code(before) == "not_yet_recorded"
        assert api.organizer.get(f"{C}?as_of={quote('2026-01-01T00:00')}").status_code == 422


class TestReadModels:
    def test_the_audit_trail_shows_removals_with_their_reason(
        self, api: Api, runners: None
    ) -> None:
        api.cycle_in("preparing")
        api.organizer.post(f"{C}/participants/county-b/removal", {"reason": "误列为述职单位"})
        api.organizer.post(f"{C}/panel/reviewer-2/removal", {"reason": "工作调动"})

        body = api.as_("inspector").get("/audit/events", params={"cycle_id": CYCLE},
                                        headers=fresh(api)).json()

        removals = [(e["type"], e["actor"], e["reason"], e["org_code"]) for e in body["events"]
                    if e["type"].endswith("Removed")]
        assert removals == [
            ("lianping:Cycle.ParticipantRemoved", "organizer", "误列为述职单位", "county-b"),
            ("lianping:Cycle.PanelMemberRemoved", "organizer", "工作调动", "city"),
        ]

    def test_flags_show_moved_deadlines_and_late_reports_judged_then(
        self, api: Api, runners: None
    ) -> None:
        yesterday = (api.app.today() - timedelta(days=1)).isoformat()
        api.cycle_in("preparing")
        api.organizer.post(f"{C}/deadlines", {"report_due": yesterday})
        api.world.advance(CYCLE, "reporting")
        api.world.report(CYCLE, "county-a")
        api.organizer.post(f"{C}/deadlines", {"report_due": api.due(5), "reason": "统一顺延"})
        api.world.report(CYCLE, "county-b")

        body = api.as_("inspector").get("/audit/flags", params={"cycle_id": CYCLE},
                                        headers=fresh(api)).json()

        assert [(f["kind"], f["org_code"], f["reason"]) for f in body["flags"]] == [
            ("late_submission", "county-a", None),
            ("deadline_changed", "city", "统一顺延"),
        ]

    def test_the_board_lists_participants_given_problems_without_a_plan(
        self, api: Api, runners: None
    ) -> None:
        api.cycle_in("rectifying")  # feedback with P1, P2 to county-a
        api.world.run("organizer", participants.issue_feedback, CYCLE, "county-c", "书面反馈",
                      [{"code": "P1", "description": "问题"}])

        body = api.organizer.get(f"{C}/rectification", headers=fresh(api)).json()

        assert [(o["org_code"], o["org_name"], o["plan_status"]) for o in body["by_org"]] == [
            ("county-a", "甲县", "none"), ("county-c", "丙县", "none")
        ]
