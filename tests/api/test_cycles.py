"""Running a cycle through HTTP: create, read, scheme, participants, panel, conflicts, phases,
vetoes, finalize."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import CYCLE, Api, error_code
from tests.application.world import REVIEWERS

NEW = {"cycle_id": "city-2027", "organizer_org": "city", "level": "county", "year": 2027,
       "title": "2027年度县委书记抓基层党建述职评议考核"}


def custom_scheme() -> dict[str, Any]:
    return {
        "rating_points": {"good": "100", "fairly_good": 85, "average": 60.5, "poor": 0},
        "indicators": [{"code": "responsibility", "name": "强化责任", "max_points": 50},
                       {"code": "foundation", "name": "夯实基础", "max_points": "50"}],
        "weights": {"review": 0.5, "indicators": 0.5, "rectification": 0},
        "grade_thresholds": {"good": 90, "fairly_good": 80, "average": 60},
    }


class TestCreateCycle:
    def test_the_organizer_creates_a_cycle_with_the_default_scheme(self, api: Api) -> None:
        created = api.organizer.post("/cycles", NEW)
        read = api.organizer.get("/cycles/city-2027")

        assert created.status_code == 201
        assert created.json() == {
            "cycle_id": "city-2027", "phase": "preparing", "scheme_version": 1, "rehearsal": False
        }
        assert created.headers["ETag"] == '"1"'
        assert read.status_code == 200
        cycle = read.json()
        assert cycle["title"] == NEW["title"]
        assert cycle["participants"] == [] and cycle["panel"] == []
        maxima = [i["max_points"] for i in cycle["scheme"]["indicators"]]
        assert maxima == ["20", "20", "25", "15", "20"]
        assert cycle["scheme"]["weights"] == {
            "review": "0.4", "indicators": "0.4", "rectification": "0.2"
        }
        assert read.headers["ETag"] == f'"{cycle["version"]}"'

    def test_the_cycle_id_defaults_to_organizer_and_year(self, api: Api) -> None:
        body = {k: v for k, v in NEW.items() if k != "cycle_id"}

        response = api.organizer.post("/cycles", body)

        assert response.status_code == 201
        assert response.json()["cycle_id"] == "city-2027"

    def test_a_custom_scheme_and_deadlines_are_kept(self, api: Api) -> None:
        body = {**NEW, "scheme": custom_scheme(),
                "deadlines": {"report_due": "2027-12-20", "plan_due": "2028-02-28"}}

        created = api.organizer.post("/cycles", body)
        cycle = api.organizer.get("/cycles/city-2027").json()

        assert created.status_code == 201
        assert cycle["scheme"]["rating_points"]["average"] == "60.5"
        assert cycle["deadlines"] == {"report_due": "2027-12-20", "plan_due": "2028-02-28"}

    def test_an_invalid_scheme_lists_every_problem(self, api: Api) -> None:
        scheme = custom_scheme()
        scheme["weights"]["review"] = True
        scheme["grade_thresholds"]["good"] = "NaN"
        scheme["indicators"][0]["max_points"] = -5

        response = api.organizer.post("/cycles", {**NEW, "scheme": scheme})

        assert response.status_code == 422
        assert error_code(response) == "invalid_scheme"
        fields = {d["field"] for d in response.json()["error"]["details"]}
        assert {"weights.review", "grade_thresholds.good", "indicators[0].max_points"} <= fields

    def test_a_secretary_may_not_create_a_cycle(self, api: Api) -> None:
        response = api.as_("sec-county-a").post("/cycles", NEW)

        assert response.status_code == 403
        assert error_code(response) == "organizer_required"

    def test_an_organizer_may_not_create_a_cycle_for_another_org(self, api: Api) -> None:
        body = {**NEW, "organizer_org": "prov", "level": "city"}

        response = api.organizer.post("/cycles", body)

        assert response.status_code == 403

    def test_the_participants_level_must_be_one_below_the_organizer(self, api: Api) -> None:
        response = api.organizer.post("/cycles", {**NEW, "level": "township"})

        assert response.status_code == 422
        assert error_code(response) == "invalid_level"

    def test_a_second_cycle_for_the_same_year_is_a_conflict(self, api: Api) -> None:
        api.organizer.post("/cycles", NEW)

        again = api.organizer.post("/cycles", {**NEW, "cycle_id": "another"})

        assert again.status_code == 409
        assert error_code(again) == "cycle_exists"

    def test_an_unknown_previous_cycle_in_the_body_is_unprocessable(self, api: Api) -> None:
        api.world  # noqa: B018

        response = api.organizer.post("/cycles", {**NEW, "previous_cycle_id": "city-1999"})

        assert response.status_code == 422
        assert error_code(response) == "unknown_cycle"

    def test_an_org_the_caller_does_not_organize_is_forbidden(self, api: Api) -> None:
        api.world  # noqa: B018

        response = api.organizer.post("/cycles", {**NEW, "organizer_org": "prov"})

        assert response.status_code == 403
        assert error_code(response) == "organizer_required"

    def test_an_unknown_organizer_org_is_unprocessable(self, api: Api) -> None:
        api.world  # noqa: B018

        response = api.organizer.post("/cycles", {**NEW, "organizer_org": "atlantis"})

        assert response.status_code == 422  # API.md: an unknown code inside a body is 422
        assert error_code(response) == "unknown_org"
        assert response.json()["error"]["details"][0]["field"] == "organizer_org"

    def test_wrong_types_and_shapes_are_unprocessable(self, api: Api) -> None:
        api.world  # noqa: B018
        changes = [
            {"year": "2027"}, {"year": 1800}, {"title": ""}, {"deadlines": {"report_due": "12/20"}},
            {"deadlines": {"elsewhen": "2027-01-01"}}, {"scheme": [1]}, {"cycle_id": "a/b"},
        ]

        for change in changes:
            response = api.organizer.post("/cycles", {**NEW, **change})

            assert response.status_code == 422, change
            assert error_code(response) == "validation_error"

    def test_deadlines_out_of_order_are_unprocessable(self, api: Api) -> None:
        api.world  # noqa: B018
        before = api.position()

        response = api.organizer.post("/cycles", {**NEW, "deadlines": {
            "report_due": "2027-12-20", "review_due": "2027-12-10"}})

        assert response.status_code == 422
        assert error_code(response) == "deadlines_out_of_order"
        assert response.json()["error"]["details"][0]["field"] == "deadlines.review_due"
        assert api.position() == before


class TestReadCycle:
    def test_an_unknown_cycle_is_not_found(self, api: Api) -> None:
        response = api.admin.get("/cycles/nope")

        assert response.status_code == 404
        assert error_code(response) == "unknown_cycle"

    def test_shows_the_previous_cycle_in_effect_named_or_the_year_before(self, api: Api) -> None:
        api.cycle_in("preparing", "city-2025", 2025)
        api.cycle_in("preparing", "city-2026", 2026)

        first = api.as_("inspector").get("/cycles/city-2025").json()
        second = api.as_("inspector").get("/cycles/city-2026").json()

        assert (first["previous_cycle_id"], first["previous_cycle_in_effect"]) == (None, None)
        assert (second["previous_cycle_id"], second["previous_cycle_in_effect"]) == (
            None, "city-2025"
        )

    def test_a_participants_secretary_sees_the_panel_as_pseudonyms(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.as_("sec-county-a").get(f"/cycles/{CYCLE}")

        assert response.status_code == 200
        assert response.json()["panel"][:2] == ["评议人1", "评议人2"]
        assert b"reviewer-" not in response.content

    def test_the_organizer_and_inspector_see_the_reviewers(self, api: Api) -> None:
        api.cycle_in("reviewing")

        for who in ("organizer", "inspector"):
            response = api.as_(who).get(f"/cycles/{CYCLE}")

            assert response.status_code == 200
            assert response.json()["panel"] == list(REVIEWERS)

    def test_an_account_without_any_role_in_the_cycle_is_forbidden(self, api: Api) -> None:
        api.cycle_in("preparing")
        api.admin.post("/accounts", {"account_id": "outsider", "name": "路人"})

        response = api.as_("outsider").get(f"/cycles/{CYCLE}")

        assert response.status_code == 403


class TestPreparing:
    def test_the_organizer_sets_the_scheme_participants_and_panel(self, api: Api) -> None:
        organizer = api.organizer
        organizer.post("/cycles", NEW)

        scheme = organizer.post("/cycles/city-2027/scheme", {"scheme": custom_scheme()})
        participant = organizer.post("/cycles/city-2027/participants", {"org_code": "county-b"})
        panel = organizer.post("/cycles/city-2027/panel", {"account_id": "reviewer-3"})

        assert scheme.status_code == 200
        assert scheme.json() == {"scheme_version": 2}
        assert participant.status_code == 200
        assert participant.json() == {"participants": ["county-b"]}
        assert panel.status_code == 200
        assert panel.json() == {"panel": ["reviewer-3"]}
        assert panel.headers["ETag"] == '"4"'  # created, scheme, participant, panel

    def test_duplicates_are_conflicts(self, api: Api) -> None:
        api.cycle_in("preparing")

        participant = api.organizer.post(f"/cycles/{CYCLE}/participants", {"org_code": "county-a"})
        panel = api.organizer.post(f"/cycles/{CYCLE}/panel", {"account_id": "reviewer-1"})

        assert participant.status_code == 409
        assert error_code(participant) == "already_participant"
        assert panel.status_code == 409
        assert error_code(panel) == "already_panel_member"

    def test_only_direct_subordinates_may_take_part(self, api: Api) -> None:
        api.cycle_in("preparing")

        response = api.organizer.post(f"/cycles/{CYCLE}/participants", {"org_code": "prov"})

        assert response.status_code == 422
        assert error_code(response) == "not_direct_subordinate"

    def test_unknown_orgs_and_accounts_in_the_body_are_unprocessable(self, api: Api) -> None:
        api.cycle_in("preparing")

        org = api.organizer.post(f"/cycles/{CYCLE}/participants", {"org_code": "atlantis"})
        account = api.organizer.post(f"/cycles/{CYCLE}/panel", {"account_id": "ghost"})

        assert org.status_code == 422
        assert error_code(org) == "unknown_org"
        assert account.status_code == 422
        assert error_code(account) == "unknown_account"

    def test_nothing_changes_once_reporting(self, api: Api) -> None:
        api.cycle_in("reporting")
        before = api.position()

        responses = [
            api.organizer.post(f"/cycles/{CYCLE}/scheme", {"scheme": custom_scheme()}),
            api.organizer.post(f"/cycles/{CYCLE}/panel", {"account_id": "inspector"}),
        ]

        assert [r.status_code for r in responses] == [409, 409]
        assert {error_code(r) for r in responses} == {"wrong_phase"}
        assert api.position() == before

    def test_a_secretary_may_not_prepare_the_cycle(self, api: Api) -> None:
        api.cycle_in("preparing")

        response = api.as_("sec-county-a").post(f"/cycles/{CYCLE}/panel", {"account_id": "admin"})

        assert response.status_code == 403

    def test_writes_to_an_unknown_cycle_are_not_found(self, api: Api) -> None:
        api.world  # noqa: B018

        response = api.organizer.post("/cycles/nope/participants", {"org_code": "county-a"})

        assert response.status_code == 404


class TestConflicts:
    def test_the_organizer_records_a_conflict_with_a_reason(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.organizer.post(
            f"/cycles/{CYCLE}/conflicts",
            {"account_id": "reviewer-2", "org_code": "county-b", "reason": "曾在乙县任职"},
        )

        assert response.status_code == 200
        assert response.json() == {"conflicts": [
            {"account_id": "reviewer-2", "org_code": "county-b", "reason": "曾在乙县任职"}
        ]}

    def test_a_panel_member_declares_their_own_and_learns_of_no_one_elses(self, api: Api) -> None:
        api.cycle_in("reviewing")
        api.organizer.post(f"/cycles/{CYCLE}/conflicts",
                           {"account_id": "reviewer-2", "org_code": "county-b", "reason": "亲属"})

        response = api.as_("reviewer-5").post(
            f"/cycles/{CYCLE}/conflicts",
            {"account_id": "reviewer-5", "org_code": "county-c", "reason": "曾在丙县任职"},
        )

        assert response.status_code == 200
        assert response.json()["conflicts"] == [
            {"account_id": "reviewer-5", "org_code": "county-c", "reason": "曾在丙县任职"}
        ]
        assert b"reviewer-2" not in response.content

    def test_a_panel_member_may_not_declare_for_someone_else(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.as_("reviewer-5").post(
            f"/cycles/{CYCLE}/conflicts",
            {"account_id": "reviewer-6", "org_code": "county-c", "reason": "代报"},
        )

        assert response.status_code == 403

    def test_a_conflict_needs_a_reason(self, api: Api) -> None:
        api.cycle_in("reviewing")
        before = api.position()

        response = api.organizer.post(
            f"/cycles/{CYCLE}/conflicts", {"account_id": "reviewer-2", "org_code": "county-b"}
        )

        assert response.status_code == 409
        assert error_code(response) == "reason_required"
        assert api.position() == before

    def test_a_conflict_with_a_non_participant_is_refused(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.organizer.post(
            f"/cycles/{CYCLE}/conflicts",
            {"account_id": "reviewer-2", "org_code": "prov", "reason": "某"},
        )

        assert response.status_code == 409
        assert error_code(response) == "not_a_participant"

    def test_unknown_codes_in_the_body_are_unprocessable_and_record_nothing(
        self, api: Api
    ) -> None:
        api.cycle_in("reviewing")
        before = api.position()
        cases = [({"account_id": "nobody", "org_code": "county-b"}, "unknown_account"),
                 ({"account_id": "reviewer-2", "org_code": "atlantis"}, "unknown_org")]

        for body, code in cases:
            response = api.organizer.post(f"/cycles/{CYCLE}/conflicts", {**body, "reason": "某"})

            assert response.status_code == 422, body
            assert error_code(response) == code
        vetoed = api.organizer.post(f"/cycles/{CYCLE}/vetoes",
                                    {"org_code": "atlantis", "reason": "某"})
        assert vetoed.status_code == 422 and error_code(vetoed) == "unknown_org"
        assert api.position() == before


class TestAdvance:
    def test_phases_move_forward_one_step(self, api: Api) -> None:
        api.cycle_in("preparing")

        response = api.organizer.post(f"/cycles/{CYCLE}/advance", {"to": "reporting"})

        assert response.status_code == 200
        assert response.json() == {"phase": "reporting"}

    def test_skipping_a_phase_is_refused(self, api: Api) -> None:
        api.cycle_in("preparing")

        for to in ("reviewing", "closed"):
            response = api.organizer.post(f"/cycles/{CYCLE}/advance", {"to": to})

            assert response.status_code == 409, to
            assert error_code(response) == "invalid_transition"

    def test_finalized_is_reached_only_through_finalize(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.organizer.post(f"/cycles/{CYCLE}/advance", {"to": "finalized"})

        assert response.status_code == 409
        assert error_code(response) == "finalize_required"

    def test_reopening_needs_a_reason(self, api: Api) -> None:
        api.cycle_in("reviewing")

        without = api.organizer.post(f"/cycles/{CYCLE}/advance", {"to": "reporting"})
        with_reason = api.organizer.post(
            f"/cycles/{CYCLE}/advance", {"to": "reporting", "reason": "补交材料"}
        )

        assert without.status_code == 409
        assert error_code(without) == "reason_required"
        assert with_reason.status_code == 200
        assert with_reason.json() == {"phase": "reporting"}

    def test_an_unknown_phase_is_unprocessable(self, api: Api) -> None:
        api.cycle_in("preparing")

        response = api.organizer.post(f"/cycles/{CYCLE}/advance", {"to": "party"})

        assert response.status_code == 422

    def test_a_reviewer_may_not_move_the_cycle(self, api: Api) -> None:
        api.cycle_in("preparing")

        response = api.as_("reviewer-1").post(f"/cycles/{CYCLE}/advance", {"to": "reporting"})

        assert response.status_code == 403


class TestVetoAndFinalize:
    def test_a_veto_makes_the_grade_poor_at_finalization(self, api: Api) -> None:
        api.cycle_in("reviewing")
        api.world.rate(CYCLE, "county-a", (10, 0, 0, 0))

        veto = api.organizer.post(
            f"/cycles/{CYCLE}/vetoes", {"org_code": "county-a", "reason": "发生重大责任事故"}
        )
        final = api.organizer.post(f"/cycles/{CYCLE}/finalize", {})

        assert veto.status_code == 200
        assert veto.json() == {"vetoes": ["county-a"]}
        assert final.status_code == 200
        assert final.json()["phase"] == "finalized"
        row = next(r for r in final.json()["results"] if r["org_code"] == "county-a")
        assert (row["grade"], row["grade_label"], row["vetoed"]) == ("poor", "差", True)

    def test_a_veto_needs_a_reason_and_a_participant(self, api: Api) -> None:
        api.cycle_in("reviewing")
        cases = [({"org_code": "county-a"}, "reason_required"),
                 ({"org_code": "prov", "reason": "某"}, "not_a_participant")]

        for body, code in cases:
            response = api.organizer.post(f"/cycles/{CYCLE}/vetoes", body)

            assert response.status_code == 409, body
            assert error_code(response) == code

    def test_a_veto_outside_reviewing_is_out_of_phase(self, api: Api) -> None:
        api.cycle_in("reporting")

        response = api.organizer.post(
            f"/cycles/{CYCLE}/vetoes", {"org_code": "county-a", "reason": "某"}
        )

        assert response.status_code == 409
        assert error_code(response) == "wrong_phase"

    def test_finalizing_twice_is_out_of_phase(self, api: Api) -> None:
        api.cycle_in("finalized")

        response = api.organizer.post(f"/cycles/{CYCLE}/finalize")

        assert response.status_code == 409
        assert error_code(response) == "wrong_phase"

    def test_finalize_takes_no_fields(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.organizer.post(f"/cycles/{CYCLE}/finalize", {"force": True})

        assert response.status_code == 422

    def test_reopening_a_finalized_cycle_unfreezes_its_results(self, api: Api) -> None:
        api.cycle_in("finalized")

        reopened = api.organizer.post(
            f"/cycles/{CYCLE}/advance", {"to": "reviewing", "reason": "复核评分"}
        )
        standings = api.organizer.get(f"/cycles/{CYCLE}/standings")

        assert reopened.status_code == 200
        assert standings.status_code == 200
        assert standings.json()["provisional"] is True
