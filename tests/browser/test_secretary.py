"""A secretary's flow in the console: 我的待办 leads to the 述职报告 form; the report is listed as
第 1 版; once the organizer returns it (through the JSON API, with a token the admin issued in
the console), the secretary sees the reason and resubmits it as 第 2 版."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, assert_stayed_home, open_page
from tests.browser.support import Watched, sign_in

pytestmark = pytest.mark.e2e

CYCLE = "jz-2027"
TITLE = "2027年度县（市、区）委书记抓基层党建工作述职评议考核"
REASON = "主要成效缺少数据支撑，请补充后重新提交"


def organizer_token(browser: Browser, base: str) -> str:
    """The admin issues a token for the organizer on the account page (shown once)."""
    watched = Watched()
    page = open_page(browser, base, watched, DESKTOP)
    sign_in(page, "admin")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="系统管理").click()
    page.get_by_role("link", name="jz-zzb", exact=True).click()
    page.get_by_role("button", name="签发令牌").click()
    expect(page.get_by_text("令牌只显示这一次")).to_be_visible()
    token = page.locator("#new-token").inner_text().strip()
    page.context.close()
    assert_stayed_home(base, watched)
    return token


def test_a_secretary_submits_a_report_then_resubmits_it_with_the_reason_in_view(
    page: Page, browser: Browser, base: str,
):
    api = httpx.Client(base_url=f"{base}/api/v1", headers={
        "Authorization": f"Bearer {organizer_token(browser, base)}"}, timeout=30)
    for path, body in (
        ("/cycles", {"cycle_id": CYCLE, "organizer_org": "jz", "level": "county", "year": 2027,
                     "title": TITLE}),
        (f"/cycles/{CYCLE}/participants", {"org_code": "jz-yc"}),
        (f"/cycles/{CYCLE}/advance", {"to": "reporting"}),
    ):
        assert api.post(path, json=body).status_code in (200, 201), path

    sign_in(page, "jz-yc-sj")
    # 我的待办 waits for its read model: the writes just made through the API are on it
    page.get_by_role("link", name="提交述职报告").filter(has_text="榆次区").and_(
        page.locator("a[href*='/cycles/jz-2027/']")).click()

    expect(page.get_by_role("heading", name="述职报告", exact=True)).to_be_visible()
    expect(page).to_have_url(f"{base}/cycles/{CYCLE}/participants/jz-yc/report")
    page.get_by_label("标题").fill("榆次区委书记2027年度抓基层党建工作述职报告")
    page.get_by_label("主要成效").fill("后进村整顿转化 12 个。\n新建党群服务中心 3 个。")
    page.get_by_label("问题不足").fill("非公企业党建覆盖面不够。")
    page.get_by_label("下一步打算").fill("推进党建项目化、信息化。")
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("status")).to_have_text("述职报告已提交")
    versions = page.get_by_role("region", name=None).locator("tbody tr")
    expect(versions).to_have_count(1)
    expect(versions.first).to_contain_text("第 1 版")
    expect(versions.first).to_contain_text("已提交")

    returned = api.post(f"/cycles/{CYCLE}/participants/jz-yc/report/return",
                        json={"reason": REASON})
    assert returned.status_code == 200

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的待办").click()
    page.get_by_role("link", name="修改后重新提交述职报告").filter(has_text="榆次区").and_(
        page.locator("a[href*='/cycles/jz-2027/']")).click()
    expect(page.locator("#return-reason")).to_contain_text(REASON)
    expect(page.locator("#report-status")).to_have_text("第 1 版 · 已退回修改")
    expect(page.get_by_label("问题不足")).to_have_value("非公企业党建覆盖面不够。")
    page.get_by_label("主要成效").fill("后进村整顿转化 12 个，较上年增加 4 个。")
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("status")).to_have_text("述职报告已提交")
    expect(page.locator("#report-status")).to_have_text("第 2 版 · 已提交")
    expect(versions).to_have_count(2)
    expect(versions.nth(1)).to_contain_text(REASON)
    expect(page.locator("#return-reason")).to_have_count(0)


def test_a_secretary_reads_the_anonymised_reviews_and_reports_progress(page: Page):
    sign_in(page, "jz-yc-sj")
    page.get_by_role("link", name="报告整改进展").first.click()
    expect(page.get_by_role("heading", name="整改事项", exact=False)).to_be_visible()
    page.get_by_label("进展情况").fill("已完成 5 个村的整顿")
    page.get_by_label("完成进度（%）").fill("40")
    page.get_by_role("button", name="报告进展").click()
    expect(page.get_by_role("status")).to_have_text("整改进展已报告")
    expect(page.get_by_text("40%", exact=True)).to_be_visible()

    page.get_by_role("link", name="整改方案", exact=True).last.click()
    page.get_by_role("link", name="结果与反馈").click()
    expect(page.get_by_role("heading", name="书面反馈")).to_be_visible()
    reviewers = page.get_by_role("row").filter(has_text="评议人")
    assert reviewers.count() >= 2
    expect(page.get_by_role("cell", name="评议人1", exact=True)).to_be_visible()
    expect(page.get_by_text("jz-pw01")).to_have_count(0)
