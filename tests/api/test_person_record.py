"""A person's record (GET /people/{account_id}/record): every cycle where they reported as the
appointed secretary, across orgs and years — and the report's secretary account, upcast for
reports stored before it was recorded."""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.persistence import StoredEvent

from application.app import LianpingApp
from application.usecases import directory, participants
from domain import ids
from domain.report import Report
from tests.api.helpers import Api, error_code, fresh
from tests.application.world import ADMIN


def moved(api: Api) -> None:
    """sec-county-a reports for county-a in 2026 (finalized), then is appointed to county-c and
    reports for it in 2027; county-b's 2026 report has no appointed account."""
    world = api.world
    world.run(ADMIN, directory.appoint_secretary, "county-b", "乙县代理书记", None,
              date(2021, 1, 1))
    api.cycle_in("finalized", "city-2026", 2026)
    world.cycle("city-2027", 2027)
    world.advance("city-2027", "reporting")
    world.run(ADMIN, directory.appoint_secretary, "county-c", "甲县书记", "sec-county-a",
              date(2022, 1, 1))
    world.run(ADMIN, directory.grant_role, "sec-county-a", "secretary", "county-c")
    content = {"title": "述职报告", "achievements": "成效", "problems": "问题", "plans": "打算"}
    who = world.who("sec-county-a")
    world.principals["sec-county-a"] = type(who)(
        who.account_id, who.name, who.org_code, (*who.grants, ("secretary", "county-c")))
    world.run("sec-county-a", participants.submit_report, "city-2027", "county-c", content)


@pytest.mark.usefixtures("runners")
@pytest.mark.read_models("records")
class TestPersonRecord:
    def test_the_person_reads_every_cycle_they_reported_in(self, api: Api):
        moved(api)

        response = api.as_("sec-county-a").get("/people/sec-county-a/record", headers=fresh(api))

        assert response.status_code == 200
        body = response.json()
        assert (body["account_id"], body["name"]) == ("sec-county-a", "甲县书记")
        assert [(c["cycle_id"], c["year"], c["org_code"], c["org_name"]) for c in
                body["cycles"]] == [("city-2026", 2026, "county-a", "甲县"),
                                    ("city-2027", 2027, "county-c", "丙县")]
        first, second = body["cycles"]
        assert (first["grade"], first["rank"]) == ("poor", 1)
        assert first["total"] is not None
        assert (second["total"], second["grade"], second["rank"]) == (None, None, None)

    def test_inspectors_read_the_rows_in_their_scope_others_are_refused(self, api: Api):
        moved(api)
        api.world.person("insp-ca", "甲县纪检", "county-a", ("inspector", "county-a"))

        city = api.as_("inspector").get("/people/sec-county-a/record", headers=fresh(api))
        county = api.as_("insp-ca").get("/people/sec-county-a/record", headers=fresh(api))
        admin = api.admin.get("/people/sec-county-a/record", headers=fresh(api))
        reviewer = api.as_("reviewer-1").get("/people/sec-county-a/record")
        other = api.as_("sec-county-b").get("/people/sec-county-a/record")
        unknown = api.admin.get("/people/nobody/record")

        assert city.status_code == 200
        assert [c["org_code"] for c in city.json()["cycles"]] == ["county-a", "county-c"]
        assert [c["org_code"] for c in county.json()["cycles"]] == ["county-a"]
        assert len(admin.json()["cycles"]) == 2
        assert (reviewer.status_code, error_code(reviewer)) == (403, "record_forbidden")
        assert other.status_code == 403
        assert (unknown.status_code, error_code(unknown)) == (404, "unknown_account")

    def test_a_report_without_an_appointed_account_is_on_nobodys_record(self, api: Api):
        moved(api)

        report = api.app.repository.get(ids.report_id("city-2026", "county-b"))
        body = api.as_("sec-county-b").get("/people/sec-county-b/record",
                                           headers=fresh(api)).json()

        assert report.latest["secretary_account"] is None
        assert body["cycles"] == []


def test_a_report_stored_before_the_account_was_recorded_reads_as_none(app: LianpingApp):
    """Report.Submitted v1 had no secretary_account: upcast to None."""
    from tests.application.world import World

    world = World(app)
    world.cycle("city-2026", 2026)
    world.advance("city-2026", "reporting")
    state = (
        '{"timestamp":{"_type_":"datetime_iso","_data_":"' + app.now().isoformat() + '"},'
        '"originator_topic":"lianping:Report","cycle_id":"city-2026","org_code":"county-a",'
        '"secretary":"甲县书记","title":"t","achievements":"a","problems":"p","plans":"n",'
        '"actor":"sec-county-a"}'
    ).encode()
    app.recorder.insert_events([StoredEvent(
        originator_id=ids.report_id("city-2026", "county-a"), originator_version=1,
        topic="lianping:Report.Submitted", state=state)])
    other = LianpingApp(app.settings)
    try:
        report = other.repository.get(ids.report_id("city-2026", "county-a"))
        assert isinstance(report, Report)
        assert report.latest["secretary"] == "甲县书记"
        assert report.latest["secretary_account"] is None
        world.run("sec-county-a", participants.submit_report, "city-2026", "county-a",
                  {"title": "t2", "achievements": "a", "problems": "p", "plans": "n"})
        again = app.repository.get(ids.report_id("city-2026", "county-a"))
        assert again.latest["secretary_account"] == "sec-county-a"
    finally:
        other.close()
