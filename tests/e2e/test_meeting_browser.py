"""Issue #17, done: a city rehearses its 民主测评 meeting, then holds the real one, in a real
browser (Playwright driving Debian's Chromium) against the real `lianping serve` process.

The organizer creates the rehearsal in the console (模拟测评（演练）), adds the counties there
and issues the codes on the 民主测评 page; the hall's 大屏 (1920×1080, opened through a
read-only link) shows 演练, and so does each phone's ballot (375 px); the phones cast and the
screen's 回收率 moves without reloading; the organizer reveals the tally, 定档 and ends the
rehearsal (结束演练, with a reason). Then the real cycle of the same year runs the same
meeting. The rehearsal's ballots (all 差) never reach the real screen, the standings, the
org's or the secretary's record, nor 一级抓一级 coverage. With ``LIANPING_SCREENSHOTS=dir``
both screens and a phone are saved there."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import chromium
from tests.e2e.conftest import Server

HALL = {"width": 1920, "height": 1080}
PHONE = {"width": 375, "height": 740}
DESK = {"width": 1280, "height": 900}
COUNTIES = {"mz-a": "东城区", "mz-b": "西城区", "mz-c": "南山县", "mz-d": "北湖县"}
COMMITTEE = ["mz-wy1", "mz-wy2"]
CATEGORIES = [{"code": "committee", "name": "市委委员"},
              {"code": "delegate", "name": "党代表和群众代表"}]
PASSWORD = "组织部测评会议-2026"
REHEARSAL_TITLE = "2026年度述职评议民主测评（模拟）"
REAL_TITLE = "2026年度县（市、区）委书记抓基层党建工作述职评议"


class City:
    """The directory through the API (an admin's token), and every API call after: each read
    waits for the last write (X-Min-Position)."""

    def __init__(self, server: Server) -> None:
        self.server, self.last = server, 0
        self.tokens = {"admin": server.admin_token}
        self.post("admin", "/organizations", {"code": "mp", "name": "某省", "level": "province"})
        self.post("admin", "/organizations", {"code": "mz", "name": "某市", "level": "city",
                                              "parent_code": "mp"})
        people = {"mz-zzb": ("市委组织部", "mz", "organizer", "mz"),
                  "mp-jw": ("省纪委监委", "mp", "inspector", "mp")}
        people |= {m: (f"市委委员{n}", "mz", None, None) for n, m in enumerate(COMMITTEE, 1)}
        for code, name in COUNTIES.items():
            self.post("admin", "/organizations", {"code": code, "name": name, "level": "county",
                                                  "parent_code": "mz"})
            people[f"{code}-sj"] = (f"{name}委书记", code, "secretary", code)
        for account, (name, org, role, scope) in people.items():
            self.post("admin", "/accounts", {"account_id": account, "name": name,
                                             "org_code": org})
            if role:
                self.post("admin", f"/accounts/{account}/grants",
                          {"role": role, "org_code": scope})
            self.tokens[account] = self.post("admin", f"/accounts/{account}/tokens", {})["token"]
        self.post("admin", "/organizations/mz-a/secretary",
                  {"name": "东城区委书记", "account_id": "mz-a-sj", "since": "2026-01-01"})
        self.post("admin", "/accounts/mz-zzb/password", {"password": "临时密码-0123456789"})
        self.post("mz-zzb", "/me/password", {"current_password": "临时密码-0123456789",
                                             "new_password": PASSWORD})

    def post(self, who: str, path: str, body: dict[str, Any]) -> Any:
        with self.server.client(self.tokens[who]) as client:
            response = client.post(path, json=body)
        assert response.status_code in (200, 201), (path, response.text)
        self.last = max(self.last, int(response.headers["X-Event-Position"]))
        return response.json()

    def get(self, who: str, path: str, **params: Any) -> Any:
        with self.server.client(self.tokens[who]) as client:
            response = client.get(path, params=params,
                                  headers={"X-Min-Position": str(self.last)})
        assert response.status_code == 200, (path, response.text)
        return response.json()

    def to_reviewing(self, cid: str) -> None:
        """Past the console's part of the setup: ballot categories, the panel, every report."""
        scheme = self.get("mz-zzb", f"/cycles/{cid}")["scheme"]
        self.post("mz-zzb", f"/cycles/{cid}/scheme",
                  {"scheme": {**scheme, "ballot_categories": CATEGORIES}})
        for member in COMMITTEE:
            self.post("mz-zzb", f"/cycles/{cid}/panel",
                      {"account_id": member, "category": "committee"})
        self.post("mz-zzb", f"/cycles/{cid}/advance", {"to": "reporting"})
        for code in COUNTIES:
            self.post(f"{code}-sj", f"/cycles/{cid}/participants/{code}/report", {
                "title": "述职报告", "achievements": "成效", "problems": "问题",
                "plans": "打算"})
        self.post("mz-zzb", f"/cycles/{cid}/advance", {"to": "reviewing"})


class Meeting:
    """One cycle's meeting in the browser: the organizer's console, the hall's screen, phones."""

    def __init__(self, city: City, browser: Browser, base: str, organizer: Page,
                 shots: Path | None, watched: list[str], problems: list[str]) -> None:
        self.city, self.browser, self.base = city, browser, base
        self.console, self.shots = organizer, shots
        self.watched, self.problems = watched, problems
        self.cid, self.path, self.rehearsal = "", "", False
        self.screen: Page | None = None

    def watch(self, page: Page) -> Page:
        page.on("request", lambda r: self.watched.append(r.url))
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        return page

    def create(self, title: str, rehearsal: bool) -> str:
        console, self.rehearsal = self.console, rehearsal
        console.goto("/cycles/new")
        console.get_by_label("标题").fill(title)
        console.get_by_label("年度").fill("2026")
        if rehearsal:
            console.get_by_label("模拟测评（演练）").check()
        console.get_by_role("button", name="创建").click()
        expect(console.get_by_role("status")).to_have_text("考核周期已创建")
        self.cid = console.url.rstrip("/").rsplit("/", 1)[1]
        console.get_by_role("button", name="添加全部下级单位").click()
        expect(console.get_by_role("status")).to_have_text("已添加全部下级单位")
        return self.cid

    def issue(self, count: int) -> list[str]:
        console = self.console
        console.goto(f"/cycles/{self.cid}/ballots")
        console.locator("select#category").select_option("delegate")  # 类别 (not the paper one)
        console.locator("input#count").fill(str(count))
        console.get_by_role("button", name="生成测评码").click()
        codes = console.locator("#issued ul.codes code").all_inner_texts()
        assert len(codes) == count
        return codes

    def open_screen(self) -> Page:
        """The hall's display opens a read-only link made on the 民主测评 page."""
        self.console.get_by_role("button", name="生成只读链接").click()
        link = self.console.locator("#new-link").inner_text().strip()
        self.path = link[link.index(f"/screen/{self.cid}?k="):]
        screen = self.screen = self.hall()
        # The panel's progress comes from a read model: once it has every participant, the
        # screen's shape stays put (a new shape would reload the page).
        self.city.get("mz-zzb", f"/cycles/{self.cid}/screen")
        screen.goto(f"{self.base}{self.path}")
        expect(screen.locator(".orgs li")).to_have_count(len(COUNTIES))
        screen.evaluate("window.sameDocument = true")
        return screen

    def hall(self) -> Page:
        return self.watch(self.browser.new_context(viewport=HALL, locale="zh-CN").new_page())

    def vote(self, code: str, grade: str, shot: str | None = None) -> None:
        """One phone: every county rated ``grade``, then 提交."""
        context = self.browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True,
                                           has_touch=True, device_scale_factor=2)
        phone = self.watch(context.new_page())
        phone.goto(f"{self.base}/b/{code}")
        expect(phone.get_by_role("note")).to_have_count(1 if self.rehearsal else 0)
        if self.rehearsal:
            expect(phone.get_by_role("note")).to_have_text("模拟测评（演练） · 结果不计入考核")
        for name in COUNTIES.values():
            phone.get_by_role("group", name=name).get_by_label(grade, exact=True).check()
        if shot:
            self.shoot(phone, shot)
        phone.get_by_role("button", name="提交").click()
        expect(phone.get_by_role("status")).to_contain_text("您的评价已记录")
        context.close()

    def returns(self, rate: str, cast: int, issued: int) -> None:
        assert self.screen is not None
        expect(self.screen.locator('[data-bind="ballots.rate"]')).to_have_text(
            rate, timeout=15000)
        expect(self.screen.locator('[data-bind="ballots.cast"]')).to_have_text(str(cast))
        expect(self.screen.locator('[data-bind="ballots.issued"]')).to_have_text(str(issued))

    def reveal(self) -> None:
        console = self.console
        console.goto(f"/cycles/{self.cid}/ballots")
        console.get_by_label("我已确认投票结束，公布各单位测评结果").check()
        console.get_by_role("button", name="公布结果").click()
        expect(console.get_by_text("结果已公布").first).to_be_visible()
        assert self.screen is not None
        expect(self.screen.locator(".results li")).to_have_count(len(COUNTIES), timeout=15000)

    def card(self, org_code: str) -> dict[str, int]:
        assert self.screen is not None
        card = self.screen.locator(f'.results [data-org="{org_code}"]')
        return {g: int(card.locator(f'[data-bind="{g}"]').inner_text())
                for g in ("good", "fairly_good", "average", "poor")}

    def shoot(self, page: Page, name: str) -> None:
        if self.shots is not None:
            page.screenshot(path=str(self.shots / f"{name}.png"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_a_rehearsed_meeting_then_the_real_one_with_phones_and_the_hall_screen(
    server: Server, browser: Browser, request: pytest.FixtureRequest
) -> None:
    store = "postgres" if "postgres" in request.node.name else "sqlite"
    folder = os.environ.get("LIANPING_SCREENSHOTS")
    shots = Path(folder) if folder else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    city = City(server)
    desk = browser.new_context(viewport=DESK, locale="zh-CN", base_url=server.base)
    requests: list[str] = []
    problems: list[str] = []
    meeting = Meeting(city, browser, server.base, desk.new_page(), shots, requests, problems)
    console = meeting.watch(meeting.console)
    console.goto("/login")
    console.get_by_label("账号").fill("mz-zzb")
    console.get_by_label("密码").fill(PASSWORD)
    console.get_by_role("button", name="登录").click()
    expect(console.get_by_role("link", name="考核周期", exact=True)).to_be_visible()

    # -- the rehearsal: six codes, four phones, every county rated 差 -------------------------
    rehearsal = meeting.create(REHEARSAL_TITLE, rehearsal=True)
    expect(console.locator(".page-head .badge.rehearsal")).to_have_text("演练")
    city.to_reviewing(rehearsal)
    codes = meeting.issue(6)
    expect(console.locator(".page-head .badge.rehearsal")).to_have_text("演练")
    screen = meeting.open_screen()
    expect(screen.locator(".rehearsal-mark")).to_have_text("演练")
    expect(screen.locator(".rehearsal-note")).to_contain_text("结果不计入考核")
    meeting.returns("0.0%", 0, 6)
    for n, code in enumerate(codes[:4]):
        meeting.vote(code, "差", shot=f"meeting-phone-375-{store}" if n == 0 else None)
    meeting.returns("66.7%", 4, 6)
    assert screen.evaluate("window.sameDocument") is True  # moved in place, never reloaded
    meeting.shoot(screen, f"meeting-rehearsal-live-1920-{store}")
    meeting.reveal()
    assert meeting.card("mz-a") == {"good": 0, "fairly_good": 0, "average": 0, "poor": 4}
    expect(screen.locator(".rehearsal-mark")).to_have_text("演练")
    meeting.shoot(screen, f"meeting-rehearsal-revealed-1920-{store}")
    assert city.get("mz-zzb", f"/cycles/{rehearsal}/screen")["rehearsal"] is True
    city.post("mz-zzb", f"/cycles/{rehearsal}/finalize", {})  # 定档, then ended all the same
    console.goto(f"/cycles/{rehearsal}")
    console.get_by_text("结束演练", exact=True).first.click()
    console.get_by_label("结束原因").fill("演练完毕，转入正式测评")
    console.locator("details.removal[open]").get_by_role("button", name="结束演练").click()
    expect(console.get_by_role("status")).to_have_text("演练已结束")
    expect(console.locator(".page-head .badge.rehearsal")).to_have_text("演练已结束")
    screen.context.close()  # (it would reload itself on the change of phase)
    screen = meeting.hall()
    screen.goto(f"{server.base}{meeting.path}")
    expect(screen.locator(".rehearsal-mark")).to_have_text("演练已结束")
    screen.context.close()

    # -- the real meeting of the same year: five codes, three phones, every county rated 好 ----
    real = meeting.create(REAL_TITLE, rehearsal=False)
    expect(console.locator(".page-head .badge.rehearsal")).to_have_count(0)
    city.to_reviewing(real)
    codes = meeting.issue(5)
    screen = meeting.open_screen()
    expect(screen.locator(".rehearsal-mark")).to_have_count(0)
    expect(screen.locator(".watermark")).to_have_count(0)
    meeting.returns("0.0%", 0, 5)  # the rehearsal's ten ballots are nowhere
    for code in codes[:3]:
        meeting.vote(code, "好")
    meeting.returns("60.0%", 3, 5)
    assert screen.evaluate("window.sameDocument") is True
    meeting.reveal()
    tally = {org: meeting.card(org) for org in COUNTIES}
    meeting.shoot(screen, f"meeting-real-revealed-1920-{store}")
    width = screen.evaluate("document.documentElement.scrollWidth")
    height = screen.evaluate("document.documentElement.scrollHeight")
    screen.context.close()
    city.post("mz-zzb", f"/cycles/{real}/finalize", {})

    standings = city.get("mz-zzb", f"/cycles/{real}/standings")
    record = city.get("mp-jw", "/organizations/mz-a/record")
    person = city.get("mp-jw", "/people/mz-a-sj/record")
    coverage = city.get("mp-jw", "/organizations/mp/coverage", year=2026)
    screen_data = city.get("mz-zzb", f"/cycles/{real}/screen")
    console.goto("/cycles")
    listed = console.get_by_role("row").filter(has=console.get_by_role("link", name=REAL_TITLE))
    expect(listed.locator(".badge.rehearsal")).to_have_count(0)
    rehearsed = console.get_by_role("row").filter(
        has=console.get_by_role("link", name=REHEARSAL_TITLE))
    expect(rehearsed.locator(".badge.rehearsal")).to_have_text("演练")
    desk.close()

    assert (rehearsal, real) == ("mz-2026-rehearsal", "mz-2026")
    assert tally == {org: {"good": 3, "fairly_good": 0, "average": 0, "poor": 0}
                     for org in COUNTIES}
    assert (screen_data["rehearsal"], screen_data["ballots"]) == (
        False, {"issued": 5, "cast": 3, "rate": "0.6000"})
    assert {row["org_code"]: row["ratings"] for row in standings["rows"]} == tally
    assert standings["rehearsal"] is False and standings["provisional"] is False
    assert [c["cycle_id"] for c in record["cycles"]] == [real]
    assert [c["cycle_id"] for c in person["cycles"]] == [real]
    assert [(c["code"], c["cycle_id"]) for c in coverage["children"]] == [("mz", real)]
    assert (width, height) == (1920, 1080)  # one screen, nothing to scroll
    assert requests and all(url.startswith(server.base) for url in requests), requests
    assert problems == [], problems
