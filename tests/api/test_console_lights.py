"""红黄灯 in the console, on SQLite and PostgreSQL: a coloured badge 绿灯/黄灯/红灯 on 我的待办, the
cycle dashboard, the rectification board and the 督办 board."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import unquote

import pytest

from api.console import paths
from application.app import LianpingApp
from application.usecases import cycles, rectification, supervision
from projections.runtime import start_projections_in_background
from tests.api.helpers import CYCLE, Api
from tests.api.test_console import csrf_of, given_password, sign_in
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)
from tests.e2e.server import poll_until
from tests.projections.conftest import FAST

pytestmark = pytest.mark.usefixtures("cheap_hashes", "pages_runner")


@pytest.fixture
def pages_runner(app: LianpingApp) -> Iterator[None]:
    handle = start_projections_in_background(
        app, names=["finding", "rectification"], config=FAST)
    try:
        yield
    finally:
        handle.stop()


def as_(api: Api, account_id: str) -> None:
    api.client.cookies.clear()
    given_password(api, account_id)
    sign_in(api.client, account_id)


def badges(api: Api, path: str, expected: int) -> list[tuple[str, str]]:
    """(light, label) of each light badge on the page, once ``expected`` of them show."""
    found: list[tuple[str, str]] = []

    def shown() -> bool:
        page = api.client.get(path)
        assert page.status_code == 200, page.text
        found[:] = re.findall(r'data-light="(\w+)"><span class="dot" aria-hidden="true"></span>'
                              r"(\w+)</span>", page.text)
        return len(found) >= expected

    assert poll_until(shown, 5.0), found
    return found


def plan_items(api: Api, days: tuple[int, ...]) -> None:
    api.cycle_in("rectifying")
    items = [{"item_id": f"I{n}", "problem_code": "P1", "measure": "措施", "owner": "责任人",
              "due_date": api.due(d)} for n, d in enumerate(days)]
    items.append({"item_id": "Z", "problem_code": "P2", "measure": "措施", "owner": "责任人",
                  "due_date": api.due(100)})
    api.world.run("sec-county-a", rectification.submit_plan, CYCLE, "county-a", items)
    api.world.run("organizer", rectification.approve_plan, CYCLE, "county-a")


def test_my_tasks_show_each_deadline_light(api: Api, monkeypatch: pytest.MonkeyPatch):
    plan_items(api, (2, 5))
    day = api.app.today() + timedelta(days=3)
    monkeypatch.setattr(api.app, "today", lambda: day)
    as_(api, "sec-county-a")

    assert badges(api, paths.HOME, 3) == [("red", "红灯"), ("yellow", "黄灯"), ("green", "绿灯")]


def test_the_rectification_board_shows_item_lights(api: Api, monkeypatch: pytest.MonkeyPatch):
    plan_items(api, (1, 30))
    day = api.app.today() + timedelta(days=2)
    monkeypatch.setattr(api.app, "today", lambda: day)
    as_(api, "organizer")

    assert badges(api, paths.board(CYCLE), 3) == [
        ("red", "红灯"), ("green", "绿灯"), ("green", "绿灯")]


def test_the_dashboard_shows_the_phase_deadline_light(api: Api):
    api.cycle_in("reporting")
    api.world.run("organizer", cycles.set_deadlines, CYCLE,
                  {"report_due": api.app.today() + timedelta(days=1)}, None)
    api.world.report(CYCLE, "county-b")
    as_(api, "organizer")

    assert badges(api, paths.cycle(CYCLE), 3) == [
        ("yellow", "黄灯"), ("green", "绿灯"), ("yellow", "黄灯")]


def test_the_supervision_board_shows_order_lights(api: Api):
    api.cycle_in("preparing")
    for days in (2, 20):
        api.world.run("inspector", supervision.issue_order, "county-a", None, "督办事项",
                      "请报告", (api.app.today() + timedelta(days=days)).isoformat())
    as_(api, "inspector")

    assert badges(api, paths.SUPERVISION, 2) == [("yellow", "黄灯"), ("green", "绿灯")]


def test_the_organizer_sets_warn_days_with_the_deadlines(api: Api):
    api.cycle_in("reporting")
    api.world.run("organizer", cycles.set_deadlines, CYCLE,
                  {"report_due": api.app.today() + timedelta(days=5)}, None)
    as_(api, "organizer")
    page = api.client.get(paths.cycle(CYCLE))
    assert 'name="warn_days"' in page.text and 'value="3"' in page.text
    token = csrf_of(page.text)
    due = (api.app.today() + timedelta(days=5)).isoformat()

    kept = api.client.post(paths.cycle_action(CYCLE, "deadlines"), data={
        "csrf_token": token, "report_due": due, "warn_days": "7"}, follow_redirects=False)
    bad = api.client.post(paths.cycle_action(CYCLE, "deadlines"), data={
        "csrf_token": token, "report_due": due, "warn_days": "99"}, follow_redirects=False)

    assert kept.status_code == 303 and bad.status_code == 303
    assert "预警天数" in unquote(bad.headers.get("set-cookie", ""))
    assert api.organizer.get(f"/cycles/{CYCLE}").json()["warn_days"] == 7
    assert badges(api, paths.cycle(CYCLE), 3) == [("yellow", "黄灯")] * 3
