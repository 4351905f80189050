"""The secretary's, inspector's and admin's console pages over HTTP, on SQLite and PostgreSQL:
each write goes through the same use case as the JSON API; bad input is shown beside its field
(422) and records nothing; a page of another org or role is refused as a Chinese page."""

from __future__ import annotations

import pytest

from api.console import paths
from application.usecases import sessions
from tests.api.helpers import Api
from tests.api.test_console import csrf_of, given_password, main_text, sign_in
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)

pytestmark = [pytest.mark.usefixtures("cheap_hashes", "runners"),
              pytest.mark.read_models("finding", "audit")]

REPORT = {"title": "甲县书记述职报告", "achievements": "成效一\r\n成效二", "problems": "问题",
          "plans": "打算"}


def post(api: Api, path: str, data: dict[str, str]):
    token = csrf_of(api.client.get(paths.HOME).text)
    return api.client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


class TestSecretary:
    def test_the_report_form_refuses_an_empty_field_and_then_records_version_one(self, api: Api):
        cycle_id = api.cycle_in("reporting")
        given_password(api, "sec-county-a")
        sign_in(api.client, "sec-county-a")
        form = paths.report_form(cycle_id, "county-a")
        before = api.position()

        empty = post(api, form, {**REPORT, "title": "  "})
        unchanged = api.position()
        done = post(api, form, REPORT)
        page = api.client.get(done.headers["location"])

        assert empty.status_code == 422 and "必填" in main_text(empty.text)
        assert unchanged == before
        assert done.status_code == 303 and done.headers["location"] == form
        shown = main_text(page.text)
        assert "述职报告已提交" in shown and "第 1 版 · 已提交" in shown
        for label in ("标题", "主要成效", "问题不足", "下一步打算"):
            assert f">{label}<" in page.text
        report = api.organizer.get(f"/cycles/{cycle_id}/participants/county-a/report").json()
        assert report["achievements"] == "成效一\n成效二"  # CRLF from the browser, LF recorded

    def test_another_orgs_secretary_is_refused(self, api: Api):
        cycle_id = api.cycle_in("reporting")
        given_password(api, "sec-county-b")
        sign_in(api.client, "sec-county-b")

        page = api.client.get(paths.report_form(cycle_id, "county-a"))
        write = post(api, paths.report_form(cycle_id, "county-a"), REPORT)

        assert page.status_code == 403 and "只有本单位书记可以进行此操作" in main_text(page.text)
        assert write.status_code == 403

    def test_the_plan_editor_needs_every_problem_and_no_past_deadline(self, api: Api):
        cycle_id = api.cycle_in("rectifying")
        given_password(api, "sec-county-a")
        sign_in(api.client, "sec-county-a")
        editor = paths.plan_editor(cycle_id, "county-a")
        row = {"problem_code": "P1", "measure": "逐村整顿", "owner": "组织部长",
               "due_date": api.due()}
        before = api.position()

        missing = post(api, editor, {**row, "item_id": ""})
        past = post(api, editor, {"item_id": "", "problem_code": "P1", "measure": "逐村整顿",
                                  "owner": "组织部长", "due_date": "2020-01-01"})
        unchanged = api.position()
        token = csrf_of(api.client.get(editor).text)
        done = api.client.post(editor, data={  # the spare third row left empty
            "csrf_token": token, "item_id": ["", "", ""], "problem_code": ["P1", "P2", ""],
            "measure": ["逐村整顿", "列支经费", ""], "owner": ["组织部长", "财政局长", ""],
            "due_date": [api.due(), api.due(), ""],
        }, follow_redirects=False)

        assert missing.status_code == 422 and "每个问题至少对应一项措施" in main_text(missing.text)
        assert past.status_code == 422 and "时限不能早于今天" in main_text(past.text)
        assert unchanged == before
        assert done.status_code == 303
        plan = api.organizer.get(f"/cycles/{cycle_id}/participants/county-a").json()["plan"]
        assert plan["status"] == "submitted"
        assert [i["item_id"] for i in plan["items"]] == ["P1-1", "P2-1"]


class TestInspector:
    def test_the_trail_filters_by_type_and_the_chain_verifies(self, api: Api):
        cycle_id = api.cycle_in("reviewing")
        given_password(api, "inspector")
        sign_in(api.client, "inspector")

        url = paths.with_query(paths.AUDIT, cycle_id=cycle_id, type="lianping:Report.Submitted")
        trail = api.client.get(url)  # the page waits for the trail to reach every submission
        verified = post(api, paths.AUDIT_VERIFY, {})
        answer = api.client.get(verified.headers["location"])

        assert trail.status_code == 200
        assert trail.text.count('<td title="lianping:Report.Submitted">提交述职报告</td>') == 3
        assert trail.text.count("<td title=") == 3
        assert verified.status_code == 303
        assert "核验通过" in main_text(answer.text)

    def test_a_secretary_has_no_audit_trail(self, api: Api):
        api.cycle_in("reporting")
        given_password(api, "sec-county-a")
        sign_in(api.client, "sec-county-a")

        refused = api.client.get(paths.AUDIT)

        assert refused.status_code == 403 and "审计日志" in main_text(refused.text)


class TestAdmin:
    def test_an_account_opened_in_the_console_must_change_its_password(self, api: Api):
        given_password(api, "admin")
        sign_in(api.client, "admin")

        opened = post(api, paths.ADMIN_ACCOUNTS, {"account_id": "new-one", "name": "新同志",
                                                  "account_org": "city"})
        before = api.position()
        again = post(api, paths.ADMIN_ACCOUNTS, {"account_id": "new-one", "name": "新同志",
                                                 "account_org": "city"})
        short = post(api, paths.admin_account("new-one"), {"action": "password",
                                                           "password": "short"})
        unchanged = api.position()
        set_ = post(api, paths.admin_account("new-one"), {"action": "password",
                                                          "password": "初始密码-0123456789"})

        assert opened.status_code == 303 and opened.headers["location"] == \
            paths.admin_account("new-one")
        assert again.status_code == 422 and "该账号已存在" in main_text(again.text)
        assert short.status_code == 422 and "密码至少需要 10 个字符" in main_text(short.text)
        assert unchanged == before
        assert set_.status_code == 303
        session = sessions.sign_in(api.app, "new-one", "初始密码-0123456789", None)
        assert session.must_change_password is True

    def test_a_token_is_shown_once_and_grants_show_in_the_list(self, api: Api):
        given_password(api, "admin")
        sign_in(api.client, "admin")

        issued = post(api, paths.admin_account("inspector"), {"action": "token",
                                                              "expires_in_days": "7"})
        listed = api.client.get(paths.with_query(paths.ADMIN_ACCOUNTS, role="inspector"))
        again = api.client.get(paths.admin_account("inspector"))

        assert issued.status_code == 200 and "令牌只显示这一次" in main_text(issued.text)
        assert "令牌只显示这一次" not in main_text(again.text)
        rows = main_text(listed.text)
        assert "inspector" in rows and "督查（纪检、组织） @ city" in rows
        assert "sec-county-a" not in rows
