"""The organizer's flow in the console (组织部 jz-zzb of the demo city): create a cycle with a
custom scheme (errors shown beside the fields), add all child orgs, remove one with a reason,
advance to reporting; on the demo's cycle in 评议: score a participant, 定档 after the
confirmation with the provisional results, issue feedback with its problem list, and see the
standings with 排名."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import Watched, sign_in

pytestmark = pytest.mark.e2e

TITLE = "2027年度县（市、区）委书记抓基层党建工作述职评议考核"
DEMO_CYCLE = "2026年度县（市、区）委书记抓基层党建工作述职评议考核"


def flash(page: Page) -> str:
    return page.get_by_role("status").first.inner_text()


def test_an_organizer_creates_a_cycle_adds_the_child_orgs_and_advances(
    page: Page, watched: Watched
):
    watched.expect_status(422)  # the mistyped points come back with the form
    sign_in(page, "jz-zzb")
    page.get_by_role("link", name="考核周期", exact=True).click()
    page.get_by_role("link", name="新建考核周期").click()
    expect(page.get_by_role("heading", name="新建考核周期")).to_be_visible()

    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("年度").fill("2027")
    page.get_by_label("上一周期").select_option("jz-2026")
    page.get_by_label("述职报告截止日期").fill("2027-12-20")
    # a sixth indicator of our own, its points mistyped first
    page.get_by_label("指标代码 6", exact=True).fill("training")
    page.get_by_label("指标名称 6", exact=True).fill("教育培训（党校轮训）")
    page.get_by_label("分值 6", exact=True).fill("十分")
    page.get_by_label("考核指标权重").fill("0.3")
    page.get_by_label("民主评议权重").fill("0.5")
    page.get_by_role("button", name="创建").click()

    expect(page.locator("#ind_max_5-error")).to_have_text("请填写数字")
    expect(page.get_by_label("指标名称 6", exact=True)).to_have_value("教育培训（党校轮训）")
    page.get_by_label("分值 6", exact=True).fill("10")
    page.get_by_role("button", name="创建").click()

    expect(page.get_by_role("status")).to_have_text("考核周期已创建")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_role("cell", name="教育培训（党校轮训）")).to_be_visible()
    expect(page.locator(".facts").get_by_text("50%")).to_be_visible()  # 民主评议 0.5

    page.get_by_role("button", name="添加全部下级单位").click()
    expect(page.get_by_role("status")).to_have_text("已添加全部下级单位")
    participants = page.locator("section").filter(
        has=page.get_by_role("heading", name="考核对象", exact=True)).last.locator("tbody tr")
    added = participants.count()
    assert added >= 10

    page.get_by_text("移除 榆次区").click()
    page.get_by_label("移除理由（榆次区）").fill("榆次区本年度单独考核")
    page.locator("details.removal[open]").get_by_role("button", name="移除").click()
    expect(page.get_by_role("status")).to_have_text("已移除考核对象")
    expect(participants).to_have_count(added - 1)
    expect(page.get_by_role("link", name="榆次区")).to_have_count(0)

    page.get_by_role("link", name="推进到下一阶段（述职报告）").click()
    expect(page.get_by_text("由「准备」推进到「述职报告」")).to_be_visible()
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_role("status")).to_have_text("阶段已变更")
    expect(page.locator(".page-head .badge")).to_have_text("述职报告")


def test_an_organizer_scores_finalizes_after_the_confirmation_and_gives_feedback(page: Page):
    sign_in(page, "jz-zzb")
    page.get_by_role("link", name="考核周期", exact=True).click()
    page.get_by_role("link", name=DEMO_CYCLE).click()
    board = page.locator("section").filter(
        has=page.get_by_role("heading", name="考核对象", exact=True)).last
    board.get_by_role("link").first.click()
    org = page.get_by_role("heading", level=1).inner_text().removeprefix("考核 ")

    points = page.get_by_label("强化责任（履行第一责任人职责） 得分")
    points.fill("18.5")
    reason = page.get_by_label("强化责任（履行第一责任人职责） 修改理由")
    if reason.count():
        reason.fill("复核台账后调整")
    points.locator("xpath=ancestor::form").get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_have_text("评分已保存")
    expect(points).to_have_value("18.5")

    page.get_by_role("link", name=DEMO_CYCLE).click()
    page.get_by_role("link", name="定档").click()
    expect(page.get_by_role("heading", name="定档")).to_be_visible()
    results = page.get_by_role("table", name="暂定结果")
    for header in ("排名", "单位", "总分", "等次"):
        expect(results.get_by_role("columnheader", name=header, exact=True)).to_be_visible()
    assert results.locator("tbody tr").count() >= 10
    page.get_by_role("button", name="确认定档").click()

    expect(page.get_by_role("status")).to_have_text("已定档")
    expect(page.get_by_role("columnheader", name="排名", exact=True).first).to_be_visible()
    expect(page.get_by_role("cell", name=org, exact=True).first).to_be_visible()

    page.goto(page.url.removesuffix("/standings"))
    board.get_by_role("link", name=org, exact=True).click()
    page.get_by_label("反馈意见").fill("经市委研究，现将述职评议考核情况反馈如下。")
    page.get_by_label("问题描述 1", exact=True).fill("软弱涣散村党组织整顿不到位")
    page.get_by_label("问题编号 2", exact=True).fill("P2")
    page.get_by_label("问题描述 2", exact=True).fill("党建经费保障不足")
    page.get_by_role("button", name="发送反馈").click()
    expect(page.get_by_role("status")).to_have_text("书面反馈已发送")
    expect(page.get_by_role("cell", name="党建经费保障不足")).to_be_visible()
