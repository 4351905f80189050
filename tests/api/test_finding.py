"""Finding things over HTTP, on SQLite and PostgreSQL: the cycle list, the cycle dashboard, the
organization and account lists, and 我的待办. What lies outside the caller's scope is left out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from application.access.cycles import can_read_cycle
from application.app import Request
from application.usecases import cycles, directory, participants, passwords, rectification
from domain import ids
from domain.cycle import Cycle
from tests.api.helpers import CYCLE, REPORT, Api, error_code, read
from tests.application.world import ADMIN, INDICATORS, REVIEWERS
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)

pytestmark = [pytest.mark.usefixtures("runners"), pytest.mark.read_models("finding", "audit")]


def second_city(api: Api) -> None:
    """Another city beside the world's, with its own organizer, county and cycle."""
    world = api.world
    world.run(ADMIN, directory.register_org, "city2", "另市", "city", "prov")
    world.run(ADMIN, directory.register_org, "county-z", "戊县", "county", "city2")
    world.person("organizer2", "另市组织部", "city2", ("organizer", "city2"))
    world.person("sec-county-z", "戊县书记", "county-z", ("secretary", "county-z"))
    world.run("organizer2", cycles.create_cycle, "city2", "county", 2026, "另市2026年度述职评议",
              cycle_id="city2-2026")
    world.run("organizer2", cycles.add_participant, "city2-2026", "county-z")


def ids_of(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["cycle_id"] for c in response.json()["cycles"]]


class TestCycleList:
    def test_each_caller_sees_the_cycles_it_may_read_and_its_roles_in_them(self, api: Api):
        api.cycle_in("reviewing")
        second_city(api)
        api.world.person("prov-inspector", "省纪委", "prov", ("inspector", "prov"))

        organizer = read(api, "organizer", "/cycles")
        assert ids_of(organizer) == [CYCLE]
        row = organizer.json()["cycles"][0]
        assert row == {
            "cycle_id": CYCLE, "organizer_org": "city", "organizer_name": "某市",
            "level": "county", "year": 2026, "title": "2026年度述职评议", "phase": "reviewing",
            "participants": 3, "rehearsal": False, "my_roles": ["organizer"],
        }
        assert read(api, "reviewer-1", "/cycles").json()["cycles"][0]["my_roles"] == ["panel"]
        assert read(api, "sec-county-a", "/cycles").json()["cycles"][0]["my_roles"] == [
            "secretary"]
        assert read(api, "inspector", "/cycles").json()["cycles"][0]["my_roles"] == [
            "inspector"]
        assert ids_of(read(api, "sec-county-z", "/cycles")) == ["city2-2026"]
        assert ids_of(read(api, "organizer2", "/cycles")) == ["city2-2026"]
        assert ids_of(read(api, "prov-inspector", "/cycles")) == [CYCLE, "city2-2026"]
        # Nothing to read is an empty list, not a refusal.
        assert ids_of(read(api, "admin", "/cycles")) == []

    def test_newest_year_first_filtered_and_paged(self, api: Api):
        for year in (2024, 2026, 2025):
            api.world.cycle(f"city-{year}", year)
        api.world.advance("city-2026", "reporting")

        everything = ids_of(read(api, "organizer", "/cycles"))
        assert everything == ["city-2026", "city-2025", "city-2024"]
        seen, after = [], None
        while True:
            params = {"limit": 1} | ({"after": after} if after else {})
            page = read(api, "organizer", "/cycles", **params)
            seen += ids_of(page)
            after = page.json()["next_after"]
            if after is None:
                break
        assert seen == everything
        assert ids_of(read(api, "organizer", "/cycles", year=2025)) == ["city-2025"]
        assert ids_of(read(api, "organizer", "/cycles", phase="reporting")) == ["city-2026"]
        assert ids_of(read(api, "organizer", "/cycles", level="county", phase="preparing")) == [
            "city-2025", "city-2024"]
        # A filter naming what lies outside the caller's scope finds nothing; it never widens.
        second_city(api)
        assert ids_of(read(api, "organizer", "/cycles", organizer_org="city2")) == []

    def test_bad_filters_and_cursors_are_refused_with_422(self, api: Api):
        api.cycle_in("preparing")
        for params in ({"after": "nonsense"}, {"after": "99999999999999999999999:x"},
                       {"after": "²:x"}, {"phase": "dreaming"}, {"limit": 0},
                       {"organizer_org": "ci\x00ty"}, {"year": "twenty"}):
            response = read(api, "organizer", "/cycles", **params)
            assert response.status_code == 422, params
        assert error_code(read(api, "organizer", "/cycles", after="x")) == "invalid_cursor"


class TestDashboard:
    def test_the_organizer_sees_every_participant_with_counts_of_what_is_expected(self, api: Api):
        world = api.world
        world.person("pw-c", "丙县代表", "county-c")  # a reviewer from county-c never rates it
        world.cycle(CYCLE, 2026, panel=(*REVIEWERS, "pw-c"))
        world.reviewing(CYCLE)
        world.run("reviewer-2", cycles.record_conflict, CYCLE, "reviewer-2", "county-b", "亲属")
        world.run("reviewer-1", participants.rate, CYCLE, "county-a", "good", None, None)
        world.run("reviewer-2", participants.rate, CYCLE, "county-a", "average", None, None)
        world.run("organizer", participants.score, CYCLE, "county-a", "responsibility",
                  Decimal(18), None, None)

        response = read(api, "organizer", f"/cycles/{CYCLE}/participants")

        assert response.status_code == 200
        body = response.json()
        assert body["position"] >= 1
        rows = {row["org_code"]: row for row in body["participants"]}
        assert list(rows) == ["county-a", "county-b", "county-c"]
        assert rows["county-a"] == {
            "org_code": "county-a", "org_name": "甲县", "secretary": "甲县书记",
            "report": {"version": 1, "status": "submitted"},
            "ratings": {"recorded": 2, "expected": 11}, "scores": {"recorded": 1, "expected": 5},
            "feedback_issued": False, "plan_status": "none", "grade": None, "grade_label": None,
            "due": None, "light": None,
        }
        assert rows["county-b"]["ratings"] == {"recorded": 0, "expected": 10}  # declared
        assert rows["county-c"]["ratings"] == {"recorded": 0, "expected": 10}  # own org
        assert read(api, "inspector", f"/cycles/{CYCLE}/participants").json() == body

    def test_panel_members_see_report_states_and_secretaries_their_own_row(self, api: Api):
        api.cycle_in("reporting")
        api.world.report(CYCLE, "county-a")
        api.world.run("organizer", participants.return_report, CYCLE, "county-a", "请补充")

        panel = read(api, "reviewer-1", f"/cycles/{CYCLE}/participants").json()["participants"]
        assert panel == [
            {"org_code": "county-a", "org_name": "甲县",
             "report": {"version": 1, "status": "returned"}},
            {"org_code": "county-b", "org_name": "乙县", "report": None},
            {"org_code": "county-c", "org_name": "丙县", "report": None},
        ]
        own = read(api, "sec-county-a", f"/cycles/{CYCLE}/participants").json()["participants"]
        assert [row["org_code"] for row in own] == ["county-a"]
        assert own[0]["ratings"] == {"recorded": 0, "expected": 10}

    def test_outsiders_are_refused_and_unknown_cycles_not_found(self, api: Api):
        api.cycle_in("reviewing")
        second_city(api)
        refused = read(api, "sec-county-z", f"/cycles/{CYCLE}/participants")
        assert refused.status_code == 403
        assert read(api, "organizer", "/cycles/nope/participants").status_code == 404

    def test_grades_show_once_finalized_and_feedback_and_plans_as_they_come(self, api: Api):
        api.cycle_in("rectifying")  # finalized, then feedback P1, P2 to county-a
        due = api.due()
        items = [{"item_id": f"I{n}", "problem_code": f"P{n}", "measure": "措施", "owner": "人",
                  "due_date": due} for n in (1, 2)]
        api.world.run("sec-county-a", rectification.submit_plan, CYCLE, "county-a", items)

        rows = read(api, "organizer", f"/cycles/{CYCLE}/participants").json()["participants"]

        assert all(row["grade"] == "poor" and row["grade_label"] == "差" for row in rows)
        assert [(r["feedback_issued"], r["plan_status"]) for r in rows] == [
            (True, "submitted"), (False, "none"), (False, "none")]
        api.world.advance(CYCLE, "finalized", "复核")
        api.world.advance(CYCLE, "reviewing", "复核")
        rows = read(api, "organizer", f"/cycles/{CYCLE}/participants").json()["participants"]
        assert [row["grade"] for row in rows] == [None, None, None]


class TestOrganizations:
    def test_admins_see_their_scope_and_others_the_subtrees_of_their_grants(self, api: Api):
        api.world  # noqa: B018
        second_city(api)
        api.world.person("admin2", "另市管理员", "city2", ("admin", "city2"))

        def codes(who: str, **params) -> list[str]:
            response = read(api, who, "/organizations", **params)
            assert response.status_code == 200, response.text
            return [org["code"] for org in response.json()["organizations"]]

        assert codes("admin") == ["prov", "city", "county-a", "county-b", "county-c", "city2",
                                  "county-z"]
        assert codes("admin2") == ["city2", "county-z"]
        assert codes("inspector") == ["city", "county-a", "county-b", "county-c"]
        assert codes("sec-county-a") == ["county-a"]
        assert codes("reviewer-1") == []
        first = read(api, "sec-county-a", "/organizations").json()["organizations"][0]
        assert first == {"code": "county-a", "name": "甲县", "level": "county",
                         "parent_code": "city", "secretary_name": "甲县书记"}

    def test_filters_search_and_paging(self, api: Api):
        api.world  # noqa: B018
        assert [o["code"] for o in read(api, "admin", "/organizations", level="county",
                                        parent_code="city").json()["organizations"]] == [
            "county-a", "county-b", "county-c"]
        assert [o["code"] for o in read(api, "admin", "/organizations", q="乙").json()[
            "organizations"]] == ["county-b"]
        assert [o["code"] for o in read(api, "admin", "/organizations", q="COUNTY-C").json()[
            "organizations"]] == ["county-c"]
        assert read(api, "admin", "/organizations", q="100%").json()["organizations"] == []
        seen, after = [], None
        while True:
            params = {"limit": 2} | ({"after": after} if after else {})
            body = read(api, "admin", "/organizations", **params).json()
            seen += [o["code"] for o in body["organizations"]]
            after = body["next_after"]
            if after is None:
                break
        assert seen == ["prov", "city", "county-a", "county-b", "county-c"]
        assert read(api, "admin", "/organizations", q="a\x00").status_code == 422


@pytest.mark.usefixtures("cheap_hashes")
class TestAccounts:
    def test_admins_list_the_accounts_of_their_scope_with_grants_and_passwords(self, api: Api):
        api.world  # noqa: B018
        second_city(api)
        api.world.person("admin2", "另市管理员", "city2", ("admin", "city2"))
        passwords.set_password(api.app, Request(ADMIN), "sec-county-a", "初始密码-0123456789")

        everyone = read(api, "admin", "/accounts", limit=1000).json()["accounts"]
        by_id = {a["account_id"]: a for a in everyone}
        assert by_id["sec-county-a"] == {
            "account_id": "sec-county-a", "name": "甲县书记", "org_code": "county-a",
            "grants": [{"role": "secretary", "org_code": "county-a"}], "has_password": True,
        }
        assert by_id["sec-county-b"]["has_password"] is False
        assert [a["account_id"] for a in everyone] == sorted(by_id)
        scoped = read(api, "admin2", "/accounts").json()["accounts"]
        assert [a["account_id"] for a in scoped] == ["admin2", "organizer2", "sec-county-z"]

    def test_filters_paging_and_refusals(self, api: Api):
        api.world  # noqa: B018
        assert [a["account_id"] for a in read(api, "admin", "/accounts", role="secretary").json()[
            "accounts"]] == ["sec-county-a", "sec-county-b", "sec-county-c"]
        assert [a["account_id"] for a in read(api, "admin", "/accounts", org_code="county-b")
                .json()["accounts"]] == ["sec-county-b"]
        assert [a["account_id"] for a in read(api, "admin", "/accounts", q="乙县").json()[
            "accounts"]] == ["sec-county-b"]
        first = read(api, "admin", "/accounts", limit=2).json()
        assert len(first["accounts"]) == 2 and first["next_after"] == first["accounts"][1][
            "account_id"]
        second = read(api, "admin", "/accounts", limit=2, after=first["next_after"]).json()
        assert second["accounts"][0]["account_id"] > first["next_after"]
        refused = read(api, "organizer", "/accounts")
        assert refused.status_code == 403 and error_code(refused) == "admin_required"
        assert read(api, "admin", "/accounts", role="king").status_code == 422


class TestMyTasks:
    @staticmethod
    def kinds(api: Api, who: str) -> list[tuple[str, str]]:
        response = read(api, who, "/me/tasks")
        assert response.status_code == 200, response.text
        return [(t["kind"], t["org_code"]) for t in response.json()["tasks"]]

    def test_while_reporting_secretaries_are_asked_for_reports_with_the_due_date(self, api: Api):
        world = api.world
        world.run("organizer", cycles.create_cycle, "city", "county", 2026, "述职评议",
                  cycle_id=CYCLE, deadlines={"report_due": date(2020, 1, 31),
                                             "review_due": date(2020, 2, 28)})
        for county in ("county-a", "county-b"):
            world.run("organizer", cycles.add_participant, CYCLE, county)
        world.advance(CYCLE, "reporting")

        tasks = read(api, "sec-county-a", "/me/tasks").json()["tasks"]

        assert tasks == [{
            "kind": "submit_report", "cycle_id": CYCLE, "org_code": "county-a",
            "org_name": "甲县", "title": "述职评议", "due": "2020-01-31", "overdue": True,
            "path": f"/api/v1/cycles/{CYCLE}/participants/county-a/report", "item_id": None,
            "light": "red",
            "rehearsal": False,
        }]
        posted = api.as_("sec-county-a").post(tasks[0]["path"].removeprefix("/api/v1"), REPORT)
        assert posted.status_code == 201
        assert self.kinds(api, "sec-county-a") == []
        assert self.kinds(api, "sec-county-c") == []  # not a participant

    def test_while_reviewing_reviewers_rate_and_the_organizer_scores(self, api: Api):
        api.cycle_in("reviewing")
        world = api.world
        assert self.kinds(api, "reviewer-1") == [
            ("rate", "county-a"), ("rate", "county-b"), ("rate", "county-c")]
        world.run("reviewer-1", participants.rate, CYCLE, "county-a", "good", None, None)
        world.run("organizer", participants.return_report, CYCLE, "county-b", "请补充")
        world.run("reviewer-1", cycles.record_conflict, CYCLE, "reviewer-1", "county-c", "曾任职")
        assert self.kinds(api, "reviewer-1") == []
        assert self.kinds(api, "reviewer-2") == [("rate", "county-a"), ("rate", "county-c")]
        assert self.kinds(api, "sec-county-b") == [("resubmit_report", "county-b")]
        assert self.kinds(api, "organizer") == [
            ("score", "county-a"), ("score", "county-b"), ("score", "county-c")]
        for indicator in INDICATORS:
            world.run("organizer", participants.score, CYCLE, "county-a", indicator,
                      Decimal(10), None, None)
        assert self.kinds(api, "organizer") == [("score", "county-b"), ("score", "county-c")]
        rate = read(api, "reviewer-2", "/me/tasks").json()["tasks"][0]
        posted = api.as_("reviewer-2").post(rate["path"].removeprefix("/api/v1"), {"rating": "好"})
        assert posted.status_code == 201

    def test_after_the_results_feedback_plans_progress_and_verification(self, api: Api):
        api.cycle_in("rectifying")  # feedback with P1, P2 to county-a only
        world = api.world
        # every participant is graded 差 here (no ratings, no scores): each is to be talked to
        assert self.kinds(api, "organizer") == [
            ("hold_talk", "county-a"), ("hold_talk", "county-b"), ("hold_talk", "county-c"),
            ("give_feedback", "county-b"), ("give_feedback", "county-c")]
        assert self.kinds(api, "sec-county-a") == [("submit_plan", "county-a")]
        items = [{"item_id": f"I{n}", "problem_code": f"P{n}", "measure": "措施",
                  "owner": "责任人", "due_date": api.due(10 * n)} for n in (1, 2)]
        world.run("sec-county-a", rectification.submit_plan, CYCLE, "county-a", items)
        assert ("approve_plan", "county-a") in self.kinds(api, "organizer")
        world.run("organizer", rectification.return_plan, CYCLE, "county-a", "措施不具体")
        assert self.kinds(api, "sec-county-a") == [("resubmit_plan", "county-a")]
        world.run("sec-county-a", rectification.submit_plan, CYCLE, "county-a", items)
        world.run("organizer", rectification.approve_plan, CYCLE, "county-a")

        progress = read(api, "sec-county-a", "/me/tasks").json()["tasks"]
        assert [(t["kind"], t["item_id"], t["due"]) for t in progress] == [
            ("report_progress", "I1", api.due(10)), ("report_progress", "I2", api.due(20))]
        assert progress[0]["path"].endswith("/participants/county-a/rectification/items/I1/"
                                            "progress")
        world.run("sec-county-a", rectification.claim_completion, CYCLE, "county-a", "I1", "材料")
        assert ("verify_item", "county-a") in self.kinds(api, "organizer")
        verify = [t for t in read(api, "organizer", "/me/tasks").json()["tasks"]
                  if t["kind"] == "verify_item"]
        assert verify[0]["path"].endswith("/rectification/items/I1/verification")
        assert self.kinds(api, "sec-county-a") == [("report_progress", "county-a")]

    def test_an_organizer_gets_no_task_about_an_org_it_is_the_secretary_of(self, api: Api):
        api.cycle_in("reviewing")
        api.world.run(ADMIN, directory.grant_role, "organizer", "secretary", "county-b")
        assert self.kinds(api, "organizer") == [("score", "county-a"), ("score", "county-c")]


def test_the_cycle_list_holds_exactly_the_cycles_access_lets_each_caller_read(api: Api):
    """The list's SQL only narrows the candidates; application/access/ decides. If
    the access rules ever widen beyond the candidates, this oracle fails."""
    api.cycle_in("reviewing")
    second_city(api)
    api.world.person("prov-inspector", "省纪委", "prov", ("inspector", "prov"))
    api.world.person("county-inspector", "甲县纪委", "county-a", ("inspector", "county-a"))
    found = [api.app.find(Cycle, ids.cycle_id(c)) for c in (CYCLE, "city2-2026")]
    for account, principal in api.world.principals.items():
        expected = [c.cycle_id for c in found if c and can_read_cycle(api.app, principal, c)]
        assert ids_of(read(api, account, "/cycles")) == expected, account
