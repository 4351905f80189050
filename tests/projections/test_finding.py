"""The finding read model is a pure fold: its view equals the in-memory fold, on SQLite and
PostgreSQL, over a history with everything it reads (passwords, grants and revocations,
conflicts, returns, finalization and reopening)."""

from __future__ import annotations

import json

import pytest

from application.app import Request
from application.usecases import cycles, directory, participants, passwords
from projections import finding
from tests.application.world import ADMIN, REVIEWERS
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)
from tests.projections.conftest import assert_view_is_the_fold, catch_up

pytestmark = pytest.mark.usefixtures("cheap_hashes")


def test_the_view_is_the_fold_and_holds_what_the_lists_need(app, models, world):
    passwords.set_password(app, Request(ADMIN), "sec-county-a", "初始密码-0123456789")
    world.run(ADMIN, directory.grant_role, "reviewer-3", "inspector", "county-b")
    world.run(ADMIN, directory.revoke_role, "reviewer-3", "inspector", "county-b")
    world.run(ADMIN, directory.grant_role, "reviewer-4", "secretary", "county-c")
    world.cycle("c-2026", 2026, panel=REVIEWERS[:4])
    world.reviewing("c-2026")
    world.run("reviewer-1", cycles.record_conflict, "c-2026", "reviewer-1", "county-a", "亲属")
    world.run("reviewer-2", participants.rate, "c-2026", "county-a", "good", None, None)
    world.run("organizer", participants.return_report, "c-2026", "county-b", "请补充")
    world.report("c-2026", "county-b", "修改后的报告")
    world.run("organizer", cycles.finalize, "c-2026")
    world.advance("c-2026", "reviewing", "复核")

    view = models.store.ensure(finding.PROJECTION)
    catch_up(models, view, batch_size=7)

    assert_view_is_the_fold(models, view)
    rows = {t.name: view.dump(t) for t in finding.PROJECTION.tables}
    accounts = {a["account_id"]: a for a in rows["accounts"]}
    assert accounts["sec-county-a"]["has_password"] == 1
    assert json.loads(accounts["reviewer-3"]["grants"]) == []
    assert ("reviewer-4", "secretary", "county-c") in {
        (g["account_id"], g["role"], g["org_code"]) for g in rows["grants"]}
    (cycle,) = rows["cycles"]
    assert (cycle["phase"], cycle["grades"]) == ("reviewing", None)
    assert len(json.loads(cycle["indicators"])) == 5
    reports = {p["org_code"]: (p["report_version"], p["report_status"])
               for p in rows["participants"]}
    assert reports == {"county-a": (1, "submitted"), "county-b": (2, "submitted"),
                       "county-c": (1, "submitted")}
    assert rows["conflicts"] == [{"cycle_id": "c-2026", "account_id": "reviewer-1",
                                  "org_code": "county-a"}]
    assert rows["ratings"] == [{"cycle_id": "c-2026", "reviewer": "reviewer-2",
                                "org_code": "county-a"}]
