"""Rehearsals (模拟测评 / 演练) through HTTP, on both stores: a rehearsal runs the whole flow,
is marked in every answer and never counts — not in an org's or a person's record, movement,
carry-over, coverage, flags, nor anyone's tasks once the organizer ends it (from any phase);
its events stay in the log and its id is never a real cycle's."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from application.app import LianpingApp
from application.usecases import cycles, participants
from domain.scheme import DEFAULT_SCHEME
from projections.runtime import start_projections_in_background
from tests.api.ballot_meeting import CATEGORIES, Meeting
from tests.api.helpers import COUNTIES, REPORT, Api, error_code, fresh
from tests.application.world import REVIEWERS
from tests.projections.conftest import FAST

REHEARSAL = "city-2026-rehearsal"
TITLE = "2026年度述职评议模拟测评"
PHASES = ("preparing", "reporting", "reviewing", "finalized", "rectifying")


@pytest.fixture(autouse=True)
def runners(app: LianpingApp) -> Iterator[None]:
    handle = start_projections_in_background(
        app, names=["finding", "flags", "records", "audit"], config=FAST
    )
    try:
        yield
    finally:
        handle.stop()


def create(api: Api, year: int = 2026, **extra: Any) -> Any:
    return api.organizer.post("/cycles", {"organizer_org": "city", "level": "county",
                                          "year": year, "title": TITLE, "rehearsal": True,
                                          **extra})


def rehearsal_in(api: Api, phase: str, year: int = 2026) -> str:
    """A rehearsal created over HTTP, staffed like a real cycle and moved to ``phase``."""
    response = create(api, year)
    assert response.status_code == 201, response.text
    cycle_id = response.json()["cycle_id"]
    world = api.world
    for county in COUNTIES:
        world.run("organizer", cycles.add_participant, cycle_id, county)
    for member in REVIEWERS[:3]:
        world.run("organizer", cycles.add_panel_member, cycle_id, member)
    if phase == "preparing":
        return cycle_id
    world.advance(cycle_id, "reporting")
    if phase == "reporting":
        return cycle_id
    for county in COUNTIES:
        world.report(cycle_id, county)
    world.advance(cycle_id, "reviewing")
    if phase == "reviewing":
        return cycle_id
    for county, grade in zip(COUNTIES, ("good", "average", "poor"), strict=True):
        for reviewer in REVIEWERS[:3]:
            world.run(reviewer, participants.rate, cycle_id, county, grade, None, None)
    world.run("organizer", cycles.finalize, cycle_id)
    if phase == "finalized":
        return cycle_id
    world.advance(cycle_id, "rectifying")
    world.rectify(cycle_id, "county-a", items=2, verified=1)
    world.run("organizer", participants.issue_feedback, cycle_id, "county-b", "书面反馈",
              [{"code": "P1", "description": "问题"}])
    assert phase == "rectifying", phase
    return cycle_id


def end(api: Api, cycle_id: str, reason: str | None = "演练完毕") -> Any:
    return api.organizer.post(f"/cycles/{cycle_id}/end-rehearsal",
                              {"reason": reason} if reason is not None else {})


def tasks(api: Api, who: str) -> list[dict[str, Any]]:
    response = api.as_(who).get("/me/tasks", headers=fresh(api))
    assert response.status_code == 200, response.text
    return list(response.json()["tasks"])


class TestCreating:
    def test_is_marked_in_the_answer_the_cycle_and_the_list(self, api: Api):
        response = create(api)
        cycle = api.organizer.get(f"/cycles/{REHEARSAL}").json()
        listed = api.organizer.get("/cycles", headers=fresh(api)).json()["cycles"]

        assert response.status_code == 201
        assert response.json() == {"cycle_id": REHEARSAL, "phase": "preparing",
                                   "scheme_version": 1, "rehearsal": True}
        assert (cycle["rehearsal"], cycle["rehearsal_ended"]) == (True, None)
        assert [(c["cycle_id"], c["rehearsal"]) for c in listed] == [(REHEARSAL, True)]

    def test_claims_no_year_so_the_real_cycle_and_further_rehearsals_follow(self, api: Api):
        create(api)
        second = create(api)
        real = api.organizer.post("/cycles", {"organizer_org": "city", "level": "county",
                                              "year": 2026, "title": "2026年度述职评议"})
        again = api.organizer.post("/cycles", {"organizer_org": "city", "level": "county",
                                               "year": 2026, "title": "重复", "cycle_id": "x"})
        third = create(api)  # a rehearsal after the real cycle exists: still allowed
        listed = api.organizer.get("/cycles", headers=fresh(api)).json()["cycles"]

        assert second.json()["cycle_id"] == f"{REHEARSAL}-2"
        assert (real.status_code, real.json()["cycle_id"], real.json()["rehearsal"]) == (
            201, "city-2026", False)
        assert (again.status_code, error_code(again)) == (409, "cycle_exists")
        assert third.json()["cycle_id"] == f"{REHEARSAL}-3"
        assert {c["cycle_id"]: c["rehearsal"] for c in listed} == {
            "city-2026": False, REHEARSAL: True, f"{REHEARSAL}-2": True, f"{REHEARSAL}-3": True}

    def test_its_id_is_never_a_real_cycles(self, api: Api):
        named = create(api, cycle_id="city-2026-yanlian")
        real = api.organizer.post("/cycles", {"organizer_org": "city", "level": "county",
                                              "year": 2027, "title": "正式",
                                              "cycle_id": "city-2026-yanlian"})
        reserved = create(api, cycle_id="city-2026")
        position = api.position()
        not_boolean = create(api, rehearsal="yes")

        assert named.status_code == 201
        assert (real.status_code, error_code(real)) == (409, "cycle_id_used_by_rehearsal")
        assert (reserved.status_code, error_code(reserved)) == (422, "cycle_id_reserved")
        assert not_boolean.status_code == 422
        assert api.position() == position

    def test_is_never_named_as_a_previous_cycle(self, api: Api):
        create(api, year=2025)
        response = api.organizer.post("/cycles", {
            "organizer_org": "city", "level": "county", "year": 2026, "title": "正式",
            "previous_cycle_id": "city-2025-rehearsal"})

        assert (response.status_code, error_code(response)) == (
            422, "previous_cycle_is_rehearsal")


class TestRunning:
    def test_runs_through_reports_rating_scoring_and_finalization(self, api: Api):
        cycle_id = rehearsal_in(api, "reviewing")
        p = f"/cycles/{cycle_id}/participants/county-a"

        rated = api.as_("reviewer-1").post(p + "/reviews", {"rating": "好"})
        scored = api.organizer.post(p + "/scores", {"indicator": "responsibility", "points": 18})
        finalized = api.organizer.post(f"/cycles/{cycle_id}/finalize")
        standings = api.organizer.get(f"/cycles/{cycle_id}/standings")

        assert (rated.status_code, scored.status_code, finalized.status_code) == (201, 201, 200)
        rows = {r["org_code"]: r for r in standings.json()["rows"]}
        assert rows["county-a"]["review_score"] == "100.00"
        assert rows["county-a"]["indicator_score"] == "18.00"
        assert standings.json()["provisional"] is False

    def test_its_standings_and_documents_say_so(self, api: Api):
        cycle_id = rehearsal_in(api, "finalized")
        real = api.cycle_in("finalized", cycle_id="city-2025", year=2025)

        standings = api.organizer.get(f"/cycles/{cycle_id}/standings").json()
        sheet = api.organizer.get(f"/cycles/{cycle_id}/standings.xlsx")
        bulletin = api.organizer.get(f"/cycles/{cycle_id}/bulletin.docx")
        real_sheet = api.organizer.get(f"/cycles/{real}/standings.xlsx")

        assert standings["rehearsal"] is True
        assert api.organizer.get(f"/cycles/{real}/standings").json()["rehearsal"] is False
        title = load_workbook(io.BytesIO(sheet.content)).active.cell(1, 1).value
        assert title.startswith(f"{TITLE}（演练） 排名")
        assert "（演练）" not in load_workbook(io.BytesIO(real_sheet.content)).active.cell(
            1, 1).value
        text = "".join(p.text for p in Document(io.BytesIO(bulletin.content)).paragraphs)
        assert f"关于{TITLE}（演练）结果的通报" in text

    def test_its_tasks_are_marked_while_it_runs(self, api: Api):
        cycle_id = rehearsal_in(api, "reporting")

        mine = tasks(api, "sec-county-a")

        assert [(t["kind"], t["cycle_id"], t["rehearsal"]) for t in mine] == [
            ("submit_report", cycle_id, True)]


class TestNeverCounting:
    def test_not_in_an_org_or_a_persons_record(self, api: Api):
        api.cycle_in("finalized", cycle_id="city-2025", year=2025)
        rehearsal_in(api, "rectifying")

        record = api.as_("inspector").get("/organizations/county-a/record", headers=fresh(api))
        person = api.as_("sec-county-a").get("/people/sec-county-a/record", headers=fresh(api))

        assert [c["cycle_id"] for c in record.json()["cycles"]] == ["city-2025"]
        assert [c["cycle_id"] for c in person.json()["cycles"]] == ["city-2025"]

    def test_no_movement_or_carry_over_from_a_rehearsal_the_year_before(self, api: Api):
        rehearsal_in(api, "rectifying", year=2025)  # ranked, with a plan partly verified
        real = api.cycle_in("reviewing", cycle_id="city-2026", year=2026)

        cycle = api.organizer.get(f"/cycles/{real}").json()
        rows = api.organizer.get(f"/cycles/{real}/standings").json()["rows"]
        copy = api.organizer.post(f"/cycles/{real}/copy-from-previous", {"participants": True})

        assert cycle["previous_cycle_in_effect"] is None
        assert {r["org_code"]: (r["movement"], r["rectification_score"]) for r in rows} == {
            county: (None, None) for county in COUNTIES}
        assert (copy.status_code, error_code(copy)) == (409, "wrong_phase")

    def test_the_real_cycle_of_the_year_before_still_counts_beside_a_rehearsal(self, api: Api):
        api.cycle_in("finalized", cycle_id="city-2025", year=2025)
        rehearsal_in(api, "finalized", year=2026)
        real = api.cycle_in("reviewing", cycle_id="city-2026", year=2026)

        cycle = api.organizer.get(f"/cycles/{real}").json()
        rehearsal = api.organizer.get(f"/cycles/{REHEARSAL}").json()

        assert cycle["previous_cycle_in_effect"] == "city-2025"
        assert rehearsal["previous_cycle_in_effect"] == "city-2025"  # it rehearses the real one

    def test_not_in_the_coverage_of_the_level_above(self, api: Api):
        api.world.person("insp-prov", "省纪委", "prov", ("inspector", "prov"))
        rehearsal_in(api, "reviewing")

        before = api.as_("insp-prov").get("/organizations/prov/coverage",
                                          params={"year": 2026}, headers=fresh(api)).json()
        api.cycle_in("reporting")
        after = api.as_("insp-prov").get("/organizations/prov/coverage",
                                         params={"year": 2026}, headers=fresh(api)).json()

        assert before["children"][0]["cycle_id"] is None
        assert (after["children"][0]["cycle_id"], after["children"][0]["phase"]) == (
            "city-2026", "reporting")


class TestEnding:
    @pytest.mark.parametrize("phase", PHASES)
    def test_from_any_phase_closes_it_and_refuses_what_follows(self, api: Api, phase: str):
        cycle_id = rehearsal_in(api, phase)

        response = end(api, cycle_id)
        cycle = api.organizer.get(f"/cycles/{cycle_id}").json()
        advance = api.organizer.post(f"/cycles/{cycle_id}/advance", {"to": "reporting"})
        report = api.as_("sec-county-c").post(
            f"/cycles/{cycle_id}/participants/county-c/report", REPORT)
        again = end(api, cycle_id)

        assert response.status_code == 200, response.text
        assert response.json()["phase"] == "closed"
        ended = response.json()["rehearsal_ended"]
        assert (ended["from_phase"], ended["reason"], ended["by"]) == (
            phase, "演练完毕", "organizer")
        assert (cycle["phase"], cycle["rehearsal"], cycle["rehearsal_ended"]) == (
            "closed", True, ended)
        assert (advance.status_code, error_code(advance)) == (409, "invalid_transition")
        assert (report.status_code, error_code(report)) == (409, "wrong_phase")
        assert (again.status_code, error_code(again)) == (409, "rehearsal_already_ended")

    def test_its_events_stay_in_the_log(self, api: Api):
        cycle_id = rehearsal_in(api, "reviewing")
        end(api, cycle_id, "  提前结束演练  ")

        events = api.as_("inspector").get("/audit/events", params={"cycle_id": cycle_id},
                                          headers=fresh(api)).json()["events"]

        types = [e["type"] for e in events if e["aggregate_type"] == "Cycle"]
        assert types[0] == "lianping:Cycle.Created" and types[-1] == "lianping:Cycle.RehearsalEnded"
        assert events[0]["data"]["rehearsal"] is True
        assert (events[-1]["reason"], events[-1]["actor"]) == ("提前结束演练", "organizer")
        assert any(e["type"] == "lianping:Report.Submitted" for e in events)

    def test_every_task_vanishes(self, api: Api):
        reporting = rehearsal_in(api, "reporting", year=2025)
        reviewing = rehearsal_in(api, "reviewing")
        before = {who: tasks(api, who) for who in ("sec-county-a", "reviewer-1", "organizer")}

        end(api, reporting)
        end(api, reviewing)
        after = {who: tasks(api, who) for who in ("sec-county-a", "reviewer-1", "organizer")}

        assert {t["kind"] for t in before["sec-county-a"]} == {"submit_report"}
        assert {t["kind"] for t in before["reviewer-1"]} == {"rate"}
        assert {t["kind"] for t in before["organizer"]} == {"score"}
        assert all(t["rehearsal"] for found in before.values() for t in found)
        assert after == {"sec-county-a": [], "reviewer-1": [], "organizer": []}

    def test_after_the_results_no_talk_plan_or_item_task_stays(self, api: Api):
        cycle_id = rehearsal_in(api, "rectifying")
        before = tasks(api, "organizer") + tasks(api, "sec-county-a") + tasks(api, "sec-county-b")

        end(api, cycle_id)
        talk = api.organizer.post(f"/cycles/{cycle_id}/participants/county-c/talks", {
            "scheduled_for": api.due(3), "with_name": "丙县书记", "reason": "等次为差"})

        assert {t["kind"] for t in before} >= {"hold_talk", "report_progress", "submit_plan"}
        assert tasks(api, "organizer") + tasks(api, "sec-county-a") + tasks(
            api, "sec-county-b") == []
        assert (talk.status_code, error_code(talk)) == (409, "rehearsal_ended")

    def test_then_it_raises_no_flag_as_of_today(self, api: Api, monkeypatch: pytest.MonkeyPatch):
        overdue = rehearsal_in(api, "rectifying", year=2025)  # items due in 30 days
        late = rehearsal_in(api, "reporting")
        api.world.run("organizer", cycles.set_deadlines, late, {"report_due": api.app.today()
                      - timedelta(days=3)}, None)
        order = api.as_("inspector").post("/supervision/orders", {
            "org_code": "county-a", "cycle_id": overdue, "subject": "演练督办",
            "requirement": "请按期书面报告", "due_date": api.due(10)})
        assert order.status_code == 201, order.text
        later = api.app.today() + timedelta(days=40)
        monkeypatch.setattr(api.app, "today", lambda: later)

        def kinds(cycle_id: str) -> set[str]:
            return {f["kind"] for f in api.as_("inspector").get(
                "/audit/flags", params={"cycle_id": cycle_id}, headers=fresh(api)
            ).json()["flags"]}

        def subtree() -> set[tuple[str, str]]:
            return {(f["cycle_id"], f["kind"]) for f in api.as_("inspector").get(
                "/audit/flags", params={"org_code": "city"}, headers=fresh(api)
            ).json()["flags"]}

        def to_answer() -> list[str]:
            return [t["title"] for t in tasks(api, "sec-county-a") if t["kind"] == "answer_order"]

        before = (kinds(overdue), kinds(late), subtree())
        asked = to_answer()
        end(api, overdue)
        end(api, late)

        assert (asked, to_answer()) == (["演练督办"], [])

        silenced = {"overdue_item", "talk_not_held", "not_submitted", "overdue_order"}
        assert {"overdue_item", "talk_not_held", "overdue_order"} <= before[0]
        assert "not_submitted" in before[1]
        assert {(overdue, "overdue_item"), (overdue, "overdue_order"),
                (late, "not_submitted")} <= before[2]
        assert not silenced & (kinds(overdue) | kinds(late))
        assert not {kind for _, kind in subtree()} & silenced

    def test_its_ballot_codes_rate_only_the_rehearsal_and_none_once_ended(self, api: Api):
        real = Meeting(api).prepare().to_reviewing()
        rehearsal = Meeting(api, "meeting-2026-rehearsal")
        scheme = {**DEFAULT_SCHEME.to_dict(), "ballot_categories": CATEGORIES}
        created = create(api, cycle_id=rehearsal.cycle_id, scheme=scheme)
        for code in COUNTIES:
            rehearsal.ok(api.organizer, f"/cycles/{rehearsal.cycle_id}/participants",
                         {"org_code": code})
        rehearsal.ok(api.organizer, f"/cycles/{rehearsal.cycle_id}/panel",
                     {"account_id": "reviewer-1", "category": "committee"})
        rehearsal.to_reviewing()
        first, second = rehearsal.issue("department", 2)["codes"]

        cast = rehearsal.cast(first, {"county-a": "good"})
        end(api, rehearsal.cycle_id)
        after = rehearsal.cast(second, {"county-a": "poor"})

        assert created.status_code == 201
        assert cast.status_code == 201
        assert (after.status_code, error_code(after)) == (409, "wrong_phase")
        by_category = rehearsal.row()["by_category"]["department"]
        assert (by_category["good"], by_category["poor"]) == (1, 0)
        assert real.row()["by_category"]["department"] == {
            "good": 0, "fairly_good": 0, "average": 0, "poor": 0}

    def test_needs_a_reason_and_the_organizer(self, api: Api):
        cycle_id = rehearsal_in(api, "reporting")
        position = api.position()

        blank = end(api, cycle_id, "  ")
        missing = end(api, cycle_id, None)
        inspector = api.as_("inspector").post(f"/cycles/{cycle_id}/end-rehearsal",
                                              {"reason": "越权"})
        unknown = end(api, "nope")

        assert (blank.status_code, error_code(blank)) == (409, "reason_required")
        assert (missing.status_code, error_code(missing)) == (409, "reason_required")
        assert (inspector.status_code, error_code(inspector)) == (403, "organizer_required")
        assert (unknown.status_code, error_code(unknown)) == (404, "unknown_cycle")
        assert api.position() == position

    @pytest.mark.parametrize("phase", ("preparing", "reviewing", "rectifying"))
    def test_a_real_cycle_refuses(self, api: Api, phase: str):
        real = api.cycle_in(phase)
        position = api.position()

        response = end(api, real)

        assert (response.status_code, error_code(response)) == (409, "not_a_rehearsal")
        assert api.position() == position
        assert api.organizer.get(f"/cycles/{real}").json()["phase"] == phase
