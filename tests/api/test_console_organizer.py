"""The organizer's console pages over HTTP, on SQLite and PostgreSQL: a bad scheme comes back
with its errors beside the fields and records nothing; 添加全部下级单位 adds every child org in
one command; a removal needs its reason; copying last year's list; deadlines; the rectification
board, flags, plan approval and 销号."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from api.console import paths
from application.app import Request
from application.usecases import cycle_reading, cycles, rectification
from tests.api.helpers import Api
from tests.api.test_console import csrf_of, given_password, main_text, sign_in
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)

pytestmark = [pytest.mark.usefixtures("cheap_hashes", "runners"),
              pytest.mark.read_models("finding", "rectification", "flags")]


def organizer(api: Api) -> str:
    """Signed in as the city's organizer; the page's CSRF token."""
    given_password(api, "organizer")
    sign_in(api.client, "organizer")
    return csrf_of(api.client.get("/").text)


def post(api: Api, path: str, **data: str):
    return api.client.post(path, data={"csrf_token": csrf_of(api.client.get("/").text), **data},
                           follow_redirects=False)


def flash(response) -> str:
    return unquote(response.headers.get("set-cookie", ""))


SCHEME_FORM = {
    "ind_code_0": "responsibility", "ind_name_0": "强化责任", "ind_max_0": "60",
    "ind_code_3": "training", "ind_name_3": "教育培训", "ind_max_3": "40",
    "weight_review": "0.5", "weight_indicators": "0.5", "weight_rectification": "0",
    "points_good": "100", "points_fairly_good": "80", "points_average": "60",
    "points_poor": "0",
    "threshold_good": "90", "threshold_fairly_good": "80", "threshold_average": "60",
    "sat_good": "0.9", "quota_good": "0.3",
}


class TestCreatingACycle:
    def test_a_bad_scheme_comes_back_with_its_errors_beside_the_fields(self, api: Api):
        organizer(api)
        before = api.position()

        page = post(api, paths.NEW_CYCLE, title="2027年度考核", year="2027",
                    organizer_org="city", **{**SCHEME_FORM, "ind_max_3": "十",
                                             "threshold_fairly_good": "95"})

        assert page.status_code == 422
        assert '<p class="field-error" id="ind_max_3-error">请填写数字</p>' in page.text
        assert 'id="threshold_fairly_good-error"' in page.text
        assert 'value="教育培训"' in page.text  # what was typed stays
        assert api.position() == before

    def test_a_custom_scheme_makes_the_cycle_with_blank_rows_ignored(self, api: Api):
        organizer(api)

        made = post(api, paths.NEW_CYCLE, title="2027年度考核", year="2027",
                    organizer_org="city", report_due="2027-12-20", **SCHEME_FORM)

        assert made.status_code == 303 and made.headers["location"] == "/cycles/city-2027"
        cycle = cycle_reading.get_cycle(api.app, Request(api.world.who("organizer")), "city-2027")
        assert [i["code"] for i in cycle["scheme"]["indicators"]] == ["responsibility",
                                                                        "training"]
        assert cycle["scheme"]["quota"] == {"good": "0.3"}
        assert cycle["level"] == "county" and cycle["deadlines"]["report_due"] == "2027-12-20"
        assert "考核周期已创建" in flash(made)


class TestParticipantsAndPanel:
    def test_all_child_orgs_are_added_in_one_event_and_a_removal_needs_its_reason(
        self, api: Api
    ):
        api.world.run("organizer", cycles.create_cycle, "city", "county", 2027, "2027年度考核",
                      "city-2027")
        organizer(api)
        page = api.client.get(paths.cycle("city-2027"))
        assert "添加全部下级单位" in main_text(page.text) and "复制上年名单" in page.text
        before = api.position()

        added = post(api, paths.cycle_action("city-2027", "participants/children"))
        again = post(api, paths.cycle_action("city-2027", "participants/children"))
        no_reason = post(api, paths.org_action("city-2027", "county-b", "removal"))
        removed = post(api, paths.org_action("city-2027", "county-b", "removal"),
                       reason="本年度单独考核")

        assert api.position() == before + 4  # three added in one command, one removed
        assert "已添加全部下级单位" in flash(added)
        assert "全部下级单位均已是考核对象" in flash(again)
        assert "请填写理由" in flash(no_reason)
        assert "已移除考核对象" in flash(removed)
        cycle = cycle_reading.get_cycle(api.app, Request(api.world.who("organizer")), "city-2027")
        assert cycle["participants"] == ["county-a", "county-c"]

    def test_copying_last_years_list_and_the_panel_and_deadlines(self, api: Api):
        api.cycle_in("preparing", "city-2026", 2026)
        api.world.run("organizer", cycles.create_cycle, "city", "county", 2027, "2027年度考核",
                      "city-2027", previous_cycle_id="city-2026")
        organizer(api)

        copied = post(api, paths.cycle_action("city-2027", "copy-from-previous"),
                      participants="1", panel="1")
        panel_add = post(api, paths.cycle_action("city-2027", "panel"), account_id="inspector")
        panel_off = post(api, paths.cycle_action("city-2027", "panel/inspector/removal"),
                         reason="误加")
        dates = post(api, paths.cycle_action("city-2027", "deadlines"),
                     report_due="2027-12-01", review_due="2027-11-01")

        assert "已复制上年名单" in flash(copied)
        assert "已添加评议人" in flash(panel_add) and "已移除评议人" in flash(panel_off)
        assert "截止时间顺序不正确" in flash(dates)
        cycle = cycle_reading.get_cycle(api.app, Request(api.world.who("organizer")), "city-2027")
        assert cycle["participants"] == ["county-a", "county-b", "county-c"]
        assert "inspector" not in cycle["panel"] and len(cycle["panel"]) > 0
        assert cycle["deadlines"] == {}


class TestPhasesAndRectification:
    def test_going_back_asks_for_a_reason_on_its_confirmation_page(self, api: Api):
        cycle_id = api.cycle_in("reporting")
        organizer(api)

        confirm = api.client.get(paths.with_query(paths.cycle_action(cycle_id, "advance"),
                                                  to="preparing"))
        refused = post(api, paths.cycle_action(cycle_id, "advance"), to="preparing")
        finalize = api.client.get(paths.finalize(cycle_id))
        score_task = api.client.get(paths.score(cycle_id, "county-a"), follow_redirects=False)

        assert confirm.status_code == 200 and "退回理由" in confirm.text
        assert "请填写理由" in flash(refused)
        assert finalize.status_code == 200 and "暂定结果" in finalize.text
        assert "当前阶段不能进行此操作" in main_text(finalize.text)  # not yet in 评议
        assert score_task.headers["location"] == paths.manage(cycle_id, "county-a") + "#scoring"

    def test_the_board_flags_plan_approval_and_item_verification(self, api: Api):
        cycle_id = api.cycle_in("rectifying")
        due = api.due(30)
        api.world.run("sec-county-a", rectification.submit_plan, cycle_id, "county-a", [
            {"item_id": "I1", "problem_code": "P1", "measure": "整顿软弱涣散村",
             "owner": "张三", "due_date": due},
            {"item_id": "I2", "problem_code": "P2", "measure": "落实经费", "owner": "李四",
             "due_date": due},
        ])
        organizer(api)

        approved = post(api, paths.org_action(cycle_id, "county-a", "plan/approval"))
        api.world.run("sec-county-a", rectification.claim_completion, cycle_id, "county-a",
                      "I1", "已整顿完毕")
        verified = post(api, paths.org_action(cycle_id, "county-a",
                                              "plan/items/I1/verification"),
                        accepted="yes", note="核实通过")
        extended = post(api, paths.org_action(cycle_id, "county-a",
                                              "plan/items/I2/extension"),
                        due_date=api.due(60), reason="资金下达推迟")
        manage = api.client.get(paths.manage(cycle_id, "county-a"))
        board = api.client.get(paths.board(cycle_id))
        flags = api.client.get(paths.flags(cycle_id))

        assert "整改方案已批准" in flash(approved)
        assert "销号审核已保存" in flash(verified) and "已延期" in flash(extended)
        assert manage.status_code == 200 and "已销号" in main_text(manage.text)
        assert board.status_code == 200 and "1/2" in main_text(board.text)
        assert flags.status_code == 200
        assert "整改台账" in board.text and "督查提示" in flags.text
