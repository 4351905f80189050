"""Scope, anonymity and conflicts (DOMAIN.md "Round 2"), one scenario per rule, on both stores:
conflicts of interest beyond the account's own org, the organizer's own-org conflict, admin
scope by subtree, and reviewer pseudonyms in every place a rating appears."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from application.usecases import cycles, directory, participants
from domain import ids
from projections.runner import Runners
from tests.api.helpers import CYCLE, Api, error_code, fresh
from tests.application.world import ADMIN

P = f"/cycles/{CYCLE}/participants"


def on_panel(api: Api, account_id: str, org: str | None, *grants: tuple[str, str]) -> None:
    """A reviewing cycle whose panel also holds ``account_id`` (opened with ``org``/``grants``)."""
    world = api.world
    world.person(account_id, "评议人员", org, *grants)  # type: ignore[arg-type]
    world.cycle(CYCLE, 2026, panel=("reviewer-1", "reviewer-2", account_id))
    world.reviewing(CYCLE)


class TestConflictOfInterest:
    @pytest.mark.parametrize("org, grants, why", [
        (None, (("secretary", "county-a"),), "a secretary grant, no org"),
        ("city", (("inspector", "county-a"),), "any grant at the participant"),
        ("county-a", (), "own org"),
    ])
    def test_a_panel_member_tied_to_the_participant_may_not_rate_it(
        self, api: Api, org: str | None, grants: tuple[tuple[str, str], ...], why: str
    ) -> None:
        on_panel(api, "tied", org, *grants)
        before = api.position()

        refused = api.as_("tied").post(f"{P}/county-a/reviews", {"rating": "good"})
        elsewhere = api.as_("tied").post(f"{P}/county-b/reviews", {"rating": "good"})

        assert refused.status_code == 403, why
        assert error_code(refused) == "conflict_of_interest"
        assert elsewhere.status_code == 201, why
        assert api.position() == int(elsewhere.headers["X-Event-Position"]) > before

    def test_the_appointed_secretary_may_not_rate_their_org_without_any_grant(
        self, api: Api
    ) -> None:
        on_panel(api, "appointed", "city")
        api.world.run(ADMIN, directory.appoint_secretary, "county-a", "新书记", "appointed",
                      date(2024, 1, 1))

        response = api.as_("appointed").post(f"{P}/county-a/reviews", {"rating": "good"})

        assert response.status_code == 403
        assert error_code(response) == "conflict_of_interest"

    def test_an_ancestor_of_ones_own_org_is_a_conflict(self, api: Api) -> None:
        api.world.run(ADMIN, directory.register_org, "town-a", "某镇", "township", "county-a")
        on_panel(api, "townsman", "town-a")

        response = api.as_("townsman").post(f"{P}/county-a/reviews", {"rating": "good"})

        assert response.status_code == 403
        assert error_code(response) == "conflict_of_interest"


class TestOrganizersOwnOrg:
    def organizer_who_is_secretary_of_county_a(self, api: Api, phase: str) -> None:
        api.world.person("zzb2", "兼任书记的组织部", "city",
                         ("organizer", "city"), ("secretary", "county-a"))
        api.cycle_in(phase)

    @pytest.mark.parametrize("path, body", [
        ("/scores", {"indicator": "responsibility", "points": 18}),
        ("/report/return", {"reason": "退回"}),
    ])
    def test_may_not_score_or_return_the_report_of_an_org_it_is_secretary_of(
        self, api: Api, path: str, body: dict[str, Any]
    ) -> None:
        self.organizer_who_is_secretary_of_county_a(api, "reviewing")
        before = api.position()

        refused = api.as_("zzb2").post(f"{P}/county-a{path}", body)
        allowed = api.as_("zzb2").post(f"{P}/county-b{path}", body)

        assert refused.status_code == 403
        assert error_code(refused) == "conflict_of_interest"
        assert allowed.status_code in (200, 201), allowed.text
        assert api.position() == int(allowed.headers["X-Event-Position"]) > before

    def test_may_not_veto_it(self, api: Api) -> None:
        self.organizer_who_is_secretary_of_county_a(api, "reviewing")

        response = api.as_("zzb2").post(
            f"/cycles/{CYCLE}/vetoes", {"org_code": "county-a", "reason": "否决"}
        )

        assert response.status_code == 403
        assert error_code(response) == "conflict_of_interest"

    def test_may_not_give_it_feedback_nor_act_on_its_plan(self, api: Api) -> None:
        self.organizer_who_is_secretary_of_county_a(api, "finalized")
        feedback = {"text": "反馈", "problems": [{"code": "P1", "description": "问题"}]}

        refused = api.as_("zzb2").post(f"{P}/county-a/feedback", feedback)
        api.world.advance(CYCLE, "rectifying")
        api.world.run("organizer", participants.issue_feedback, CYCLE, "county-a", "反馈",
                      feedback["problems"])
        plan = [{"item_id": "I1", "problem_code": "P1", "measure": "措施", "owner": "某",
                 "due_date": api.due(30)}]
        assert api.as_("sec-county-a").post(f"{P}/county-a/rectification/plan",
                                             {"items": plan}).status_code == 201
        approve = api.as_("zzb2").post(f"{P}/county-a/rectification/plan/approve", {})

        assert refused.status_code == 403 and error_code(refused) == "conflict_of_interest"
        assert approve.status_code == 403 and error_code(approve) == "conflict_of_interest"

    def test_the_appointed_secretary_is_in_conflict_too(self, api: Api) -> None:
        api.world.person("zzb3", "组织部", "city", ("organizer", "city"))
        api.world.run(ADMIN, directory.appoint_secretary, "county-b", "新书记", "zzb3",
                      date(2024, 1, 1))
        api.cycle_in("reviewing")

        response = api.as_("zzb3").post(
            f"{P}/county-b/scores", {"indicator": "responsibility", "points": 18}
        )

        assert response.status_code == 403
        assert error_code(response) == "conflict_of_interest"


class TestAdminScope:
    def county_admin(self, api: Api) -> Any:
        api.world.person("admin-cb", "乙县管理员", "county-b", ("admin", "county-b"))
        return api.as_("admin-cb")

    def test_an_org_admin_acts_within_its_subtree(self, api: Api) -> None:
        admin = self.county_admin(api)

        org = admin.post("/organizations", {"code": "town-b", "name": "乙镇", "level": "township",
                                            "parent_code": "county-b"})
        account = admin.post("/accounts", {"account_id": "zhao", "name": "赵",
                                           "org_code": "town-b"})
        grant = admin.post("/accounts/zhao/grants", {"role": "secretary", "org_code": "town-b"})
        token = admin.post("/accounts/zhao/tokens", {})
        secretary = admin.post("/organizations/town-b/secretary",
                               {"name": "赵", "account_id": "zhao", "since": "2026-01-01"})

        assert [r.status_code for r in (org, account, grant, token, secretary)] == [
            201, 201, 200, 201, 200
        ]

    @pytest.mark.parametrize("path, body", [
        ("/organizations", {"code": "town-a", "name": "甲镇", "level": "township",
                            "parent_code": "county-a"}),
        ("/organizations", {"code": "prov2", "name": "某省", "level": "province"}),
        ("/organizations/county-a/secretary", {"name": "某", "since": "2026-01-01"}),
        ("/accounts", {"account_id": "qian", "name": "钱", "org_code": "county-a"}),
        ("/accounts", {"account_id": "sun", "name": "孙"}),
        ("/accounts/sec-county-a/grants", {"role": "inspector", "org_code": "county-a"}),
        ("/accounts/sec-county-b/grants", {"role": "inspector", "org_code": "city"}),
        ("/accounts/sec-county-b/grants", {"role": "admin", "org_code": "*"}),
        ("/accounts/sec-county-a/revocations", {"role": "secretary", "org_code": "county-a"}),
        ("/accounts/organizer/tokens", {}),
    ])
    def test_an_org_admin_may_not_act_outside_its_subtree(
        self, api: Api, path: str, body: dict[str, Any]
    ) -> None:
        admin = self.county_admin(api)
        before = api.position()

        response = admin.post(path, body)

        assert response.status_code == 403, response.text
        assert error_code(response) == "outside_scope"
        assert api.position() == before

    def test_an_org_admin_may_not_revoke_tokens_outside_its_subtree(self, api: Api) -> None:
        admin = self.county_admin(api)
        issued = api.admin.post("/accounts/organizer/tokens", {}).json()["token_id"]

        response = admin.post(f"/accounts/organizer/tokens/{issued}/revocation", {})

        assert response.status_code == 403 and error_code(response) == "outside_scope"

    def test_the_bootstrapped_admin_is_global(self, api: Api) -> None:
        response = api.admin.post("/organizations", {"code": "prov2", "name": "某省",
                                                     "level": "province"})
        me = api.admin.get("/me").json()

        assert response.status_code == 201
        assert me["grants"] == [{"role": "admin", "org_code": "*"}]

    def test_an_org_admin_reads_the_audit_trail_of_its_subtree_only(
        self, api: Api, runners: Runners
    ) -> None:
        admin = self.county_admin(api)
        api.cycle_in("reviewing")

        events = admin.get("/audit/events", params={"limit": 1000},
                           headers=fresh(api)).json()["events"]
        feed = admin.get("/events", params={"limit": 1000}).json()["events"]

        assert events and {e["org_code"] for e in events} == {"county-b"}
        assert [e["position"] for e in feed] == [e["position"] for e in events]


    def test_filters_outside_the_subtree_are_left_out_not_refused(
        self, api: Api, runners: Runners
    ) -> None:
        admin = self.county_admin(api)
        api.cycle_in("reviewing")
        api.world.run("organizer", cycles.veto, CYCLE, "county-a", "否决")

        for params in ({"org_code": "county-a"}, {"org_code": "city"},
                       {"cycle_id": CYCLE, "org_code": "county-a"}, {"actor": "organizer"}):
            response = admin.get("/audit/events", params=params, headers=fresh(api))
            assert response.status_code == 200, params
            assert [e["org_code"] for e in response.json()["events"]
                    if e["org_code"] != "county-b"] == [], params
        flags = admin.get("/audit/flags", params={"cycle_id": CYCLE}, headers=fresh(api))
        every = api.admin.get("/audit/flags", params={"cycle_id": CYCLE}, headers=fresh(api))

        assert flags.status_code == 200 and flags.json()["flags"] == []
        assert [f["kind"] for f in every.json()["flags"]] == ["veto"]


class TestReviewerPseudonyms:
    """The participant's inspector sees 评议人N for the same rating everywhere."""

    @pytest.fixture
    def rated(self, api: Api, runners: Runners) -> Api:
        api.world.person("insp-ca", "甲县纪委", "county-a", ("inspector", "county-a"))
        api.cycle_in("reviewing")
        world = api.world
        world.run("reviewer-3", participants.rate, CYCLE, "county-a", "good", "好", None)
        world.run("reviewer-3", participants.rate, CYCLE, "county-a", "average", "改", "复核")
        world.run("reviewer-3", cycles.record_conflict, CYCLE, "reviewer-3", "county-a", "亲属")
        return api

    def test_the_audit_trail_names_no_reviewer(self, rated: Api) -> None:
        api = rated
        inspector = api.as_("insp-ca")
        view = inspector.get(f"{P}/county-a").json()
        events = inspector.get("/audit/events", headers=fresh(api),
                               params={"cycle_id": CYCLE}).json()["events"]

        ratings = [e for e in events if e["aggregate_type"] == "Rating"]
        conflict = [e for e in events if e["type"] == "lianping:Cycle.ConflictRecorded"]
        assert [r["reviewer"] for r in view["ratings"]] == ["评议人3"]
        assert [(e["actor"], e["data"]["actor"]) for e in ratings] == [("评议人3", "评议人3")] * 2
        assert ratings[0]["data"]["reviewer"] == "评议人3"
        assert (conflict[0]["actor"], conflict[0]["data"]["account_id"]) == ("评议人3", "评议人3")
        real = str(ids.rating_id(CYCLE, "county-a", "reviewer-3"))
        assert {e["aggregate_id"] for e in ratings} != {real}
        assert len({e["aggregate_id"] for e in ratings}) == 1  # one rating, one masked id
        assert "reviewer-3" not in json.dumps(events, ensure_ascii=False)
        assert all(e["hash"] is None for e in ratings)

    def test_the_organizer_s_inspector_sees_the_account(self, rated: Api) -> None:
        events = rated.as_("inspector").get(
            "/audit/events", headers=fresh(rated), params={"cycle_id": CYCLE}
        ).json()["events"]

        ratings = [e for e in events if e["aggregate_type"] == "Rating"]
        assert {e["actor"] for e in ratings} == {"reviewer-3"}
        assert {e["aggregate_id"] for e in ratings} == {
            str(ids.rating_id(CYCLE, "county-a", "reviewer-3"))
        }
        assert all(e["hash"] for e in ratings)

    def test_filtering_by_a_reviewer_s_account_tells_nothing(self, rated: Api) -> None:
        found = rated.as_("insp-ca").get(
            "/audit/events", headers=fresh(rated), params={"actor": "reviewer-3"}
        ).json()["events"]

        assert found == []

    def test_the_feed_and_both_exports_use_the_pseudonym(self, rated: Api) -> None:
        inspector = rated.as_("insp-ca")
        feed = inspector.get("/events", headers=fresh(rated), params={"limit": 1000}).json()
        jsonl = inspector.get("/audit/export", params={"cycle_id": CYCLE}).text
        text = inspector.get("/audit/export", params={"cycle_id": CYCLE, "format": "csv"}).text
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))

        assert {e["actor"] for e in feed["events"] if e["aggregate_type"] == "Rating"} == {
            "评议人3"
        }
        lines = [json.loads(line) for line in jsonl.splitlines()]
        assert {e["actor"] for e in lines if e["aggregate_type"] == "Rating"} == {"评议人3"}
        assert {r["actor"] for r in rows if r["aggregate_type"] == "Rating"} == {"评议人3"}
        assert "reviewer-3" not in jsonl and "reviewer-3" not in text

    def test_the_history_answers_under_the_masked_id_only(self, rated: Api) -> None:
        inspector = rated.as_("insp-ca")
        real = str(ids.rating_id(CYCLE, "county-a", "reviewer-3"))
        events = inspector.get("/audit/events", headers=fresh(rated), params={
            "type": "lianping:Rating.Recorded"}).json()["events"]
        masked = events[0]["aggregate_id"]

        history = inspector.get(f"/audit/aggregates/{masked}")
        guessed = inspector.get(f"/audit/aggregates/{real}")
        note = inspector.post("/audit/notes", {"aggregate_id": masked, "note": "核查该评议"})

        assert history.status_code == 200
        body = history.json()
        assert body["aggregate_id"] == masked and body["state"]["reviewer"] == "评议人3"
        assert {e["actor"] for e in body["events"]} == {"评议人3"}
        assert guessed.status_code == 404 and error_code(guessed) == "unknown_aggregate"
        assert note.status_code == 201, note.text
        assert note.json()["aggregate_id"] == masked
        trail = inspector.get("/audit/events", headers=fresh(rated), params={
            "type": "lianping:InspectionNote.Recorded"}).json()["events"]
        assert trail[-1]["data"]["subject_aggregate_id"] == masked
        named = rated.as_("inspector").get("/audit/events", params={
            "type": "lianping:InspectionNote.Recorded"}).json()["events"]
        assert named[-1]["data"]["subject_aggregate_id"] == real

    def test_amendment_flags_name_the_pseudonym(self, rated: Api) -> None:
        flags = rated.as_("insp-ca").get(
            "/audit/flags", headers=fresh(rated), params={"cycle_id": CYCLE}
        ).json()["flags"]
        named = rated.as_("inspector").get(
            "/audit/flags", params={"cycle_id": CYCLE}
        ).json()["flags"]

        assert [(f["kind"], f["actor"]) for f in flags] == [("amendment", "评议人3")]
        assert [(f["kind"], f["actor"]) for f in named] == [("amendment", "reviewer-3")]

    def test_a_late_rating_s_flag_names_the_pseudonym(self, api: Api, runners: Runners) -> None:
        world = api.world
        world.person("insp-ca", "甲县纪委", "county-a", ("inspector", "county-a"))
        world.run("organizer", cycles.create_cycle, "city", "county", 2026, "评议",
                  cycle_id=CYCLE, deadlines={"review_due": date(2020, 1, 1)})
        for county in ("county-a", "county-b"):
            world.run("organizer", cycles.add_participant, CYCLE, county)
        for member in ("reviewer-1", "reviewer-2"):
            world.run("organizer", cycles.add_panel_member, CYCLE, member)
        world.advance(CYCLE, "reporting")
        world.report(CYCLE, "county-a")
        world.advance(CYCLE, "reviewing")
        world.run("reviewer-2", participants.rate, CYCLE, "county-a", "good", None, None)

        flags = api.as_("insp-ca").get(
            "/audit/flags", headers=fresh(api), params={"cycle_id": CYCLE}
        ).json()["flags"]

        assert [(f["kind"], f["actor"]) for f in flags] == [("late_submission", "评议人2")]

    def test_flags_outside_the_reader_s_subtree_are_left_out(self, rated: Api) -> None:
        rated.world.run("organizer", participants.score, CYCLE, "county-b", "responsibility",
                        Decimal(10), None, None)
        rated.world.run("organizer", participants.score, CYCLE, "county-b", "responsibility",
                        Decimal(12), None, "复核")
        rated.world.run("organizer", cycles.veto, CYCLE, "county-b", "否决")

        flags = rated.as_("insp-ca").get(
            "/audit/flags", headers=fresh(rated), params={"cycle_id": CYCLE}
        ).json()["flags"]

        assert {f["org_code"] for f in flags} == {"county-a"}

