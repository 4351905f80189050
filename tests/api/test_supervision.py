"""After the results through HTTP: 约谈 (talks), 督办 (supervision orders), feedback amendments,
and what they add to flags and tasks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from projections.supervision import talk_due
from tests.api.helpers import CYCLE, Api, error_code, fresh

P = f"/cycles/{CYCLE}/participants"
TALK = {"scheduled_for": "2027-01-10", "with_name": "甲县书记", "reason": "年度考核等次为差"}
ORDERS = "/supervision/orders"

pytestmark = pytest.mark.read_models("finding", "flags")


def graded_good(api: Api, county: str) -> None:
    """Reviewing, with ``county`` rated and scored to 好 (the others stay 差)."""
    api.cycle_in("reviewing")
    api.world.rate(CYCLE, county, (10, 0, 0, 0))
    api.world.score(CYCLE, county, ("20", "20", "25", "15", "20"))


def finalized(api: Api) -> None:
    graded_good(api, "county-a")
    api.organizer.post(f"/cycles/{CYCLE}/finalize", {})


def later(api: Api, monkeypatch: pytest.MonkeyPatch, days: int) -> None:
    today = api.app.today() + timedelta(days=days)
    monkeypatch.setattr(api.app, "today", lambda: today)


# -- 约谈 ---------------------------------------------------------------------------------------


class TestScheduleTalk:
    def test_the_organizer_schedules_a_talk_with_a_participant_graded_poor(self, api: Api):
        finalized(api)

        response = api.organizer.post(f"{P}/county-b/talks", TALK)

        assert response.status_code == 201
        assert set(response.json()) == {"talk_id"}
        assert response.headers["ETag"] == '"1"'

    def test_an_inspector_over_the_organizer_may_schedule_one_too(self, api: Api):
        finalized(api)

        response = api.as_("inspector").post(f"{P}/county-c/talks", TALK)

        assert response.status_code == 201

    def test_a_participant_graded_good_is_not_called_to_a_talk(self, api: Api):
        finalized(api)

        response = api.organizer.post(f"{P}/county-a/talks", TALK)

        assert response.status_code == 409
        assert error_code(response) == "talk_not_required"

    def test_before_finalization_there_is_no_talk(self, api: Api):
        api.cycle_in("reviewing")

        response = api.organizer.post(f"{P}/county-b/talks", TALK)

        assert response.status_code == 409
        assert error_code(response) == "results_not_final"

    def test_a_talk_needs_a_reason(self, api: Api):
        finalized(api)

        response = api.organizer.post(f"{P}/county-b/talks", {**TALK, "reason": " "})

        assert response.status_code == 409
        assert error_code(response) == "reason_required"

    def test_others_are_refused_and_unknown_ids_not_found(self, api: Api):
        finalized(api)

        secretary = api.as_("sec-county-b").post(f"{P}/county-b/talks", TALK)
        reviewer = api.as_("reviewer-1").post(f"{P}/county-b/talks", TALK)
        unknown_org = api.organizer.post(f"{P}/nowhere/talks", TALK)
        unknown_cycle = api.organizer.post("/cycles/none/participants/county-b/talks", TALK)
        bad_date = api.organizer.post(f"{P}/county-b/talks", {**TALK, "scheduled_for": "明天"})

        assert (secretary.status_code, error_code(secretary)) == (403, "talk_holder_required")
        assert reviewer.status_code == 403
        assert (unknown_org.status_code, error_code(unknown_org)) == (404, "unknown_participant")
        assert (unknown_cycle.status_code, error_code(unknown_cycle)) == (404, "unknown_cycle")
        assert bad_date.status_code == 422


class TestRecordTalk:
    def test_the_organizer_records_that_the_talk_was_held_once(self, api: Api):
        finalized(api)
        talk_id = api.organizer.post(f"{P}/county-b/talks", TALK).json()["talk_id"]
        held = {"held_on": api.app.today().isoformat(), "held_by": "市委书记", "notes": "指出问题"}

        response = api.organizer.post(f"{P}/county-b/talks/{talk_id}/record", held)
        again = api.organizer.post(f"{P}/county-b/talks/{talk_id}/record", held)

        assert response.status_code == 200
        assert response.json() == {"talk_id": talk_id, "held_on": held["held_on"]}
        assert (again.status_code, error_code(again)) == (409, "talk_already_recorded")

    def test_a_talk_is_recorded_once_held_not_ahead_and_only_where_it_belongs(self, api: Api):
        finalized(api)
        talk_id = api.organizer.post(f"{P}/county-b/talks", TALK).json()["talk_id"]
        held = {"held_on": api.due(3), "held_by": "市委书记", "notes": "指出问题"}

        future = api.organizer.post(f"{P}/county-b/talks/{talk_id}/record", held)
        elsewhere = api.organizer.post(f"{P}/county-c/talks/{talk_id}/record", held)
        unknown = api.organizer.post(f"{P}/county-b/talks/not-a-talk/record", held)
        secretary = api.as_("sec-county-b").post(f"{P}/county-b/talks/{talk_id}/record", held)

        assert (future.status_code, error_code(future)) == (422, "invalid_field")
        assert (elsewhere.status_code, error_code(elsewhere)) == (404, "unknown_talk")
        assert (unknown.status_code, error_code(unknown)) == (404, "unknown_talk")
        assert (secretary.status_code, error_code(secretary)) == (403, "talk_holder_required")


@pytest.mark.usefixtures("runners")
class TestTalksInFlagsAndTasks:
    def test_the_organizer_is_asked_to_hold_talks_until_they_are_held(self, api: Api):
        finalized(api)

        before = api.organizer.get("/me/tasks", headers=fresh(api)).json()["tasks"]
        talk_id = api.organizer.post(f"{P}/county-b/talks", TALK).json()["talk_id"]
        api.organizer.post(f"{P}/county-b/talks/{talk_id}/record", {
            "held_on": api.app.today().isoformat(), "held_by": "市委书记", "notes": "谈话"})
        after = api.organizer.get("/me/tasks", headers=fresh(api)).json()["tasks"]

        talks = [(t["org_code"], t["path"]) for t in before if t["kind"] == "hold_talk"]
        assert talks == [("county-b", f"/api/v1{P}/county-b/talks"),
                         ("county-c", f"/api/v1{P}/county-c/talks")]
        assert [t["org_code"] for t in after if t["kind"] == "hold_talk"] == ["county-c"]

    def test_talk_not_held_is_flagged_thirty_days_after_finalization(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        finalized(api)
        talk_id = api.organizer.post(f"{P}/county-b/talks", TALK).json()["talk_id"]
        api.organizer.post(f"{P}/county-b/talks/{talk_id}/record", {
            "held_on": api.app.today().isoformat(), "held_by": "市委书记", "notes": "谈话"})

        def talk_flags(**where: str) -> list[str]:
            body = api.as_("inspector").get("/audit/flags", params=where or {"cycle_id": CYCLE},
                                            headers=fresh(api)).json()
            return [f["org_code"] for f in body["flags"] if f["kind"] == "talk_not_held"]

        on_day_30 = (later(api, monkeypatch, 30), talk_flags())[1]
        on_day_31 = (later(api, monkeypatch, 1), talk_flags())[1]

        assert on_day_30 == []
        assert on_day_31 == ["county-c"]
        # a subtree's: the flagged org's own (its cycle organized by the root's parent), above
        assert [talk_flags(org_code=org) for org in ("county-c", "city", "county-b")] == [
            ["county-c"], ["county-c"], []]


# -- 督办 ---------------------------------------------------------------------------------------


def order(api: Api, **change: Any) -> dict[str, Any]:
    return {"org_code": "county-a", "subject": "整改事项逾期督办",
            "requirement": "请于期限内完成整改并书面报告", "due_date": api.due(10), **change}


def outsider(api: Api) -> None:
    """An inspector of county-b (county-a is outside their scope)."""
    api.world.person("insp-cb", "乙县纪检", "county-b", ("inspector", "county-b"))


class TestIssueOrder:
    def test_an_inspector_issues_an_order_to_an_org_in_scope(self, api: Api):
        api.cycle_in("preparing")

        response = api.as_("inspector").post(ORDERS, order(api, cycle_id=CYCLE))

        assert response.status_code == 201
        assert set(response.json()) == {"order_id"}
        assert response.headers["ETag"] == '"1"'

    def test_refusals(self, api: Api):
        api.cycle_in("preparing")
        outsider(api)

        organizer = api.organizer.post(ORDERS, order(api))
        out_of_scope = api.as_("insp-cb").post(ORDERS, order(api))
        past = api.as_("inspector").post(ORDERS, order(api, due_date=api.due(-1)))
        unknown_org = api.as_("inspector").post(ORDERS, order(api, org_code="nowhere"))
        unknown_cycle = api.as_("inspector").post(ORDERS, order(api, cycle_id="none"))
        missing = api.as_("inspector").post(ORDERS, {"org_code": "county-a"})

        assert (organizer.status_code, error_code(organizer)) == (403, "inspector_required")
        assert (out_of_scope.status_code, error_code(out_of_scope)) == (403, "outside_scope")
        assert (past.status_code, error_code(past)) == (422, "invalid_field")
        assert (unknown_org.status_code, error_code(unknown_org)) == (422, "unknown_org")
        assert (unknown_cycle.status_code, error_code(unknown_cycle)) == (422, "unknown_cycle")
        assert missing.status_code == 422


@pytest.mark.usefixtures("runners")
class TestOrderLifecycle:
    def test_issue_answer_send_back_answer_again_and_close(self, api: Api):
        api.cycle_in("preparing")
        order_id = api.as_("inspector").post(ORDERS, order(api)).json()["order_id"]
        secretary = api.as_("sec-county-a")

        tasks = secretary.get("/me/tasks", headers=fresh(api)).json()["tasks"]
        first = secretary.post(f"{ORDERS}/{order_id}/response", {"text": "已完成整改"})
        back = api.as_("inspector").post(f"{ORDERS}/{order_id}/closure",
                                         {"accepted": False, "note": "材料不全"})
        listed_open = api.as_("inspector").get(ORDERS, headers=fresh(api)).json()
        secretary.post(f"{ORDERS}/{order_id}/response", {"text": "已补充材料"})
        closed = api.as_("inspector").post(f"{ORDERS}/{order_id}/closure",
                                           {"accepted": True, "note": "同意销号"})
        listed = api.as_("inspector").get(ORDERS, headers=fresh(api)).json()

        assert [(t["kind"], t["path"]) for t in tasks] == [
            ("answer_order", f"/api/v1{ORDERS}/{order_id}/response")]
        assert (first.status_code, first.json()) == (200, {"order_id": order_id,
                                                          "status": "answered"})
        assert (back.status_code, back.json()["status"]) == (200, "open")
        assert listed_open["orders"][0]["status"] == "open"
        assert (closed.status_code, closed.json()["status"]) == (200, "closed")
        [row] = listed["orders"]
        assert {k: row[k] for k in ("order_id", "org_code", "status", "overdue")} == {
            "order_id": order_id, "org_code": "county-a", "status": "closed", "overdue": False}
        assert [(r["text"], r["by"]) for r in row["responses"]] == [
            ("已完成整改", "sec-county-a"), ("已补充材料", "sec-county-a")]
        assert listed["next_after"] is None

    def test_refusals_on_answers_and_closures(self, api: Api):
        api.cycle_in("preparing")
        outsider(api)
        order_id = api.as_("inspector").post(ORDERS, order(api)).json()["order_id"]

        early_close = api.as_("inspector").post(f"{ORDERS}/{order_id}/closure",
                                                {"accepted": True})
        other_secretary = api.as_("sec-county-b").post(f"{ORDERS}/{order_id}/response",
                                                       {"text": "答复"})
        api.as_("sec-county-a").post(f"{ORDERS}/{order_id}/response", {"text": "答复"})
        twice = api.as_("sec-county-a").post(f"{ORDERS}/{order_id}/response", {"text": "再答"})
        below = api.as_("insp-cb").post(f"{ORDERS}/{order_id}/closure", {"accepted": True})
        no_note = api.as_("inspector").post(f"{ORDERS}/{order_id}/closure", {"accepted": False})
        unknown = api.as_("inspector").post(f"{ORDERS}/nope/closure", {"accepted": True})

        assert (early_close.status_code, error_code(early_close)) == (409, "order_not_answered")
        assert (other_secretary.status_code, error_code(other_secretary)) == (
            403, "secretary_required")
        assert (twice.status_code, error_code(twice)) == (409, "order_not_open")
        assert (below.status_code, error_code(below)) == (403, "inspector_required")
        assert (no_note.status_code, error_code(no_note)) == (409, "reason_required")
        assert (unknown.status_code, error_code(unknown)) == (404, "unknown_order")

    def test_the_list_holds_what_lies_in_scope_filtered_and_paged(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        api.cycle_in("preparing")
        outsider(api)
        inspector = api.as_("inspector")
        a = inspector.post(ORDERS, order(api)).json()["order_id"]
        b = inspector.post(ORDERS, order(api, org_code="county-b")).json()["order_id"]
        c = inspector.post(ORDERS, order(api, org_code="city", due_date=api.due(20))).json()[
            "order_id"]
        api.as_("sec-county-b").post(f"{ORDERS}/{b}/response", {"text": "答复"})

        def ids(who: str, **params: Any) -> list[str]:
            body = api.as_(who).get(ORDERS, params=params, headers=fresh(api)).json()
            return [row["order_id"] for row in body["orders"]]

        first = api.as_("inspector").get(ORDERS, params={"limit": 2}, headers=fresh(api)).json()
        rest = api.as_("inspector").get(
            ORDERS, params={"limit": 2, "after": first["next_after"]}, headers=fresh(api)).json()
        later(api, monkeypatch, 15)
        overdue = {row["order_id"]: row["overdue"] for row in api.as_("inspector").get(
            ORDERS, headers=fresh(api)).json()["orders"]}

        assert ids("inspector") == [a, b, c]
        assert ids("insp-cb") == [b]
        assert ids("sec-county-a") == [a]
        assert ids("reviewer-1") == []
        assert ids("admin") == [a, b, c]
        assert ids("inspector", org_code="county-b") == [b]
        assert ids("insp-cb", org_code="county-a") == []
        assert ids("inspector", status="answered") == [b]
        assert [row["order_id"] for row in first["orders"] + rest["orders"]] == [a, b, c]
        assert rest["next_after"] is None
        assert overdue == {a: True, b: True, c: False}
        bad = api.as_("inspector").get(ORDERS, params={"status": "lost"})
        assert bad.status_code == 422

    def test_an_overdue_order_tied_to_a_cycle_is_flagged(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        api.cycle_in("preparing")
        api.as_("inspector").post(ORDERS, order(api, cycle_id=CYCLE, due_date=api.due(1)))
        later(api, monkeypatch, 2)

        body = api.as_("inspector").get("/audit/flags", params={"cycle_id": CYCLE},
                                        headers=fresh(api)).json()

        assert [(f["kind"], f["org_code"]) for f in body["flags"]] == [
            ("overdue_order", "county-a")]


# -- feedback amendment -------------------------------------------------------------------------

A = f"{P}/county-a"
PLAN_ITEM = {"item_id": "I1", "problem_code": "P1", "measure": "整顿", "owner": "部长"}


def plan_for(api: Api, *codes: str) -> dict[str, Any]:
    return {"items": [{**PLAN_ITEM, "item_id": f"I{n}", "problem_code": code,
                       "due_date": api.due(30)} for n, code in enumerate(codes)]}


class TestAmendFeedback:
    def test_the_organizer_amends_feedback_with_a_reason(self, api: Api):
        api.cycle_in("rectifying")

        response = api.organizer.post(f"{A}/feedback/amendment", {
            "problems": [{"code": "P1", "description": "整顿不到位"}], "reason": "P2 已整改"})
        seen = api.organizer.get(A).json()["feedback"]

        assert response.status_code == 200
        assert response.json() == {"text": "书面反馈",
                                   "problems": [{"code": "P1", "description": "整顿不到位"}]}
        assert response.headers["ETag"] == '"2"'
        assert seen["problems"] == [{"code": "P1", "description": "整顿不到位"}]

    def test_a_problem_cited_by_a_submitted_plan_cannot_be_removed(self, api: Api):
        api.cycle_in("rectifying")
        api.as_("sec-county-a").post(f"{A}/rectification/plan", plan_for(api, "P1", "P2"))
        body = {"problems": [{"code": "P1", "description": "整顿不到位"}], "reason": "更正"}

        in_use = api.organizer.post(f"{A}/feedback/amendment", body)
        text_only = api.organizer.post(f"{A}/feedback/amendment",
                                       {"text": "修订后的反馈", "reason": "文字更正"})
        api.organizer.post(f"{A}/rectification/plan/return", {"reason": "请调整"})
        after_return = api.organizer.post(f"{A}/feedback/amendment", body)

        assert in_use.status_code == 409
        assert error_code(in_use) == "problem_in_use"
        assert in_use.json()["error"]["details"] == {"problem_codes": ["P2"]}
        assert text_only.status_code == 200
        assert after_return.status_code == 200
        assert after_return.json()["text"] == "修订后的反馈"

    def test_no_amendment_once_the_plan_is_approved_nor_without_reason_or_feedback(
        self, api: Api
    ):
        api.cycle_in("rectifying")
        no_reason = api.organizer.post(f"{A}/feedback/amendment", {"text": "改"})
        nothing = api.organizer.post(f"{A}/feedback/amendment", {"reason": "无"})
        no_feedback = api.organizer.post(f"{P}/county-b/feedback/amendment",
                                         {"text": "改", "reason": "更正"})
        secretary = api.as_("sec-county-a").post(f"{A}/feedback/amendment",
                                                 {"text": "改", "reason": "更正"})
        unknown = api.organizer.post(f"{P}/nowhere/feedback/amendment",
                                     {"text": "改", "reason": "更正"})
        duplicate = api.organizer.post(f"{A}/feedback/amendment", {
            "problems": [{"code": "P1", "description": "a"}, {"code": "P1", "description": "b"}],
            "reason": "更正"})
        api.as_("sec-county-a").post(f"{A}/rectification/plan", plan_for(api, "P1", "P2"))
        api.organizer.post(f"{A}/rectification/plan/approve", {})
        approved = api.organizer.post(f"{A}/feedback/amendment", {"text": "改", "reason": "更正"})

        assert (no_reason.status_code, error_code(no_reason)) == (409, "reason_required")
        assert (nothing.status_code, error_code(nothing)) == (422, "invalid_field")
        assert (no_feedback.status_code, error_code(no_feedback)) == (409, "feedback_not_issued")
        assert (secretary.status_code, error_code(secretary)) == (403, "organizer_required")
        assert (unknown.status_code, error_code(unknown)) == (404, "unknown_participant")
        assert (duplicate.status_code, error_code(duplicate)) == (422, "duplicate_problem_code")
        assert (approved.status_code, error_code(approved)) == (409, "plan_already_approved")


@pytest.mark.usefixtures("runners")
def test_an_amendment_that_removes_every_problem_removes_the_plan_task(api: Api):
    api.cycle_in("rectifying")
    secretary = api.as_("sec-county-a")
    before = secretary.get("/me/tasks", headers=fresh(api)).json()["tasks"]

    api.organizer.post(f"{A}/feedback/amendment", {"problems": [], "reason": "问题均已当场整改"})
    after = secretary.get("/me/tasks", headers=fresh(api)).json()["tasks"]

    assert [t["kind"] for t in before] == ["submit_plan"]
    assert after == []


def test_a_talk_is_due_thirty_days_after_the_local_day_of_finalization() -> None:
    # 16:30 UTC is already the next day in Beijing: the day counts there, not in UTC.
    assert talk_due("2026-12-06T16:30:00+00:00", ZoneInfo("Asia/Shanghai")) == date(2027, 1, 6)
    assert talk_due("2026-12-06T15:30:00+00:00", ZoneInfo("Asia/Shanghai")) == date(2027, 1, 5)
