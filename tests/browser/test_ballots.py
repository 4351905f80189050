"""The organizer's 民主测评 page in the browser (组织部 jz-zzb of the demo city): on a cycle
whose scheme has a ballot category, issue three codes, see them once, and print their slips
(the slips page opens with every code on it). Screenshots at 375 and 1366 px."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, open_page
from tests.browser.support import Watched, sign_in

pytestmark = pytest.mark.e2e

CYCLE = "jz-ballots-2027"


def demo_token(seeded_demo: Path, account: str) -> str:
    for line in (seeded_demo / "tokens.txt").read_text().splitlines():
        name, _, token = line.partition("\t")
        if name == account and token:
            return token
    raise AssertionError(f"no demo token for {account}")


@pytest.fixture(scope="module")
def ballot_cycle(base: str, seeded_demo: Path) -> str:
    """A cycle in preparing whose scheme names one ballot category (the console's scheme
    editor has none), made through the JSON API as jz-zzb."""
    headers = {"Authorization": f"Bearer {demo_token(seeded_demo, 'jz-zzb')}"}
    with httpx.Client(base_url=f"{base}/api/v1", headers=headers, timeout=30) as api:
        made = api.post("/cycles", json={"cycle_id": CYCLE, "organizer_org": "jz",
                                         "level": "county", "year": 2027,
                                         "title": "2027年度民主测评演练"})
        assert made.status_code == 201, made.text
        scheme = api.get(f"/cycles/{CYCLE}").json()["scheme"]
        scheme["ballot_categories"] = [{"code": "public", "name": "群众代表"}]
        changed = api.post(f"/cycles/{CYCLE}/scheme", json={"scheme": scheme})
        assert changed.status_code == 200, changed.text
    return CYCLE


def test_the_organizer_issues_codes_and_prints_their_slips(
    page: Page, ballot_cycle: str, browser: Browser, base: str, watched: Watched
):
    sign_in(page, "jz-zzb")
    page.goto(f"/cycles/{ballot_cycle}")
    page.get_by_role("link", name="民主测评", exact=True).click()
    expect(page.get_by_role("heading", name="民主测评", exact=True)).to_be_visible()

    page.get_by_label("类别").first.select_option("public")
    page.get_by_label("数量").fill("3")
    page.get_by_role("button", name="生成测评码").click()

    codes = page.locator(".codes code")
    expect(codes).to_have_count(3)
    shown = codes.all_inner_texts()
    expect(page.get_by_role("cell", name="群众代表")).to_be_visible()
    shots = Path(os.environ.get("LIANPING_SCREENSHOTS", "/tmp"))
    page.screenshot(path=str(shots / "console-ballots-1366.png"), full_page=True)
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="打印测评票").click()
    slips = opened.value
    slips.wait_for_load_state()
    for code in shown:
        expect(slips.get_by_text(re.compile(code))).not_to_have_count(0)

    phone = open_page(browser, base, watched, PHONE)
    sign_in(phone, "jz-zzb")
    phone.goto(f"/cycles/{ballot_cycle}/ballots")
    expect(phone.get_by_role("cell", name="群众代表")).to_be_visible()
    phone.screenshot(path=str(shots / "console-ballots-375.png"), full_page=True)
    phone.context.close()
