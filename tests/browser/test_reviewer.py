"""A reviewer's flow in the console: from 我的待办 to the rating form, 已评 n/N goes up, and an
amendment asks for a reason."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import rated_count, sign_in

pytestmark = pytest.mark.e2e


def test_a_reviewer_rates_a_participant_and_sees_the_rated_count_go_up(page: Page):
    sign_in(page, "jz-pw01")
    page.get_by_role("link", name="考核周期", exact=True).click()
    page.get_by_role("link", name="2026年度县（市、区）委书记抓基层党建工作述职评议考核").click()
    page.get_by_role("link", name="参加评议").click()
    rated, expected = rated_count(page)
    assert rated < expected

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的待办").click()
    tasks = page.locator(".task a")
    count = tasks.count()
    assert count == expected - rated
    first = tasks.first
    org = first.locator(".task-org").inner_text()
    first.click()

    expect(page.get_by_role("heading", name=f"评议 {org}")).to_be_visible()
    expect(page.get_by_text("主要成绩")).to_be_visible()  # the report is there to read
    for label in ("好", "较好", "一般", "差"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    page.get_by_label("较好", exact=True).check()
    page.get_by_label("评议意见").fill("基层组织建设扎实，创新不足。")
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("status")).to_have_text("评议已提交")
    assert rated_count(page) == (rated + 1, expected)
    done = page.get_by_role("row").filter(has_text=org)
    expect(done).to_contain_text("较好")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的待办").click()
    expect(page.locator(".task a")).to_have_count(count - 1)


def test_an_amendment_asks_for_a_reason(page: Page):
    sign_in(page, "jz-pw03")
    page.goto("/cycles/jz-2026/review")
    rated, expected = rated_count(page)
    page.get_by_role("link", name="修改").first.click()

    reason = page.get_by_label("修改理由")
    expect(reason).to_be_visible()
    page.get_by_label("差", exact=True).check()
    page.get_by_role("button", name="提交").click()  # the browser keeps it: a reason is required
    assert reason.evaluate("field => field.validity.valueMissing") is True

    reason.fill("复核述职材料后调整")
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("status")).to_have_text("评议已修改")
    assert rated_count(page) == (rated, expected)
