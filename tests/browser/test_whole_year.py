"""One whole year through the console only, as the people of the demo city do it: the organizer
creates a cycle with its scheme, adds a participant and a panel member and opens the reports; the
secretary submits the report; the reviewer rates; the organizer scores, 定档 (the confirmation
shows the results), gives feedback and opens rectification; the secretary submits a plan, the
organizer approves it; the secretary reports progress and claims completion; the organizer
verifies (销号); the inspector opens the audit trail and presses 核验. Then next year: the
organizer creates it with this year as 上一周期, copies its participant and panel, adds a second
county, scores both and 定档; its 排名 counts this year's rectification (1 of 1 item verified:
100, weighted 0.2) and shows 榆次区 moved down from this year's first place. No API call, no
wait: every page after a write shows the write. With ``LIANPING_SCREENSHOTS=dir`` the key pages
are saved there at 390 and 1280 px wide, for a person to look at."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import open_page
from tests.browser.support import Watched, sign_in

pytestmark = pytest.mark.e2e

TITLE = "2027年度县（市、区）委书记抓基层党建工作述职评议考核（全流程）"
NEXT_TITLE = "2028年度县（市、区）委书记抓基层党建工作述职评议考核（全流程）"
ORG = "榆次区"
NEWCOMER = "太谷区"  # joins next year, absent this year
WIDE: ViewportSize = {"width": 1280, "height": 900}
NARROW: ViewportSize = {"width": 390, "height": 844}


class People:
    """One signed-in browser context per person, opened on first use."""

    def __init__(self, browser: Browser, base: str, watched: Watched, shots: Path | None) -> None:
        self.browser, self.base, self.watched, self.shots = browser, base, watched, shots
        self.pages: dict[str, Page] = {}

    def __call__(self, account: str) -> Page:
        if account not in self.pages:
            page = open_page(self.browser, self.base, self.watched, WIDE)
            sign_in(page, account)
            self.pages[account] = page
        return self.pages[account]

    def shoot(self, page: Page, name: str) -> None:
        if self.shots is None:
            return
        for size, viewport in (("1280", WIDE), ("390", NARROW)):
            page.set_viewport_size(viewport)
            page.screenshot(path=str(self.shots / f"{name}-{size}.png"), full_page=True)
        page.set_viewport_size(WIDE)

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture
def people(browser: Browser, base: str, watched: Watched):
    folder = os.environ.get("LIANPING_SCREENSHOTS")
    shots = Path(folder) if folder else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    found = People(browser, base, watched, shots)
    yield found
    found.close()
    assert watched.errors == []
    assert all(url.startswith(f"{base}/") for url in watched.requests)


def flash(page: Page, text: str) -> None:
    expect(page.get_by_role("status").first).to_have_text(text)


def advance(page: Page, cycle: str, phase: str) -> None:
    page.goto(cycle)
    page.get_by_role("link", name=f"推进到下一阶段（{phase}）").click()
    page.get_by_role("button", name="确认").click()
    flash(page, "阶段已变更")
    expect(page.locator(".page-head .badge")).to_have_text(phase)


def open_task(page: Page, kind: str, cycle: str) -> None:
    """From 我的待办, the task ``kind`` of this cycle (the page shows it at once)."""
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的待办").click()
    page.locator(f".task a[href^='{cycle}/']").filter(has_text=kind).first.click()


def new_cycle(people: People, title: str, year: int, previous: str | None = None) -> str:
    """新建考核周期 from the cycle list; the new cycle's path."""
    organizer = people("jz-zzb")
    organizer.get_by_role("link", name="考核周期", exact=True).click()
    organizer.get_by_role("link", name="新建考核周期").click()
    organizer.get_by_label("标题").fill(title)
    organizer.get_by_label("年度").fill(str(year))
    organizer.get_by_label("述职报告截止日期").fill((date.today() + timedelta(30)).isoformat())
    if previous:
        organizer.get_by_label("上一周期").select_option(label=previous)
    people.shoot(organizer, f"new-cycle-{year}")
    organizer.get_by_role("button", name="创建").click()
    flash(organizer, "考核周期已创建")
    return organizer.url.removeprefix(people.base)


def score_all(page: Page, manage: str, points: str) -> None:
    """Every indicator of one participant at ``points``, on its 管理 page."""
    page.goto(manage)
    forms = page.locator("form.score-form")
    for index in range(forms.count()):
        form = forms.nth(index)
        form.locator("input.points").fill(points)
        form.get_by_role("button", name="保存").click()
        flash(page, "评分已保存")


def finalize(people: People, cycle: str, org: str) -> None:
    """定档 from the cycle page, the confirmation showing ``org`` among the results."""
    page = people("jz-zzb")
    page.goto(cycle)
    page.get_by_role("link", name="定档").click()
    results = page.get_by_role("table", name="暂定结果")
    expect(results.get_by_role("cell", name=org, exact=True)).to_be_visible()
    people.shoot(page, f"finalize{cycle.replace('/', '-')}")
    page.get_by_role("button", name="确认定档").click()
    flash(page, "已定档")
    expect(page.get_by_role("cell", name=org, exact=True).first).to_be_visible()


def test_a_whole_year_runs_through_the_console(people: People):
    organizer = people("jz-zzb")
    cycle = new_cycle(people, TITLE, 2027)

    organizer.get_by_label("添加考核对象").select_option(label=ORG)
    organizer.get_by_role("button", name="添加考核对象").click()
    flash(organizer, "已添加考核对象")
    organizer.locator("#panel-account").fill("jz-pw01")
    organizer.get_by_role("button", name="添加评议人").click()
    expect(organizer.get_by_role("heading", name="评议人（1 人）")).to_be_visible()
    advance(organizer, cycle, "述职报告")

    secretary = people("jz-yc-sj")
    open_task(secretary, "提交述职报告", cycle)
    secretary.get_by_label("标题").fill("榆次区委书记2027年度抓基层党建工作述职报告")
    secretary.get_by_label("主要成效").fill("后进村整顿转化 12 个。")
    secretary.get_by_label("问题不足").fill("非公企业党建覆盖面不够。")
    secretary.get_by_label("下一步打算").fill("推进党建项目化。")
    secretary.get_by_role("button", name="提交").click()
    flash(secretary, "述职报告已提交")
    advance(organizer, cycle, "评议")

    reviewer = people("jz-pw01")
    open_task(reviewer, "评议", cycle)
    reviewer.get_by_label("较好", exact=True).check()
    reviewer.get_by_label("评议意见").fill("基层组织建设扎实。")
    people.shoot(reviewer, "rating")
    reviewer.get_by_role("button", name="提交").click()
    flash(reviewer, "评议已提交")

    manage = f"{cycle}/participants/jz-yc/manage"
    score_all(organizer, manage, "10")
    finalize(people, cycle, ORG)  # the only participant: first place this year

    organizer.goto(manage)
    organizer.get_by_label("反馈意见").fill("经市委研究，现将述职评议考核情况反馈如下。")
    organizer.get_by_label("问题描述 1", exact=True).fill("软弱涣散村党组织整顿不到位")
    organizer.get_by_role("button", name="发送反馈").click()
    flash(organizer, "书面反馈已发送")
    advance(organizer, cycle, "整改")

    open_task(secretary, "提交整改方案", cycle)
    secretary.locator("#problem_code-0").select_option("P1")
    secretary.locator("#measure-0").fill("逐村制定整顿方案，县级领导包村督导")
    secretary.locator("#owner-0").fill("县委组织部部长")
    secretary.locator("#due_date-0").fill((date.today() + timedelta(90)).isoformat())
    people.shoot(secretary, "plan")
    secretary.get_by_role("button", name="提交", exact=True).click()
    flash(secretary, "整改方案已提交")

    organizer.goto(manage)
    organizer.get_by_role("button", name="批准").click()
    flash(organizer, "整改方案已批准")

    open_task(secretary, "报告整改进展", cycle)
    secretary.get_by_label("进展情况").fill("已完成 8 个村的整顿。")
    secretary.get_by_label("完成进度（%）").fill("60")
    secretary.get_by_role("button", name="报告进展").click()
    flash(secretary, "整改进展已报告")
    secretary.get_by_label("销号佐证材料").fill("整顿台账及验收记录")
    secretary.get_by_role("button", name="申请销号").click()
    flash(secretary, "已申请销号")

    organizer.goto(manage)
    organizer.locator("details.item-tools summary").first.click()
    organizer.get_by_label("审核意见").fill("经核查，同意销号")
    organizer.get_by_role("button", name="销号审核").click()
    flash(organizer, "销号审核已保存")
    organizer.goto(f"{cycle}/board")
    expect(organizer.get_by_role("cell", name="已销号", exact=True)).to_be_visible()
    expect(organizer.get_by_role("row").filter(has_text=ORG).first).to_contain_text("100%")
    expect(organizer.get_by_role("heading", name="整改事项")).to_be_visible()
    organizer.goto("/cycles/jz-2025/board")  # the demo's previous year: overdue items in red
    late = organizer.locator("tr.overdue").filter(has_text="已逾期").filter(has_text=ORG)
    expect(late).to_have_count(2)  # P1 open, P2 claimed: both past their deadlines
    people.shoot(organizer, "board")

    inspector = people("jz-jw")
    inspector.get_by_role("navigation", name="主导航").get_by_role("link", name="审计日志").click()
    people.shoot(inspector, "audit")
    inspector.get_by_role("link", name="签名检查点与核验").click()
    inspector.get_by_role("button", name="核验").click()
    expect(inspector.get_by_role("status")).to_contain_text("核验通过")

    following = new_cycle(people, NEXT_TITLE, 2028, previous=f"{TITLE}（2027）")
    organizer.get_by_role("button", name="复制上年名单").click()
    flash(organizer, "已复制上年名单")
    expect(organizer.get_by_role("heading", name="评议人（1 人）")).to_be_visible()
    organizer.get_by_label("添加考核对象").select_option(label=NEWCOMER)
    organizer.get_by_role("button", name="添加考核对象").click()
    flash(organizer, "已添加考核对象")
    advance(organizer, following, "述职报告")
    advance(organizer, following, "评议")
    score_all(organizer, f"{following}/participants/jz-yc/manage", "10")  # 50 of 100
    score_all(organizer, f"{following}/participants/jz-tg/manage", "15")  # 75 of 100
    finalize(people, following, NEWCOMER)

    organizer.goto(following)
    organizer.get_by_role("link", name="排名", exact=True).click()
    expect(organizer.locator(".page-head .badge")).to_have_text(["已定档"])
    rows = organizer.locator("tbody tr")
    # No ratings this year: the review's weight is shared out. 榆次区: (0.4 × 50 + 0.2 × 100)
    # / 0.6 = 66.67 (50.00 without its rectification); 太谷区: no rectification to count,
    # 75.00 from its indicators alone, so first; 榆次区 second, down one from first (↓1).
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td")).to_have_text(
        ["1", NEWCOMER, "李志强", "75.00", "一般", "—", "—", "75.00", "—", "—"])
    expect(rows.nth(1).locator("td")).to_have_text(
        ["2", ORG, "王建国", "66.67", "一般", "—", "—", "50.00", "100.00", "↓1"])
    expect(rows.nth(1).locator(".down")).to_have_attribute("title", "上年第 1 名")
    people.shoot(organizer, "standings-next-year")
