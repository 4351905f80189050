"""The read-model routes over HTTP (the real app factory, runners in the background), on SQLite and
PostgreSQL: shapes, scopes, paging, X-Min-Position, and the 401/403/404/422 answers."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from application.app import LianpingApp
from application.settings import Settings
from domain import ids
from projections.runtime import start_projections_in_background
from projections.service import read_models
from tests.api.helpers import Api, error_code, fresh
from tests.conftest import POSTGRES_URL, postgres_connection
from tests.projections.conftest import FAST
from tests.projections.scripts import rich_history


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def served(request, tmp_path_factory) -> Iterator[tuple[Api, dict[str, Any]]]:
    """One app per store for the whole module, its runners in the background and a rich history:
    the tests read it (and only add notes), so they share it."""
    folder = tmp_path_factory.mktemp("read-models")
    common = {"signing_key_file": str(folder / "key.pem"), "pool_size": 3}
    schema = None
    if request.param == "sqlite":
        settings = Settings(database_url=f"sqlite:///{folder / 'lianping.db'}", **common)
    else:
        schema = f"t_{uuid.uuid4().hex[:16]}"
        with postgres_connection() as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        settings = Settings(database_url=POSTGRES_URL, postgres_schema=schema, **common)
    app = LianpingApp(settings)
    runners = start_projections_in_background(app, config=FAST)
    try:
        with TestClient(create_app(application=app)) as client:
            api = Api(client, app)
            yield api, rich_history(api.world)
    finally:
        runners.stop()
        app.close()
        if schema is not None:
            with postgres_connection() as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def api(served) -> Api:
    return served[0]


@pytest.fixture
def history(served) -> dict[str, Any]:
    return served[1]


class TestAuditEvents:
    def test_page_through_every_event_in_scope_with_its_chain_hash(self, api, history):
        seen, after = [], 0
        while after is not None:
            response = api.as_("inspector").get(
                "/audit/events", params={"after": after, "limit": 40}, headers=fresh(api)
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["position"] >= api.position()
            seen += body["events"]
            after = body["next_after"]
        hashes = {row.position: row.hash.hex() for row in api.app.recorder.chain_rows(0, 10**6)}
        assert [e["position"] for e in seen] == sorted(e["position"] for e in seen)
        assert all(e["hash"] == hashes[e["position"]] for e in seen)
        # the inspector of the city sees the city's subtree, not the province or org-less accounts
        assert {e["org_code"] for e in seen} == {"city", "county-a", "county-b", "county-c"}
        reopened = next(e for e in seen if e["position"] == history["reopened_at"])
        assert reopened["type"] == "lianping:Cycle.Reopened"
        assert (reopened["actor"], reopened["cycle_id"], reopened["reason"]) == (
            "organizer", "city-2026", "复核发现计分错误"
        )
        assert reopened["data"]["from_phase"] == "finalized"

    def test_filter_by_cycle_org_actor_type_and_time(self, api, history):
        inspector = api.as_("inspector")
        by_type = inspector.get("/audit/events", headers=fresh(api),
                                params={"type": "lianping:RectificationPlan.Returned"}).json()
        assert [(e["org_code"], e["reason"]) for e in by_type["events"]] == [
            ("county-a", "措施不具体")
        ]
        late = inspector.get("/audit/events", params={"cycle_id": "city-2024"}).json()["events"]
        assert {e["cycle_id"] for e in late} == {"city-2024"} and len(late) == 19
        mine = inspector.get("/audit/events", params={"actor": "sec-county-a",
                                                      "org_code": "county-a"}).json()["events"]
        assert mine and {(e["actor"], e["org_code"]) for e in mine} == {("sec-county-a",
                                                                          "county-a")}
        first = late[0]["recorded_at"]
        window = inspector.get("/audit/events", params={
            "cycle_id": "city-2024", "since": first, "until": first}).json()["events"]
        assert [e["position"] for e in window] == [late[0]["position"]]

    def test_organizers_see_the_events_of_their_cycles_only(self, api, history):
        events = api.organizer.get("/audit/events", headers=fresh(api),
                                   params={"limit": 1000}).json()["events"]
        assert events and {e["cycle_id"] for e in events} == {"city-2024", "city-2025",
                                                              "city-2026", "city-2026-rehearsal"}
        assert "InspectionNote" not in {e["aggregate_type"] for e in events}

    def test_are_refused_without_a_token_to_secretaries_and_for_a_bad_limit(self, api, history):
        assert api.anonymous.get("/audit/events").status_code == 401
        response = api.as_("sec-county-a").get("/audit/events")
        assert response.status_code == 403 and error_code(response) == "auditor_required"
        for limit in (0, 1001):
            response = api.admin.get("/audit/events", params={"limit": limit})
            assert response.status_code == 422 and error_code(response) == "validation_error"


class TestXMinPosition:
    def test_waits_for_the_view_then_answers_with_the_write_in_it(self, api, history):
        written = api.as_("inspector").post("/audit/notes", json={
            "subject_position": history["reopened_at"], "note": "核实重新打开的理由"})
        assert written.status_code == 201, written.text
        position = int(written.headers["X-Event-Position"])

        response = api.as_("inspector").get(
            "/audit/events", headers={"X-Min-Position": str(position)},
            params={"type": "lianping:InspectionNote.Recorded"},
        )

        assert response.status_code == 200
        assert response.json()["position"] >= position
        assert response.json()["events"][-1]["data"]["note"] == "核实重新打开的理由"

    def test_answers_503_read_model_behind_when_the_view_does_not_get_there(
        self, api, history, monkeypatch
    ):
        monkeypatch.setattr(api.client.app.state, "min_position_wait", 0.2, raising=False)
        models = type(read_models(api.app))
        monkeypatch.setattr(models, "position", lambda self, name: 0)  # every view stalled
        head = str(api.position())
        for path in READ_MODEL_PATHS:
            response = api.as_("inspector").get(path, headers={"X-Min-Position": head})
            assert response.status_code == 503, path
            assert error_code(response) == "read_model_behind"
            assert response.headers["Retry-After"]

    def test_a_position_beyond_the_log_is_422_position_not_reached_at_once(
        self, api, history, monkeypatch
    ):
        monkeypatch.setattr(api.client.app.state, "min_position_wait", 60, raising=False)
        ahead = str(api.position() + 10**12)
        for path in READ_MODEL_PATHS:
            response = api.as_("inspector").get(path, headers={"X-Min-Position": ahead})
            assert response.status_code == 422, path
            assert error_code(response) == "position_not_reached"


READ_MODEL_PATHS = (
    "/audit/events", "/audit/flags?cycle_id=city-2026", "/cycles/city-2026/rectification",
    "/organizations/county-a/record", "/events", "/audit/export",
)


class TestFlags:
    def test_list_every_kind_for_the_cycle_with_overdue_items_as_of_today(
        self, api, history, monkeypatch
    ):
        inspector = api.as_("inspector")
        body = inspector.get("/audit/flags", params={"cycle_id": "city-2026"},
                             headers=fresh(api)).json()
        assert body["position"] >= api.position()
        assert {f["kind"] for f in body["flags"]} == {
            "amendment", "rescoring", "veto", "reopening", "amendment_after_finalization",
            "returned_plan",
        }
        late = inspector.get("/audit/flags", params={"cycle_id": "city-2024"}).json()["flags"]
        # The report (twice: returned, then resubmitted), the rating and the plan came after
        # report_due, review_due and plan_due; county-b and county-c never reported.
        assert [(f["kind"], f["org_code"]) for f in late[:2]] == [
            ("not_submitted", "county-b"), ("not_submitted", "county-c")]
        assert [(f["kind"], f["actor"]) for f in late[2:]] == [
            ("late_submission", "sec-county-a"), ("returned_report", "organizer"),
            ("late_submission", "sec-county-a"), ("late_submission", "reviewer-1"),
            ("late_submission", "sec-county-a"),
        ]

        later = api.app.now() + timedelta(days=41)
        monkeypatch.setattr(api.app, "now", lambda: later)
        overdue = [f for f in inspector.get("/audit/flags", params={"cycle_id": "city-2026"})
                   .json()["flags"] if f["kind"] == "overdue_item"]
        assert [(f["org_code"], f["item_id"], f["actor"]) for f in overdue] == [
            ("county-a", "I2", "organizer")
        ]

    def test_are_refused_outside_scope_for_unknown_cycles_and_without_a_cycle(self, api, history):
        assert error_code(api.as_("sec-county-a").get(
            "/audit/flags", params={"cycle_id": "city-2026"})) == "organizer_or_inspector"
        response = api.as_("inspector").get("/audit/flags", params={"cycle_id": "nope"})
        assert response.status_code == 404 and error_code(response) == "unknown_cycle"
        assert api.as_("inspector").get("/audit/flags").status_code == 422


class TestRectificationBoard:
    def test_shows_items_and_completion_per_org(self, api, history, monkeypatch):
        body = api.organizer.get("/cycles/city-2026/rectification", headers=fresh(api)).json()
        assert [(i["item_id"], i["status"], i["overdue"]) for i in body["items"]] == [
            ("I1", "verified", False), ("I2", "planned", False)
        ]
        assert body["by_org"] == [{"org_code": "county-a", "org_name": "甲县",
                                   "plan_status": "approved", "total": 2, "verified": 1,
                                   "overdue": 0, "completion_rate": "0.5000"}]
        later = api.app.now() + timedelta(days=41)
        monkeypatch.setattr(api.app, "now", lambda: later)
        body = api.as_("inspector").get("/cycles/city-2026/rectification").json()
        assert [i["overdue"] for i in body["items"]] == [False, True]
        assert body["by_org"][0]["overdue"] == 1

    def test_lists_every_participant_given_problems_with_its_plan_status(self, api, history):
        """city-2025: 甲县 and 乙县 were given problems and have approved plans; 丙县's feedback
        listed none. city-2024: 甲县's plan is submitted, not yet approved."""
        body = api.organizer.get("/cycles/city-2025/rectification", headers=fresh(api)).json()
        assert [(o["org_code"], o["org_name"], o["plan_status"], o["total"], o["verified"])
                for o in body["by_org"]] == [
            ("county-a", "甲县", "approved", 5, 4), ("county-b", "乙县", "approved", 5, 5)
        ]
        body = api.organizer.get("/cycles/city-2024/rectification").json()
        assert body["items"] == []
        assert body["by_org"] == [{"org_code": "county-a", "org_name": "甲县",
                                   "plan_status": "submitted", "total": 0, "verified": 0,
                                   "overdue": 0, "completion_rate": None}]

    def test_is_for_the_organizer_and_inspectors(self, api, history):
        response = api.as_("sec-county-a").get("/cycles/city-2026/rectification")
        assert response.status_code == 403
        response = api.organizer.get("/cycles/nope/rectification")
        assert response.status_code == 404 and error_code(response) == "unknown_cycle"


class TestOrgRecord:
    def test_lists_each_cycle_with_frozen_results_and_rectification(self, api, history):
        body = api.as_("sec-county-a").get("/organizations/county-a/record",
                                           headers=fresh(api)).json()
        assert body["org_code"] == "county-a" and body["position"] >= api.position()
        rows = {c["cycle_id"]: c for c in body["cycles"]}
        assert list(rows) == ["city-2024", "city-2025", "city-2026"]
        assert (rows["city-2025"]["total"], rows["city-2025"]["rank"],
                rows["city-2025"]["rectification_completion"]) == ("50.00", 1, "0.8000")
        assert rows["city-2026"]["grade"] == "fairly_good"
        # city-2024: one 好 rating (100), no indicator scored (0), no previous cycle: 50.00, 差
        assert (rows["city-2024"]["total"], rows["city-2024"]["grade"],
                rows["city-2024"]["secretary"]) == ("50.00", "poor", "甲县书记")

    def test_is_for_admins_inspectors_the_parent_s_organizer_and_its_secretary(
        self, api, history
    ):
        for who in ("admin", "inspector", "organizer", "sec-county-a"):
            assert api.as_(who).get("/organizations/county-a/record").status_code == 200, who
        response = api.as_("sec-county-b").get("/organizations/county-a/record")
        assert response.status_code == 403 and error_code(response) == "record_forbidden"
        assert api.admin.get("/organizations/nowhere/record").status_code == 404


class TestInspectionNotes:
    def test_are_recorded_as_events_about_an_aggregate(self, api, history):
        plan = str(ids.plan_id("city-2026", "county-a"))
        response = api.as_("inspector").post("/audit/notes",
                                             json={"aggregate_id": plan, "note": "跟踪整改"})
        assert response.status_code == 201
        assert response.json()["org_code"] == "county-a"
        assert int(response.headers["X-Event-Position"]) == api.position()

    def test_are_refused_for_bad_or_foreign_subjects(self, api, history):
        before = api.position()
        for body, status, code in [
            ({"note": "x"}, 422, "invalid_subject"),
            ({"note": "x", "subject_position": 1, "aggregate_id": "a"}, 422, "invalid_subject"),
            ({"note": "x", "aggregate_id": "not-a-uuid"}, 422, "unknown_subject"),
            ({"note": "x", "aggregate_id": str(ids.org_id("nowhere"))}, 422, "unknown_subject"),
            ({"note": "x", "subject_position": 10**9}, 422, "unknown_subject"),
            ({"note": "x", "subject_position": 1}, 403, "outside_scope"),  # the province
            ({"subject_position": 1}, 422, "validation_error"),
        ]:
            response = api.as_("inspector").post("/audit/notes", json=body)
            assert (response.status_code, error_code(response)) == (status, code), body
        assert api.position() == before

    def test_are_for_inspectors_only(self, api, history):
        response = api.organizer.post("/audit/notes", json={"subject_position": 2, "note": "x"})
        assert response.status_code == 403 and error_code(response) == "inspector_required"


class TestAggregateHistory:
    def test_gives_any_aggregate_at_a_version_with_its_events(self, api, history):
        report = str(ids.report_id("city-2024", "county-a"))
        body = api.as_("inspector").get(f"/audit/aggregates/{report}",
                                        params={"version": 2}).json()
        assert (body["aggregate_type"], body["version"]) == ("Report", 2)
        assert body["state"]["status"] == "returned"
        assert [e["type"] for e in body["events"]] == ["lianping:Report.Submitted",
                                                       "lianping:Report.Returned"]
        latest = api.organizer.get(f"/audit/aggregates/{report}").json()
        assert latest["version"] == 3 and latest["state"]["versions"][1]["title"] == "修改稿"
        trail = api.as_("inspector").get("/audit/events", headers=fresh(api), params={
            "cycle_id": "city-2024", "type": ["lianping:Report.Submitted",
                                              "lianping:Report.Returned",
                                              "lianping:Report.Resubmitted"]}).json()["events"]
        assert [(e["position"], e["hash"]) for e in latest["events"]] == [
            (e["position"], e["hash"]) for e in trail
        ]
        at = body["events"][0]["recorded_at"]
        first = api.admin.get(f"/audit/aggregates/{report}", params={"as_of": at}).json()
        assert first["version"] == 1 and first["state"]["status"] == "submitted"

    def test_is_refused_for_unknown_ids_versions_and_moments_and_outside_scope(
        self, api, history
    ):
        report = str(ids.report_id("city-2024", "county-a"))
        inspector = api.as_("inspector")
        for path, params, status in [
            ("/audit/aggregates/not-a-uuid", {}, 404),
            (f"/audit/aggregates/{ids.report_id('nope', 'nope')}", {}, 404),
            (f"/audit/aggregates/{report}", {"version": 9}, 404),
            (f"/audit/aggregates/{report}", {"as_of": "2000-01-01T00:00:00Z"}, 404),
            (f"/audit/aggregates/{report}", {"version": 1, "as_of": "2030-01-01T00:00:00Z"},
             422),
            (f"/audit/aggregates/{report}", {"version": 0}, 422),
        ]:
            assert inspector.get(path, params=params).status_code == status, (path, params)
        assert api.as_("sec-county-a").get(f"/audit/aggregates/{report}").status_code == 403


class TestExport:
    def test_csv_has_a_bom_a_header_and_the_same_rows_as_the_trail(self, api, history):
        response = api.as_("inspector").get("/audit/export", headers=fresh(api),
                                            params={"format": "csv", "cycle_id": "city-2024"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        text = response.content.decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text[1:])))
        trail = api.as_("inspector").get("/audit/events",
                                         params={"cycle_id": "city-2024"}).json()["events"]
        assert [int(r["position"]) for r in rows] == [e["position"] for e in trail]
        assert [r["hash"] for r in rows] == [e["hash"] for e in trail]
        assert json.loads(rows[0]["data"]) == trail[0]["data"]

    def test_csv_cells_that_excel_would_run_as_formulas_are_defused(self):
        from api.routers.audit_trail import _csv
        from projections import audit

        row = {column: None for column in audit.EXPORT_COLUMNS}
        row.update(position=7, reason='=HYPERLINK("http://x","点此")', actor="@admin",
                   data={"reason": "=1+1"})
        text = b"".join(_csv(iter([[row]]))).decode("utf-8")
        parsed = next(csv.DictReader(io.StringIO(text[1:])))
        assert parsed["reason"] == """'=HYPERLINK("http://x","点此")"""
        assert parsed["actor"] == "'@admin" and parsed["position"] == "7"
        assert json.loads(parsed["data"]) == {"reason": "=1+1"}  # JSON starts with {: safe

    def test_jsonl_has_one_event_per_line(self, api, history):
        response = api.admin.get("/audit/export", headers=fresh(api))
        lines = response.text.splitlines()
        assert len(lines) == int(response.headers["X-Audit-Position"])
        assert json.loads(lines[-1])["position"] == int(response.headers["X-Audit-Position"])
        assert api.admin.get("/audit/export", params={"format": "xml"}).status_code == 422


class TestEventFeed:
    def test_gives_admins_the_whole_log_and_inspectors_their_scope(self, api, history):
        every = api.admin.get("/events", params={"limit": 1000}, headers=fresh(api)).json()
        assert [e["position"] for e in every["events"]] == list(range(1, api.position() + 1))
        assert every["next_after"] is None
        scoped = api.as_("inspector").get("/events", params={"limit": 1000}).json()["events"]
        assert 0 < len(scoped) < len(every["events"])
        page = api.admin.get("/events", params={"after": 3, "limit": 2}).json()
        assert [e["position"] for e in page["events"]] == [4, 5] and page["next_after"] == 5

    def test_is_not_for_organizers(self, api, history):
        response = api.organizer.get("/events")
        assert response.status_code == 403 and error_code(response) == "inspector_required"
