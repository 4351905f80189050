"""考核周期 and 排名 in the console: an inspector finds a cycle by its title, opens its standings
by the link 排名, reads the table and the charts, and looks at them as of an earlier moment."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import sign_in

pytestmark = pytest.mark.e2e

TITLE = "2026年度县（市、区）委书记抓基层党建工作述职评议考核"


def test_an_inspector_reads_the_standings_now_and_as_of_an_earlier_moment(page: Page):
    sign_in(page, "jz-jw")
    page.get_by_role("link", name="考核周期", exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row).to_contain_text("评议")  # the phase, in Chinese
    page.get_by_role("link", name=TITLE).click()

    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    for column in ("单位", "述职报告", "评议", "评分", "整改方案"):
        expect(page.get_by_role("columnheader", name=column, exact=True)).to_be_visible()
    page.get_by_role("link", name="排名", exact=True).click()

    for column in ("排名", "单位", "总分", "等次"):
        expect(page.get_by_role("columnheader", name=column, exact=True)).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(11)
    expect(page.get_by_role("img", name="各单位总分")).to_be_visible()
    expect(page.get_by_role("img", name="等次分布")).to_be_visible()
    assert page.locator("svg rect").count() >= 11 + 4
    first_total = float(rows.first.locator("td").nth(3).inner_text())
    second_total = float(rows.nth(1).locator("td").nth(3).inner_text())
    assert first_total >= second_total

    page.get_by_label("截至时间").fill("2020-01-01T08:00")
    page.get_by_role("button", name="查看").click()

    expect(page.get_by_text("截至 2020-01-01 08:00")).to_be_visible()
    expect(page.get_by_text("暂无结果")).to_be_visible()  # the cycle did not exist yet
    page.get_by_role("link", name="当前").click()
    expect(page.locator("tbody tr")).to_have_count(11)


def test_a_reviewer_finds_no_standings_link_and_is_refused_them_in_chinese(page: Page, watched):
    watched.expect_status(403)
    sign_in(page, "jz-pw05")
    page.goto("/cycles/jz-2026")

    expect(page.get_by_role("link", name="参加评议")).to_be_visible()
    expect(page.get_by_role("link", name="排名", exact=True)).to_have_count(0)
    response = page.goto("/cycles/jz-2026/standings")

    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("只有考核组织者和督查人员可以查看")
