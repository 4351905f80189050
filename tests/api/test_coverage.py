"""一级抓一级 through HTTP: coverage of the level below for an org and a year, a subtree's flags
(/audit/flags?org_code=), and not_submitted flags as of today."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from api.schemas.audit_trail import FlagsOut
from application.usecases import cycles, directory, participants
from tests.api.helpers import CYCLE, Api, error_code, fresh
from tests.application.world import ADMIN

pytestmark = [pytest.mark.usefixtures("runners"), pytest.mark.read_models("finding", "flags")]


def county_cycle(api: Api, county: str, towns: int, year: int = 2026) -> str:
    """``county`` runs its own cycle over ``towns`` townships (its organizer: org-<county>)."""
    world = api.world
    organizer = f"org-{county}"
    if organizer not in world.principals:
        world.person(organizer, f"{county}组织部", county, ("organizer", county))
    for n in range(1, towns + 1):
        code = f"{county}-t{n}"
        world.run(ADMIN, directory.register_org, code, f"{county}乡镇{n}", "township", county)
        world.person(f"sec-{code}", f"{code}书记", code, ("secretary", code))
    cycle_id = f"{county}-{year}"
    world.run(organizer, cycles.create_cycle, county, "township", year, "乡镇述职",
              cycle_id=cycle_id)
    for n in range(1, towns + 1):
        world.run(organizer, cycles.add_participant, cycle_id, f"{county}-t{n}")
    world.run(organizer, cycles.add_panel_member, cycle_id, "reviewer-1")
    world.run(organizer, cycles.advance, cycle_id, "reporting", None)
    return cycle_id


def report(api: Api, cycle_id: str, town: str) -> None:
    api.world.run(f"sec-{town}", participants.submit_report, cycle_id, town,
                  {"title": "述职", "achievements": "成效", "problems": "问题", "plans": "打算"})


def children(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in body["children"]}


class TestCoverage:
    def test_each_child_shows_whether_it_ran_its_own_cycle_and_how_far_it_got(self, api: Api):
        api.cycle_in("rectifying")  # the city's own cycle: not part of its coverage
        a = county_cycle(api, "county-a", towns=3)
        report(api, a, "county-a-t1")
        report(api, a, "county-a-t2")
        county_cycle(api, "county-b", towns=2, year=2025)  # another year

        response = api.as_("inspector").get("/organizations/city/coverage",
                                            params={"year": 2026}, headers=fresh(api))

        assert response.status_code == 200
        body = response.json()
        assert (body["org_code"], body["year"]) == ("city", 2026)
        rows = children(body)
        assert list(rows) == ["county-a", "county-b", "county-c"]
        assert rows["county-a"] == {
            "code": "county-a", "name": "甲县", "cycle_id": a, "phase": "reporting",
            "reports": {"submitted": 2, "expected": 3}, "finalized": False,
            "plans": {"approved": 0, "expected": 0}, "items_overdue": 0,
        }
        assert rows["county-b"]["cycle_id"] is None
        assert rows["county-b"]["reports"] == {"submitted": 0, "expected": 0}

    def test_the_province_sees_its_cities_with_finalization_plans_and_overdue_items(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        api.cycle_in("rectifying")
        api.world.rectify(CYCLE, "county-b", items=2, verified=1)
        api.world.person("insp-prov", "省纪委", "prov", ("inspector", "prov"))

        body = api.as_("insp-prov").get("/organizations/prov/coverage", params={"year": 2026},
                                        headers=fresh(api)).json()
        later = api.app.today() + timedelta(days=31)
        monkeypatch.setattr(api.app, "today", lambda: later)
        overdue = api.as_("insp-prov").get("/organizations/prov/coverage",
                                           params={"year": 2026}).json()

        assert body["children"] == [{
            "code": "city", "name": "某市", "cycle_id": CYCLE, "phase": "rectifying",
            "reports": {"submitted": 3, "expected": 3}, "finalized": True,
            "plans": {"approved": 1, "expected": 2}, "items_overdue": 0,
        }]
        assert overdue["children"][0]["items_overdue"] == 1

    def test_refusals(self, api: Api):
        api.cycle_in("preparing")

        secretary = api.as_("sec-county-a").get("/organizations/city/coverage",
                                                params={"year": 2026})
        above = api.organizer.get("/organizations/prov/coverage", params={"year": 2026})
        unknown = api.as_("inspector").get("/organizations/nowhere/coverage",
                                           params={"year": 2026})
        no_year = api.as_("inspector").get("/organizations/city/coverage")

        assert (secretary.status_code, error_code(secretary)) == (403, "outside_scope")
        assert (above.status_code, error_code(above)) == (403, "outside_scope")
        assert (unknown.status_code, error_code(unknown)) == (404, "unknown_org")
        assert no_year.status_code == 422


class TestSubtreeFlags:
    def test_a_subtree_lists_the_flags_about_its_orgs_over_every_cycle(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        yesterday = api.app.today() - timedelta(days=1)
        a = county_cycle(api, "county-a", towns=2)
        api.world.run("org-county-a", cycles.set_deadlines, a, {"report_due": yesterday},
                      "补录")
        report(api, a, "county-a-t1")
        api.cycle_in("preparing")
        api.world.run("organizer", cycles.set_deadlines, CYCLE, {"report_due": yesterday},
                      None)

        county = api.as_("inspector").get("/audit/flags", params={"org_code": "county-a"},
                                          headers=fresh(api))
        town = api.as_("inspector").get("/audit/flags", params={"org_code": "county-a-t2"},
                                        headers=fresh(api)).json()

        assert county.status_code == 200
        body = county.json()
        assert (body["org_code"], body["cycle_id"]) == ("county-a", None)
        assert sorted((f["kind"], f["org_code"], f["cycle_id"]) for f in body["flags"]) == [
            ("late_submission", "county-a-t1", a),
            ("not_submitted", "county-a", CYCLE),
            ("not_submitted", "county-a-t2", a),
        ]
        assert [(f["kind"], f["org_code"]) for f in town["flags"]] == [
            ("not_submitted", "county-a-t2")]

    def test_pages_of_any_size_give_the_whole_list_never_splitting_a_position(self, api: Api):
        yesterday = api.app.today() - timedelta(days=1)
        a = county_cycle(api, "county-a", towns=5)
        world = api.world
        world.run("org-county-a", cycles.set_deadlines, a, {"report_due": yesterday}, "补录")
        for town in ("county-a-t1", "county-a-t2", "county-a-t3"):
            report(api, town=town, cycle_id=a)  # late_submission
        world.run("org-county-a", cycles.advance, a, "reviewing", None)
        world.run("org-county-a", cycles.set_deadlines, a, {"review_due": yesterday}, "补录")
        for town in ("county-a-t1", "county-a-t2"):
            world.run("reviewer-1", participants.rate, a, town, "good", None, None)
            # an amendment after review_due: two flags at one position
            world.run("reviewer-1", participants.rate, a, town, "poor", None, "补充了解")
        api.cycle_in("preparing")
        world.run("organizer", cycles.set_deadlines, CYCLE, {"report_due": yesterday}, None)
        inspector = api.as_("inspector")
        whole = inspector.get("/audit/flags", params={"org_code": "city"},
                              headers=fresh(api)).json()

        def at(flags: list[dict[str, Any]], position: int) -> list[dict[str, Any]]:
            return [f for f in flags if f["position"] == position]

        def paged(limit: int) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            after, pages = 0, 0
            while after is not None and pages < 50:
                body = inspector.get("/audit/flags", params={
                    "org_code": "city", "after": after, "limit": limit}).json()
                page, after, pages = body["flags"], body["next_after"], pages + 1
                last = page[-1]["position"]
                assert at(page, last) == at(whole["flags"], last)  # never split
                found += page
            return found

        positions = [f["position"] for f in whole["flags"]]
        assert FlagsOut.model_validate(whole).model_dump() == whole  # exactly the model's
        cycle = inspector.get("/audit/flags", params={"cycle_id": a}).json()
        assert cycle["flags"] and FlagsOut.model_validate(cycle).model_dump() == cycle
        assert whole["next_after"] is None
        assert len(positions) > len(set(positions)) >= 8  # groups sharing a position
        for limit in (1, 2, 3, 5):
            assert paged(limit) == whole["flags"], limit

    def test_refusals(self, api: Api):
        api.cycle_in("preparing")

        secretary = api.as_("sec-county-a").get("/audit/flags", params={"org_code": "county-a"})
        neither = api.as_("inspector").get("/audit/flags")
        unknown = api.as_("inspector").get("/audit/flags", params={"org_code": "nowhere"})

        assert (secretary.status_code, error_code(secretary)) == (403, "outside_scope")
        assert (neither.status_code, error_code(neither)) == (422, "invalid_query")
        assert (unknown.status_code, error_code(unknown)) == (404, "unknown_org")


class TestNotSubmitted:
    def test_a_plan_past_plan_due_is_flagged_by_the_deadline_in_force_today(self, api: Api):
        api.cycle_in("rectifying")  # county-a received P1, P2
        yesterday = api.app.today() - timedelta(days=1)
        organizer = api.organizer

        organizer.post(f"/cycles/{CYCLE}/deadlines", {"plan_due": yesterday.isoformat(),
                                                      "reason": "补录"})
        before = api.as_("inspector").get("/audit/flags", params={"cycle_id": CYCLE},
                                          headers=fresh(api)).json()["flags"]
        organizer.post(f"/cycles/{CYCLE}/deadlines", {"plan_due": api.due(5),
                                                      "reason": "顺延"})
        moved = api.as_("inspector").get("/audit/flags", params={"cycle_id": CYCLE},
                                         headers=fresh(api)).json()["flags"]

        assert [(f["kind"], f["org_code"], f["due_date"]) for f in before
                if f["kind"] == "not_submitted"] == [
            ("not_submitted", "county-a", yesterday.isoformat())]
        assert [f for f in moved if f["kind"] == "not_submitted"] == []

    def test_a_plan_sent_ends_the_flag(self, api: Api):
        api.cycle_in("rectifying")  # county-a received P1, P2; county-b none
        yesterday = api.app.today() - timedelta(days=1)
        api.organizer.post(f"/cycles/{CYCLE}/deadlines", {"plan_due": yesterday.isoformat(),
                                                          "reason": "补录"})

        def owed() -> list[str]:
            found = api.as_("inspector").get("/audit/flags", params={"org_code": "city"},
                                             headers=fresh(api)).json()["flags"]
            return [f["org_code"] for f in found if f["kind"] == "not_submitted"]

        before = owed()
        sent = api.as_("sec-county-a").post(
            f"/cycles/{CYCLE}/participants/county-a/rectification/plan", {"items": [
                {"item_id": "I1", "problem_code": "P1", "measure": "逐村制定整顿方案",
                 "owner": "组织部长", "due_date": api.due(30)},
                {"item_id": "I2", "problem_code": "P2", "measure": "落实党建经费",
                 "owner": "县委办主任", "due_date": api.due(60)}]})

        assert sent.status_code == 201, sent.text
        assert (before, owed()) == (["county-a"], [])
