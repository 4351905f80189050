"""The 民主测评 phone page in a real browser (Playwright driving Debian's Chromium) against the
real server: at 375 px a person rates every participant and submits; the same code is then
refused; no request leaves this server and the console stays free of errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import chromium
from tests.e2e.conftest import Server

COUNTIES = {"bz-a": "甲县", "bz-b": "乙县", "bz-c": "丙县"}
SCREENSHOT_DIR = Path(os.environ.get("LIANPING_SCREENSHOTS", "/tmp"))


def ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def meeting(server: Server, cycle_id: str) -> list[str]:
    """A cycle in `reviewing` with ballot categories and two codes; answers the codes."""
    admin = server.client(server.admin_token)
    for _ in (1,):  # a fresh server per store: set the directory up once
        ok(admin.post("/organizations", json={"code": "bp", "name": "某省", "level": "province"}))
        ok(admin.post("/organizations", json={"code": "bz", "name": "某市", "level": "city",
                                              "parent_code": "bp"}))
        ok(admin.post("/accounts", json={"account_id": "bz-zzb", "name": "组织部",
                                         "org_code": "bz"}))
        ok(admin.post("/accounts/bz-zzb/grants", json={"role": "organizer", "org_code": "bz"}))
        for code, name in COUNTIES.items():
            ok(admin.post("/organizations", json={"code": code, "name": name, "level": "county",
                                                  "parent_code": "bz"}))
            ok(admin.post("/accounts", json={"account_id": f"{code}-sj", "name": f"{name}书记",
                                             "org_code": code}))
            ok(admin.post(f"/accounts/{code}-sj/grants",
                          json={"role": "secretary", "org_code": code}))
    tokens = {who: ok(admin.post(f"/accounts/{who}/tokens", json={}))["token"]
              for who in ["bz-zzb", *(f"{c}-sj" for c in COUNTIES)]}
    organizer = server.client(tokens["bz-zzb"])
    scheme = ok(organizer.post("/cycles", json={
        "cycle_id": cycle_id, "organizer_org": "bz", "level": "county",
        "year": int(cycle_id[-4:]), "title": "2026年度基层党建述职评议"}))
    assert scheme["phase"] == "preparing"
    current = organizer.get(f"/cycles/{cycle_id}").json()["scheme"]
    current["ballot_categories"] = [{"code": "public", "name": "群众代表"}]
    ok(organizer.post(f"/cycles/{cycle_id}/scheme", json={"scheme": current}))
    for code in COUNTIES:
        ok(organizer.post(f"/cycles/{cycle_id}/participants", json={"org_code": code}))
    ok(organizer.post(f"/cycles/{cycle_id}/advance", json={"to": "reporting"}))
    for code in COUNTIES:
        ok(server.client(tokens[f"{code}-sj"]).post(
            f"/cycles/{cycle_id}/participants/{code}/report",
            json={"title": "述职报告", "achievements": "成效", "problems": "问题",
                  "plans": "打算"}))
    ok(organizer.post(f"/cycles/{cycle_id}/advance", json={"to": "reviewing"}))
    codes: list[str] = ok(organizer.post(f"/cycles/{cycle_id}/ballots",
                                         json={"category": "public", "count": 2}))["codes"]
    return codes


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_a_phone_rates_every_participant_submits_and_cannot_vote_twice(
    server: Server, browser: Any, request: pytest.FixtureRequest
) -> None:
    store = "postgres" if "postgres" in request.node.name else "sqlite"
    code = meeting(server, f"bz-{store}-2026")[0]
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{server.base}/b/{code}")
    page.screenshot(path=str(SCREENSHOT_DIR / f"ballot-375-{store}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    for grade, (org, name) in zip(("好", "较好", "一般"), COUNTIES.items(), strict=True):
        page.get_by_role("group", name=name).get_by_label(grade, exact=True).check()
        assert org
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    done = page.get_by_role("status").inner_text()
    errors_while_voting = list(problems)

    page.goto(f"{server.base}/b/{code}")
    again = page.get_by_role("status").inner_text()
    page.goto(f"{server.base}/b/ABCDEFGHJKMN")
    unknown = page.get_by_role("status").inner_text()
    context.close()

    assert width <= 375
    assert "您的评价已记录" in done
    assert again == unknown and "此测评码无效或已使用" in again
    assert requests and all(url.startswith(server.base) for url in requests), requests
    assert errors_while_voting == []
    # Refused pages answer 404 (Chromium logs the status of a failed load, nothing else).
    assert all("status of 404" in p for p in problems), problems
