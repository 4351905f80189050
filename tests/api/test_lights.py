"""红黄灯 over HTTP on SQLite and PostgreSQL: /me/tasks, the cycle dashboard, the rectification
board and the 督办 orders carry ``light`` (red past due and not done, yellow within the cycle's
warn_days, else green), as of today in the service's time zone; warn_days is a cycle setting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from application.app import LianpingApp
from application.usecases import cycles, rectification
from projections.runtime import start_projections_in_background
from tests.api.helpers import CYCLE, Api, error_code
from tests.application.world import REVIEWERS
from tests.projections.conftest import FAST

ITEMS_DUE = (0, 3, 4, 10)  # days from today: yellow (due today), yellow (exactly N), green, ...


@pytest.fixture(autouse=True)
def runners(app: LianpingApp) -> Iterator[None]:
    handle = start_projections_in_background(app, names=["finding", "rectification"],
                                             config=FAST)
    try:
        yield
    finally:
        handle.stop()


def read(api: Api, who: str, path: str, **params: Any) -> Any:
    response = api.as_(who).get(path, params=params,
                                headers={"X-Min-Position": str(api.position())})
    assert response.status_code == 200, response.text
    return response.json()


def later(api: Api, monkeypatch: pytest.MonkeyPatch, days: int) -> date:
    day = api.app.today() + timedelta(days=days)
    monkeypatch.setattr(api.app, "today", lambda: day)
    return day


def approved_plan(api: Api, days: tuple[int, ...] = ITEMS_DUE) -> list[str]:
    """county-a's approved plan, item I<n> (problem P1) due ``days[n]`` days from today, and
    item Z for problem P2, due in a year (left out by the helpers below)."""
    api.cycle_in("rectifying")
    items = [{"item_id": f"I{n}", "problem_code": "P1", "measure": "措施",
              "owner": "责任人", "due_date": api.due(d)} for n, d in enumerate(days)]
    items.append({"item_id": "Z", "problem_code": "P2", "measure": "措施", "owner": "责任人",
                  "due_date": api.due(365)})
    api.world.run("sec-county-a", rectification.submit_plan, CYCLE, "county-a", items)
    api.world.run("organizer", rectification.approve_plan, CYCLE, "county-a")
    return [item["item_id"] for item in items]


def item_lights(api: Api, who: str = "sec-county-a") -> dict[str, str]:
    return {t["item_id"]: t["light"] for t in read(api, who, "/me/tasks")["tasks"]
            if t["kind"] == "report_progress" and t["item_id"] != "Z"}


def board_lights(api: Api) -> dict[str, str]:
    return {i["item_id"]: i["light"]
            for i in read(api, "organizer", f"/cycles/{CYCLE}/rectification")["items"]
            if i["item_id"] != "Z"}


class TestBoundaries:
    def test_due_today_and_exactly_n_days_are_yellow_one_more_day_is_green(self, api: Api):
        approved_plan(api)

        expected = {"I0": "yellow", "I1": "yellow", "I2": "green", "I3": "green"}
        assert item_lights(api) == expected
        assert board_lights(api) == expected

    def test_past_due_is_red_and_verified_items_stay_green(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        approved_plan(api)
        world = api.world
        world.run("sec-county-a", rectification.claim_completion, CYCLE, "county-a", "I0", "材料")
        world.run("organizer", rectification.verify_item, CYCLE, "county-a", "I0", True, "同意")

        later(api, monkeypatch, 4)

        assert board_lights(api) == {"I0": "green", "I1": "red", "I2": "yellow", "I3": "green"}
        assert item_lights(api) == {"I1": "red", "I2": "yellow", "I3": "green"}
        tasks = read(api, "sec-county-a", "/me/tasks")["tasks"]
        assert tasks and all(t["overdue"] == (t["light"] == "red") for t in tasks)

    def test_an_extension_moves_the_light_back(self, api: Api, monkeypatch: pytest.MonkeyPatch):
        approved_plan(api, (1,))
        later(api, monkeypatch, 2)
        assert board_lights(api) == {"I0": "red"}
        api.world.run("organizer", rectification.extend_deadline, CYCLE, "county-a", "I0",
                      api.app.today() + timedelta(days=30), "汛期施工受阻")
        assert board_lights(api) == {"I0": "green"}


class TestTimeZone:
    def test_a_due_date_past_in_shanghai_but_not_yet_in_utc_is_red(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        approved_plan(api, (10,))
        due = api.app.today() + timedelta(days=10)
        # 17:00 UTC on the due date is 01:00 the next day in Asia/Shanghai
        evening = datetime.combine(due, time(17), tzinfo=UTC)
        monkeypatch.setattr(api.app, "now", lambda: evening)
        assert api.app.settings.timezone == "Asia/Shanghai"

        assert item_lights(api) == {"I0": "red"}
        assert board_lights(api) == {"I0": "red"}

        monkeypatch.setattr(api.app, "tz", ZoneInfo("UTC"))
        assert item_lights(api) == {"I0": "yellow"}
        assert board_lights(api) == {"I0": "yellow"}


class TestWarnDays:
    def test_set_on_creation_shown_on_the_cycle_and_used_for_the_lights(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        api.world  # noqa: B018 - the city, its counties and people
        created = api.organizer.post("/cycles", {
            "cycle_id": CYCLE, "organizer_org": "city", "level": "county", "year": 2026,
            "title": "述职评议", "warn_days": 7,
            "deadlines": {"report_due": api.due(7)},
        })
        assert created.status_code == 201, created.text
        assert api.organizer.get(f"/cycles/{CYCLE}").json()["warn_days"] == 7
        for county in ("county-a", "county-b"):
            api.world.run("organizer", cycles.add_participant, CYCLE, county)
        api.world.advance(CYCLE, "reporting")
        api.world.report(CYCLE, "county-b")

        [task] = read(api, "sec-county-a", "/me/tasks")["tasks"]
        rows = {r["org_code"]: r for r in
                read(api, "organizer", f"/cycles/{CYCLE}/participants")["participants"]}

        assert (task["kind"], task["light"]) == ("submit_report", "yellow")
        assert (rows["county-a"]["due"], rows["county-a"]["light"]) == (api.due(7), "yellow")
        assert rows["county-b"]["light"] == "green"  # submitted: done

        moved = api.organizer.post(f"/cycles/{CYCLE}/deadlines", {"warn_days": 2})
        assert moved.status_code == 200, moved.text
        assert read(api, "sec-county-a", "/me/tasks")["tasks"][0]["light"] == "green"
        later(api, monkeypatch, 8)
        rows = {r["org_code"]: r for r in
                read(api, "organizer", f"/cycles/{CYCLE}/participants")["participants"]}
        assert (rows["county-a"]["light"], rows["county-b"]["light"]) == ("red", "green")

    def test_old_cycles_default_to_three_and_bad_values_are_refused(self, api: Api):
        api.cycle_in("preparing")
        assert api.organizer.get(f"/cycles/{CYCLE}").json()["warn_days"] == 3
        for bad in (-1, 61, "3", 2.5):
            refused = api.organizer.post(f"/cycles/{CYCLE}/deadlines", {"warn_days": bad})
            assert refused.status_code == 422, (bad, refused.text)
        same = api.organizer.post(f"/cycles/{CYCLE}/deadlines", {"warn_days": 3})
        assert (same.status_code, error_code(same)) == (409, "deadlines_unchanged")


class TestDashboardAndOrders:
    def test_reviewing_is_done_when_every_rating_and_score_is_in(self, api: Api):
        api.cycle_in("reviewing")
        api.world.run("organizer", cycles.set_deadlines, CYCLE, {"review_due": api.app.today()},
                      "评议提前")
        api.world.rate(CYCLE, "county-a", (len(REVIEWERS), 0, 0, 0))
        api.world.score(CYCLE, "county-a", ("20", "20", "25", "15", "20"))

        rows = {r["org_code"]: r["light"] for r in
                read(api, "organizer", f"/cycles/{CYCLE}/participants")["participants"]}

        assert rows == {"county-a": "green", "county-b": "yellow", "county-c": "yellow"}

    def test_a_plan_due_turns_red_for_a_participant_with_problems_and_no_plan(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        api.cycle_in("rectifying")
        tomorrow = api.app.today() + timedelta(days=1)
        api.world.run("organizer", cycles.set_deadlines, CYCLE, {"plan_due": tomorrow}, None)
        later(api, monkeypatch, 2)
        rows = {r["org_code"]: r["light"] for r in
                read(api, "organizer", f"/cycles/{CYCLE}/participants")["participants"]}
        assert rows == {"county-a": "red", "county-b": None, "county-c": None}

    def test_orders_turn_yellow_then_red_and_closed_ones_stay_green(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        api.cycle_in("preparing")
        inspector = api.as_("inspector")
        order = {"org_code": "county-a", "subject": "督办", "requirement": "请报告",
                 "due_date": api.due(5)}
        kept = inspector.post("/supervision/orders", order).json()["order_id"]
        done = inspector.post("/supervision/orders", order).json()["order_id"]
        api.as_("sec-county-a").post(f"/supervision/orders/{done}/response", {"text": "已办"})
        inspector.post(f"/supervision/orders/{done}/closure", {"accepted": True, "note": "好"})

        def lights() -> dict[str, str]:
            return {o["order_id"]: o["light"]
                    for o in read(api, "inspector", "/supervision/orders")["orders"]}

        assert lights() == {kept: "green", done: "green"}
        later(api, monkeypatch, 3)
        assert lights() == {kept: "yellow", done: "green"}
        assert read(api, "sec-county-a", "/me/tasks")["tasks"][0]["light"] == "yellow"
        later(api, monkeypatch, 3)
        assert lights() == {kept: "red", done: "green"}
