"""督查督办 in the console over HTTP, on SQLite and PostgreSQL: an inspector issues an order from
the board, the county's secretary answers it from 我的待办's link, the inspector sends it back
with a note and closes it after the second answer; CSRF is required and a secretary cannot
close; coverage, talks and a person's record pages."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest

from api.console import paths
from tests.api.helpers import CYCLE, Api
from tests.api.test_console import csrf_of, given_password, main_text, sign_in
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)

pytestmark = [pytest.mark.usefixtures("cheap_hashes", "runners"),
              pytest.mark.read_models("finding", "records")]


def as_(api: Api, account_id: str) -> None:
    api.client.cookies.clear()
    given_password(api, account_id)
    sign_in(api.client, account_id)


def post(api: Api, path: str, **data: str):
    return api.client.post(path, data={"csrf_token": csrf_of(api.client.get("/").text), **data},
                           follow_redirects=False)


def flash(response) -> str:
    return unquote(response.headers.get("set-cookie", ""))


def issue(api: Api) -> str:
    as_(api, "inspector")
    issued = post(api, paths.ORDERS, org_code="county-a", cycle_id="", subject="整改事项逾期督办",
                  requirement="请于期限内完成整改并书面报告", due_date=api.due(10))
    assert issued.status_code == 303, issued.text
    assert "督办已下发" in flash(issued)
    return issued.headers["location"].rsplit("/", 1)[1]


class TestOrders:
    def test_issue_answer_send_back_answer_and_close_through_the_pages(self, api: Api):
        api.cycle_in("preparing")
        order_id = issue(api)
        board = api.client.get(paths.SUPERVISION)
        assert "督查督办" in board.text and "整改事项逾期督办" in main_text(board.text)
        assert "待办理" in main_text(board.text)

        as_(api, "sec-county-a")
        home = api.client.get("/")
        assert f'href="{paths.order(order_id)}"' in home.text  # 我的待办 → the order's page
        answered = post(api, paths.order_action(order_id, "response"), text="已完成整改")
        assert "办理情况已报送" in flash(answered)
        refused = post(api, paths.order_action(order_id, "closure"), accepted="yes")
        assert refused.status_code == 403  # a secretary cannot close

        as_(api, "inspector")
        page = api.client.get(paths.order(order_id))
        assert "已完成整改" in main_text(page.text) and "已报送" in main_text(page.text)
        no_note = post(api, paths.order_action(order_id, "closure"), accepted="no")
        assert '"kind":"error"' in flash(no_note)
        back = post(api, paths.order_action(order_id, "closure"), accepted="no",
                    note="材料不全，请补充")
        assert "督办已退回" in flash(back)

        as_(api, "sec-county-a")
        post(api, paths.order_action(order_id, "response"), text="已补充材料")
        as_(api, "inspector")
        closed = post(api, paths.order_action(order_id, "closure"), accepted="yes")
        assert "督办已办结" in flash(closed)
        listed = api.client.get(paths.with_query(paths.SUPERVISION, status="closed"))
        assert "已办结" in main_text(listed.text) and "整改事项逾期督办" in listed.text
        still_open = api.client.get(paths.with_query(paths.SUPERVISION, status="open"))
        assert "整改事项逾期督办" not in main_text(still_open.text)

    def test_a_post_without_its_csrf_token_changes_nothing(self, api: Api):
        api.cycle_in("preparing")
        as_(api, "inspector")
        before = api.position()

        refused = api.client.post(paths.ORDERS, data={
            "org_code": "county-a", "subject": "x", "requirement": "y",
            "due_date": api.due(10)}, follow_redirects=False)

        assert refused.status_code == 403
        assert api.position() == before

    def test_a_bad_issue_goes_back_to_the_board_with_the_reason(self, api: Api):
        api.cycle_in("preparing")
        as_(api, "inspector")
        before = api.position()

        past = post(api, paths.ORDERS, org_code="county-a", subject="x", requirement="y",
                    due_date=api.due(-1))
        missing = post(api, paths.ORDERS, org_code="county-a", subject="", requirement="y",
                       due_date=api.due(3))

        assert past.headers["location"] == paths.SUPERVISION and "error" in flash(past)
        assert "error" in flash(missing)
        assert api.position() == before

    def test_an_overdue_order_is_shown_in_red(self, api: Api, monkeypatch: pytest.MonkeyPatch):
        api.cycle_in("preparing")
        issue(api)
        later = api.app.today() + timedelta(days=30)
        monkeypatch.setattr(api.app, "today", lambda: later)

        board = api.client.get(paths.SUPERVISION)

        assert '<tr class="overdue">' in board.text and "已逾期" in board.text


class TestCoverageTalksAndRecord:
    def test_coverage_of_the_city_shows_each_county(self, api: Api):
        api.cycle_in("reporting")
        as_(api, "inspector")

        page = api.client.get(paths.coverage("city", 2026))

        assert page.status_code == 200
        assert main_text(page.text).count("未组织考核") == 3  # no county ran its own cycle
        assert "<meter" in page.text

    def test_the_organizer_schedules_and_records_a_talk(self, api: Api):
        api.cycle_in("reviewing")
        api.organizer.post(f"/cycles/{CYCLE}/finalize", {})
        as_(api, "organizer")
        url = paths.talks(CYCLE, "county-b")

        scheduled = post(api, url, scheduled_for=api.due(0), with_name="乙县书记",
                         reason="年度考核等次为差")
        page = api.client.get(url)
        talk_id = page.text.split(f"{url}/")[1].split("/record")[0]
        recorded = post(api, paths.talk_record(CYCLE, "county-b", talk_id),
                        held_on=api.due(0), held_by="组织部长", notes="指出问题，提出要求")

        assert "约谈已安排" in flash(scheduled)
        assert "约谈已记录" in flash(recorded)
        assert "已约谈" in main_text(api.client.get(url).text)

    def test_a_person_sees_their_own_record(self, api: Api):
        api.cycle_in("reviewing")
        as_(api, "sec-county-a")

        page = api.client.get(paths.person("sec-county-a"))  # waits for the record to catch up

        assert page.status_code == 200 and "考核档案" in page.text
        assert "2026" in main_text(page.text)


def test_the_order_page_is_refused_outside_the_scope(api: Api):
    api.cycle_in("preparing")
    order_id = issue(api)
    as_(api, "sec-county-b")

    page = api.client.get(paths.order(order_id))

    assert page.status_code == 403
    assert "整改事项逾期督办" not in page.text
