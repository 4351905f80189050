"""The 大屏 hall screen in a real browser (Playwright driving Debian's Chromium) at 1920×1080,
against the real server: the organizer opens the screen, ballots are cast (one from a phone's
page, the rest through the API) and panel members rate, and the screen's 回收率 and progress
move without the page reloading; then the organizer presses 公布结果 on the 民主测评 page and
the screen shows the bars. A read-only link opens it without signing in, and nothing once
revoked. No request leaves this server; the browser console stays free of errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import chromium
from tests.e2e.conftest import Server

HALL = {"width": 1920, "height": 1080}
COUNTIES = {"hz-dc": "东城区", "hz-xc": "西城区", "hz-ns": "南山县", "hz-bh": "北湖县",
            "hz-qs": "青山县", "hz-bs": "白水县", "hz-qh": "清河县", "hz-sm": "石门县"}
CATEGORIES = [{"code": "committee", "name": "市委委员"},
              {"code": "department", "name": "部门负责人"},
              {"code": "delegate", "name": "党代表和群众代表"}]
COMMITTEE = ["hz-wy1", "hz-wy2", "hz-wy3", "hz-wy4"]
GRADES = ["good", "good", "fairly_good", "good", "average", "fairly_good", "good", "poor"]
PASSWORD = "组织部大屏演示-2026"
SCREENSHOT_DIR = Path(os.environ.get("LIANPING_SCREENSHOTS", "/tmp"))


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


class Hall:
    """A city's 民主测评 meeting through the API: eight counties reported, four committee
    members on the panel, codes issued to department heads and delegates."""

    def __init__(self, server: Server, cycle_id: str) -> None:
        self.server, self.cycle_id = server, cycle_id
        admin = server.client(server.admin_token)
        ok(admin.post("/organizations", json={"code": "hp", "name": "某省", "level": "province"}))
        ok(admin.post("/organizations", json={"code": "hz", "name": "某市", "level": "city",
                                              "parent_code": "hp"}))
        accounts = {"hz-zzb": ("市委组织部", "hz")}
        accounts |= {m: (f"市委委员{n}", "hz") for n, m in enumerate(COMMITTEE, 1)}
        for code, name in COUNTIES.items():
            ok(admin.post("/organizations", json={"code": code, "name": name, "level": "county",
                                                  "parent_code": "hz"}))
            accounts[f"{code}-sj"] = (f"{name}委书记", code)
        for account, (name, org) in accounts.items():
            ok(admin.post("/accounts", json={"account_id": account, "name": name,
                                             "org_code": org}))
        ok(admin.post("/accounts/hz-zzb/grants", json={"role": "organizer", "org_code": "hz"}))
        for code in COUNTIES:
            ok(admin.post(f"/accounts/{code}-sj/grants",
                          json={"role": "secretary", "org_code": code}))
        self.tokens = {a: ok(admin.post(f"/accounts/{a}/tokens", json={}))["token"]
                       for a in accounts}
        ok(admin.post("/accounts/hz-zzb/password", json={"password": "临时密码-0123456789"}))
        ok(self.api("hz-zzb").post("/me/password", json={
            "current_password": "临时密码-0123456789", "new_password": PASSWORD}))

    def api(self, account: str) -> httpx.Client:
        return self.server.client(self.tokens[account])

    def to_reviewing(self) -> dict[str, list[str]]:
        organizer, cid = self.api("hz-zzb"), self.cycle_id
        ok(organizer.post("/cycles", json={
            "cycle_id": cid, "organizer_org": "hz", "level": "county", "year": 2026,
            "title": "2026年度县（市、区）委书记抓基层党建工作述职评议"}))
        scheme = ok(organizer.get(f"/cycles/{cid}"))["scheme"]
        ok(organizer.post(f"/cycles/{cid}/scheme",
                          json={"scheme": {**scheme, "ballot_categories": CATEGORIES}}))
        for code in COUNTIES:
            ok(organizer.post(f"/cycles/{cid}/participants", json={"org_code": code}))
        for member in COMMITTEE:
            ok(organizer.post(f"/cycles/{cid}/panel",
                              json={"account_id": member, "category": "committee"}))
        ok(organizer.post(f"/cycles/{cid}/advance", json={"to": "reporting"}))
        for code in COUNTIES:
            ok(self.api(f"{code}-sj").post(f"/cycles/{cid}/participants/{code}/report", json={
                "title": "述职报告", "achievements": "成效", "problems": "问题",
                "plans": "打算"}))
        ok(organizer.post(f"/cycles/{cid}/advance", json={"to": "reviewing"}))
        return {category: ok(organizer.post(f"/cycles/{cid}/ballots", json={
            "category": category, "count": count}))["codes"]
            for category, count in (("department", 30), ("delegate", 40))}

    def cast(self, codes: list[str], shift: int = 0) -> None:
        with self.server.client() as anyone:
            for n, code in enumerate(codes):
                ratings = {org: GRADES[(n + i + shift) % len(GRADES)]
                           for i, org in enumerate(COUNTIES)}
                ok(anyone.post(f"/ballots/{code}", json={"ratings": ratings}))

    def panel_rates(self, member: str) -> None:
        for n, code in enumerate(COUNTIES):
            ok(self.api(member).post(f"/cycles/{self.cycle_id}/participants/{code}/reviews",
                                     json={"rating": GRADES[n]}))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def sign_in(page: Page, base: str, account: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("账号").fill(account)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_the_hall_screen_moves_live_and_shows_the_bars_once_revealed(
    server: Server, browser: Browser, request: pytest.FixtureRequest
) -> None:
    store = "postgres" if "postgres" in request.node.name else "sqlite"
    cid = f"hz-{store}-2026"
    hall = Hall(server, cid)
    codes = hall.to_reviewing()
    hall.cast(codes["department"][:12])
    context = browser.new_context(viewport=HALL, locale="zh-CN", base_url=server.base)
    screen = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    for page in (screen,):
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(screen, server.base, "hz-zzb")

    screen.goto(f"/screen/{cid}")
    department = screen.locator('.categories [data-category="department"]')
    delegate = screen.locator('.categories [data-category="delegate"]')
    expect(department.locator(".pct")).to_have_text("40.0%")
    expect(screen.locator('[data-bind="ballots.rate"]')).to_have_text("17.1%")  # 12 / 70
    expect(screen.locator('[data-bind="panel.recorded"]')).to_have_text("0")
    expect(screen.locator('[data-bind="panel.expected"]')).to_have_text("32")
    expect(screen.get_by_text("测评结果待公布")).to_be_visible()
    screen.evaluate("window.sameDocument = true")

    phone = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN",
                                is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{server.base}/b/{codes['delegate'][0]}")
    for name in COUNTIES.values():
        phone.get_by_role("group", name=name).get_by_label("好", exact=True).check()
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_role("status")).to_contain_text("您的评价已记录")
    phone.context.close()
    hall.cast(codes["department"][12:24], shift=1)
    hall.cast(codes["delegate"][1:30], shift=2)
    hall.panel_rates(COMMITTEE[0])
    hall.panel_rates(COMMITTEE[1])

    expect(department.locator(".pct")).to_have_text("80.0%", timeout=15000)
    expect(department.locator('[data-bind="cast"]')).to_have_text("24")
    expect(delegate.locator(".pct")).to_have_text("75.0%", timeout=15000)
    expect(screen.locator('[data-bind="ballots.rate"]')).to_have_text("77.1%")  # 54 / 70
    expect(screen.locator('[data-bind="panel.recorded"]')).to_have_text("16", timeout=15000)
    assert screen.evaluate("window.sameDocument") is True  # updated in place, never reloaded
    expect(screen.locator(".results")).to_have_count(0)
    screen.screenshot(path=str(SCREENSHOT_DIR / f"screen-1920-live-{store}.png"))

    console = context.new_page()
    console.goto(f"/cycles/{cid}/ballots")
    console.get_by_role("button", name="公布结果").click()
    expect(console.get_by_role("alert").first).to_contain_text("我已确认")  # unconfirmed: refused
    console.get_by_label("我已确认投票结束，公布各单位测评结果").check()
    console.get_by_role("button", name="公布结果").click()
    expect(console.get_by_text("结果已公布").first).to_be_visible()
    console.screenshot(path=str(SCREENSHOT_DIR / f"screen-console-{store}.png"), full_page=True)
    console.close()
    pocket = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                 base_url=server.base, storage_state=context.storage_state())
    phone_console = pocket.new_page()
    phone_console.goto(f"/cycles/{cid}/ballots")
    phone_console.get_by_role("button", name="生成只读链接").click()
    expect(phone_console.locator("#new-link")).to_contain_text(f"/screen/{cid}?k=")
    expect(phone_console.get_by_role("button", name="撤销")).to_have_count(1)
    phone_console.screenshot(path=str(SCREENSHOT_DIR / f"screen-console-390-{store}.png"),
                             full_page=True)
    phone_width = phone_console.evaluate("document.documentElement.scrollWidth")
    pocket.close()

    cards = screen.locator(".results li")
    expect(cards).to_have_count(len(COUNTIES), timeout=15000)
    tally = ok(hall.api("hz-zzb").get(f"/cycles/{cid}/screen"))["tally"]
    first = tally[0]
    card = screen.locator(f'.results [data-org="{first["org_code"]}"]')
    for grade in ("good", "fairly_good", "average", "poor"):
        expect(card.locator(f'[data-bind="{grade}"]')).to_have_text(str(first[grade]))
    assert sum(first[g] for g in ("good", "fairly_good", "average", "poor")) == 2 + 1 + 24 + 29
    screen.wait_for_timeout(2000)  # the bars grow in
    screen.screenshot(path=str(SCREENSHOT_DIR / f"screen-1920-revealed-{store}.png"))
    width = screen.evaluate("document.documentElement.scrollWidth")
    height = screen.evaluate("document.documentElement.scrollHeight")
    context.close()

    link = ok(hall.api("hz-zzb").post(f"/cycles/{cid}/screen-links"))
    wall = browser.new_context(viewport=HALL, locale="zh-CN").new_page()
    wall.on("request", lambda r: requests.append(r.url))
    wall.goto(f"{server.base}{link['path']}")
    expect(wall.locator(".results li")).to_have_count(len(COUNTIES))
    ok(hall.api("hz-zzb").post(f"/cycles/{cid}/screen-links/{link['link_id']}/revocation"))
    expect(wall.locator('[data-bind="status"]')).to_have_text("已暂停更新", timeout=15000)
    gone = wall.goto(f"{server.base}{link['path']}")
    assert gone is not None and gone.status == 404
    wall.context.close()

    assert (width, height) == (1920, 1080)  # one screen, nothing to scroll
    assert phone_width <= 390
    assert requests and all(url.startswith(server.base) for url in requests), requests
    assert all("status of 404" in p for p in problems), problems
