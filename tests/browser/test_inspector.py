"""An inspector's flow in the console: 审计日志 filtered by event type, one event with its data,
position and hash, a 督查记录 added to it, an item's history with two versions side by side, and
the **核验** button answering 核验通过."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import sign_in

pytestmark = pytest.mark.e2e



def test_an_inspector_filters_the_trail_opens_an_event_and_verifies_the_chain(page: Page):
    sign_in(page, "jz-jw")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="审计日志").click()
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    for column in ("位置", "记录时间", "事件类型", "操作人", "理由"):
        expect(page.get_by_role("columnheader", name=column, exact=True)).to_be_visible()

    page.get_by_label("事件类型").select_option(label="提交述职报告")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(22)  # 11 reports in each of the two demo years
    types = rows.locator("td:nth-child(3)").all_inner_texts()
    assert set(types) == {"提交述职报告"}
    for name in ("JSONL", "CSV"):
        expect(page.get_by_role("link", name=name)).to_have_attribute(
            "href", re.compile(r"^/audit/export\?format=.*type=lianping"))

    first = rows.first.get_by_role("link").first
    position = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", name=f"事件 {position}")).to_be_visible()
    expect(page.locator("#event-position")).to_have_text(position)
    expect(page.locator("#event-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(page.get_by_text('"title":')).to_be_visible()  # the event's data

    page.get_by_label("记录内容").fill("核查该报告的提交时间")
    page.get_by_role("button", name="添加督查记录").click()
    expect(page.get_by_role("status")).to_have_text("督查记录已保存")
    expect(page.get_by_text("核查该报告的提交时间")).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Report v1$")).click()
    expect(page.get_by_role("heading", name="变更历史")).to_be_visible()
    compare = page.get_by_role("region", name="版本对照")
    expect(compare.get_by_role("columnheader")).to_have_count(3)
    expect(compare.get_by_role("rowheader", name="标题")).to_be_visible()

    page.get_by_role("link", name="审计日志", exact=True).first.click()
    page.get_by_role("link", name="签名检查点与核验").click()
    page.get_by_role("button", name="核验").click()
    expect(page.get_by_role("status")).to_contain_text("核验通过")
