"""督查督办 in the browser (the demo city): the city's 纪委监委督查室 (jz-jw) issues a 督办 to
榆次区 from the board, 榆次区's secretary answers it from 我的待办, and the inspector closes it
(通过); the board then shows it 已办结. With LIANPING_SHOTS=DIR the board is also saved at 375
and 1366 px for a person to look at."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.support import sign_in

pytestmark = pytest.mark.e2e

SUBJECT = "软弱涣散村党组织整顿督办"


def nav(page: Page):
    return page.get_by_role("navigation", name="主导航").get_by_role("link", name="督查督办")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def test_an_inspector_issues_an_order_and_closes_it_after_the_answer(page: Page):
    sign_in(page, "jz-jw")
    nav(page).click()
    expect(page.get_by_role("heading", name="督查督办")).to_be_visible()
    issue = page.locator("#issue")
    issue.get_by_label("督办单位").select_option(label="榆次区")
    issue.get_by_label("办理时限").fill((date.today() + timedelta(days=20)).isoformat())
    issue.get_by_label("事项").fill(SUBJECT)
    issue.get_by_label("要求").fill("请于时限内完成整顿并书面报告")
    issue.get_by_role("button", name="下发督办").click()
    expect(page.get_by_role("status")).to_have_text("督办已下发")
    expect(page.get_by_role("heading", name=SUBJECT)).to_be_visible()
    sign_out(page)

    sign_in(page, "jz-yc-sj")
    page.get_by_role("link", name="答复督办").first.click()
    expect(page.get_by_role("heading", name=SUBJECT)).to_be_visible()
    page.get_by_label("办理情况说明").fill("已完成整顿转化，书面报告已报送")
    page.get_by_role("button", name="报送办理情况").click()
    expect(page.get_by_role("status")).to_have_text("办理情况已报送")
    expect(page.get_by_role("button", name="通过")).to_have_count(0)
    sign_out(page)

    sign_in(page, "jz-jw")
    nav(page).click()
    page.get_by_role("link", name=SUBJECT).click()
    expect(page.get_by_text("已完成整顿转化，书面报告已报送")).to_be_visible()
    page.get_by_role("button", name="通过").click()
    expect(page.get_by_role("status")).to_have_text("督办已办结")
    nav(page).click()
    row = page.locator("tr").filter(has=page.get_by_role("link", name=SUBJECT))
    expect(row.get_by_text("已办结")).to_be_visible()

    shots = os.environ.get("LIANPING_SHOTS")
    if shots:
        for viewport, suffix in ((DESKTOP, "1366"), (PHONE, "375")):
            page.set_viewport_size(viewport)
            page.screenshot(path=str(Path(shots) / f"supervision-{suffix}.png"), full_page=True)
