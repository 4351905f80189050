"""模拟测评（演练） in the console: the organizer (jz-zzb) ticks 模拟测评（演练） on the create
form; the cycle carries the 演练 badge on its page, in the 考核周期 list, on the standings and on
the county secretary's 我的待办 rows; 结束演练 with a reason closes it and its tasks go."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, open_page
from tests.browser.support import Watched, sign_in

pytestmark = pytest.mark.e2e

TITLE = "2026年度述职评议模拟测评"
SHOTS = Path(os.environ.get("LIANPING_SCREENSHOTS", "/tmp/lianping-rehearsal-shots"))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def badge(page: Page) -> str:
    return page.locator(".page-head .badge.rehearsal").inner_text()


def test_a_rehearsal_is_marked_everywhere_and_ended_with_a_reason(
    page: Page, browser: Browser, base: str, watched: Watched
):
    sign_in(page, "jz-zzb")
    page.get_by_role("link", name="考核周期", exact=True).click()
    page.get_by_role("link", name="新建考核周期").click()
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("年度").fill("2026")
    page.get_by_label("模拟测评（演练）").check()
    shot(page, "create-form-1366")
    page.get_by_role("button", name="创建").click()

    expect(page.get_by_role("status")).to_have_text("考核周期已创建")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    assert badge(page) == "演练"
    expect(page.get_by_text("本周期为模拟测评（演练）")).to_be_visible()
    page.get_by_role("button", name="添加全部下级单位").click()
    expect(page.get_by_role("status")).to_have_text("已添加全部下级单位")
    page.get_by_role("link", name="推进到下一阶段（述职报告）").click()
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_role("status")).to_have_text("阶段已变更")
    cycle_url = page.url
    shot(page, "cycle-1366")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="考核周期").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row.locator(".badge.rehearsal")).to_have_text("演练")
    real = page.get_by_role("row").filter(
        has=page.get_by_role("link", name="2026年度县（市、区）委书记抓基层党建工作述职评议考核"))
    expect(real.locator(".badge.rehearsal")).to_have_count(0)
    shot(page, "cycle-list-1366")

    page.goto(cycle_url)
    page.get_by_role("link", name="排名").click()
    assert badge(page) == "演练"
    shot(page, "standings-1366")

    secretary = open_page(browser, base, watched, PHONE)
    sign_in(secretary, "jz-yc-sj")
    task = secretary.locator("li.task").filter(has_text=TITLE)
    expect(task).to_have_count(1)
    expect(task.locator(".badge.rehearsal")).to_have_text("演练")
    expect(task.locator(".task-kind")).to_have_text("提交述职报告")
    shot(secretary, "tasks-375")

    page.goto(cycle_url)
    page.get_by_text("结束演练", exact=True).first.click()
    page.get_by_label("结束原因").fill("演练完毕，转入正式测评")
    page.locator("details.removal[open]").get_by_role("button", name="结束演练").click()
    expect(page.get_by_role("status")).to_have_text("演练已结束")
    assert badge(page) == "演练已结束"
    expect(page.locator(".page-head .badge.phase")).to_have_text("已关闭")
    expect(page.get_by_text("原因：演练完毕，转入正式测评")).to_be_visible()
    shot(page, "ended-1366")

    secretary.reload()
    expect(secretary.locator("li.task").filter(has_text=TITLE)).to_have_count(0)
    secretary.goto(cycle_url.removeprefix(base))
    expect(secretary.locator(".page-head .badge.rehearsal")).to_have_text("演练已结束")
    shot(secretary, "ended-375")
    secretary.context.close()
