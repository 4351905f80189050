"""整改 through HTTP: plan submission, approval and return; item progress, completion claims,
verification (销号) and deadline extensions."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import CYCLE, Api, error_code

R = f"/cycles/{CYCLE}/participants/county-a/rectification"


def plan(api: Api, **change: Any) -> dict[str, Any]:
    items = [
        {"item_id": "I1", "problem_code": "P1", "measure": "逐村制定整顿方案", "owner": "组织部长",
         "due_date": api.due(30)},
        {"item_id": "I2", "problem_code": "P2", "measure": "落实党建经费", "owner": "县委办主任",
         "due_date": api.due(60)},
    ]
    items[0].update(change)
    return {"items": items}


def approved(api: Api) -> None:
    api.cycle_in("rectifying")
    api.as_("sec-county-a").post(f"{R}/plan", plan(api))
    api.organizer.post(f"{R}/plan/approve", {})


class TestSubmitPlan:
    def test_the_secretary_submits_a_plan_addressing_every_problem(self, api: Api) -> None:
        api.cycle_in("rectifying")

        response = api.as_("sec-county-a").post(f"{R}/plan", plan(api))

        assert response.status_code == 201
        assert response.json() == {"version": 1, "status": "submitted", "item": None}
        assert response.headers["ETag"] == '"1"'

    def test_an_inconsistent_plan_is_unprocessable(self, api: Api) -> None:
        api.cycle_in("rectifying")
        cases = [({"problem_code": "P9"}, "items[0].problem_code"),
                 ({"item_id": "I2"}, "items[1].item_id"),
                 ({"due_date": api.due(-1)}, "items[0].due_date")]

        for change, field in cases:
            response = api.as_("sec-county-a").post(f"{R}/plan", plan(api, **change))

            assert response.status_code == 422, change
            assert error_code(response) == "invalid_plan"
            assert field in [d["field"] for d in response.json()["error"]["details"]]

    def test_a_malformed_due_date_is_unprocessable(self, api: Api) -> None:
        api.cycle_in("rectifying")

        for due in ("2027-13-01", "next year", 20270101):
            response = api.as_("sec-county-a").post(f"{R}/plan", plan(api, due_date=due))

            assert response.status_code == 422, due
            assert error_code(response) == "validation_error"
            assert response.json()["error"]["details"][0]["field"] == "items[0].due_date"

    def test_a_plan_without_feedback_is_refused(self, api: Api) -> None:
        api.cycle_in("rectifying")
        path = f"/cycles/{CYCLE}/participants/county-b/rectification/plan"

        response = api.as_("sec-county-b").post(path, plan(api))

        assert response.status_code == 409
        assert error_code(response) == "feedback_not_issued"

    def test_a_plan_before_rectifying_is_out_of_phase(self, api: Api) -> None:
        api.cycle_in("finalized")

        response = api.as_("sec-county-a").post(f"{R}/plan", plan(api))

        assert response.status_code == 409
        assert error_code(response) == "wrong_phase"

    def test_the_organizer_may_not_submit_the_plan(self, api: Api) -> None:
        api.cycle_in("rectifying")

        response = api.organizer.post(f"{R}/plan", plan(api))

        assert response.status_code == 403


class TestApproveAndReturnPlan:
    def test_a_returned_plan_is_resubmitted_then_approved(self, api: Api) -> None:
        api.cycle_in("rectifying")
        secretary = api.as_("sec-county-a")
        secretary.post(f"{R}/plan", plan(api))

        returned = api.organizer.post(f"{R}/plan/return", {"reason": "措施不够具体"})
        resubmitted = secretary.post(f"{R}/plan", plan(api, measure="县级领导包村整顿"))
        approved_ = api.organizer.post(f"{R}/plan/approve")

        assert returned.status_code == 200
        assert returned.json()["status"] == "returned"
        assert resubmitted.status_code == 201
        assert resubmitted.json()["version"] == 2
        assert approved_.status_code == 200
        assert approved_.json()["status"] == "approved"

    def test_returning_a_plan_needs_a_reason(self, api: Api) -> None:
        api.cycle_in("rectifying")
        api.as_("sec-county-a").post(f"{R}/plan", plan(api))

        response = api.organizer.post(f"{R}/plan/return", {})

        assert response.status_code == 409
        assert error_code(response) == "reason_required"

    def test_approving_without_a_plan_or_twice_is_refused(self, api: Api) -> None:
        api.cycle_in("rectifying")
        none = api.organizer.post(f"{R}/plan/approve")
        api.as_("sec-county-a").post(f"{R}/plan", plan(api))
        api.organizer.post(f"{R}/plan/approve")

        twice = api.organizer.post(f"{R}/plan/approve")
        replace = api.as_("sec-county-a").post(f"{R}/plan", plan(api))

        assert none.status_code == 409
        assert error_code(none) == "plan_not_submitted"
        assert twice.status_code == 409
        assert error_code(twice) == "plan_not_submitted"
        assert replace.status_code == 409
        assert error_code(replace) == "plan_already_approved"

    def test_a_secretary_may_not_approve(self, api: Api) -> None:
        api.cycle_in("rectifying")
        api.as_("sec-county-a").post(f"{R}/plan", plan(api))

        response = api.as_("sec-county-a").post(f"{R}/plan/approve")

        assert response.status_code == 403


class TestItems:
    def test_an_item_goes_from_progress_to_claim_to_verification(self, api: Api) -> None:
        approved(api)
        secretary = api.as_("sec-county-a")

        progress = secretary.post(f"{R}/items/I1/progress", {"note": "已整顿8个村", "percent": 60})
        claim = secretary.post(f"{R}/items/I1/completion", {"evidence": "验收报告"})
        verified = api.organizer.post(f"{R}/items/I1/verification",
                                      {"accepted": True, "note": "同意销号"})
        overview = api.as_("sec-county-a").get(f"/cycles/{CYCLE}/participants/county-a")

        assert progress.status_code == 200
        item = progress.json()["item"]
        assert (item["status"], item["percent"], item["overdue"]) == ("in_progress", 60, False)
        assert claim.status_code == 200
        assert claim.json()["item"]["evidence"] == "验收报告"
        assert verified.status_code == 200
        assert verified.json()["item"]["status"] == "verified"
        items = overview.json()["plan"]["items"]
        assert [(i["item_id"], i["status"], i["overdue"]) for i in items] == [
            ("I1", "verified", False), ("I2", "planned", False)]

    def test_a_rejected_claim_can_be_claimed_again(self, api: Api) -> None:
        approved(api)
        api.as_("sec-county-a").post(f"{R}/items/I1/completion", {"evidence": "材料"})

        rejected = api.organizer.post(f"{R}/items/I1/verification",
                                      {"accepted": False, "note": "材料不全"})
        again = api.as_("sec-county-a").post(f"{R}/items/I1/completion", {"evidence": "补充材料"})

        assert rejected.status_code == 200
        assert rejected.json()["item"]["status"] == "rejected"
        assert again.status_code == 200

    def test_verification_needs_a_completion_claim(self, api: Api) -> None:
        approved(api)

        response = api.organizer.post(f"{R}/items/I1/verification", {"accepted": True, "note": "x"})

        assert response.status_code == 409
        assert error_code(response) == "completion_not_claimed"

    def test_an_unknown_item_is_not_found(self, api: Api) -> None:
        approved(api)

        response = api.as_("sec-county-a").post(f"{R}/items/I9/completion", {"evidence": "x"})

        assert response.status_code == 404
        assert error_code(response) == "unknown_item"

    def test_items_of_an_unapproved_plan_are_not_open(self, api: Api) -> None:
        api.cycle_in("rectifying")
        api.as_("sec-county-a").post(f"{R}/plan", plan(api))

        response = api.as_("sec-county-a").post(f"{R}/items/I1/progress",
                                                {"note": "开始", "percent": 10})

        assert response.status_code == 409
        assert error_code(response) == "plan_not_approved"

    def test_bad_progress_is_unprocessable(self, api: Api) -> None:
        approved(api)
        bodies = [{"note": "x", "percent": 101}, {"note": "x", "percent": "50"},
                  {"note": "", "percent": 5}]

        for body in bodies:
            response = api.as_("sec-county-a").post(f"{R}/items/I1/progress", body)

            assert response.status_code == 422, body
            assert error_code(response) == "validation_error"

    def test_verification_takes_a_real_boolean(self, api: Api) -> None:
        approved(api)

        response = api.organizer.post(f"{R}/items/I1/verification",
                                      {"accepted": "yes", "note": "x"})

        assert response.status_code == 422

    def test_the_organizer_may_not_claim_and_the_secretary_may_not_verify(self, api: Api) -> None:
        approved(api)

        claim = api.organizer.post(f"{R}/items/I1/completion", {"evidence": "x"})
        verify = api.as_("sec-county-a").post(f"{R}/items/I1/verification",
                                              {"accepted": True, "note": "x"})

        assert (claim.status_code, verify.status_code) == (403, 403)


class TestExtensions:
    def test_a_deadline_moves_later_with_a_reason(self, api: Api) -> None:
        approved(api)
        later = api.due(90)

        response = api.organizer.post(f"{R}/items/I1/extension",
                                      {"due_date": later, "reason": "汛期影响"})

        assert response.status_code == 200
        assert response.json()["item"]["due_date"] == later
        assert response.json()["item"]["extensions"] == [{"due_date": later, "reason": "汛期影响"}]

    def test_a_bad_extension_is_refused_and_records_nothing(self, api: Api) -> None:
        approved(api)
        before = api.position()
        cases = [(90, None, 409, "reason_required"), (10, "提前", 409, "extension_not_later"),
                 (-5, "补登", 422, "due_date_in_past")]

        for days, reason, status, code in cases:
            response = api.organizer.post(f"{R}/items/I1/extension",
                                          {"due_date": api.due(days), "reason": reason})

            assert response.status_code == status, (days, reason)
            assert error_code(response) == code
        assert api.position() == before
