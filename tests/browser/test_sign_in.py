"""Signing in to the console in a real browser: keyboard only, the session cookie's flags, the
CSRF token every POST needs, and the lockout after five wrong passwords."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import DEMO_PASSWORD, Watched, sign_in

pytestmark = pytest.mark.e2e


def test_a_person_signs_in_with_the_keyboard_alone(page: Page):
    page.goto("/")  # not signed in: the sign-in page, with the cursor in 账号

    assert page.url.endswith("/login")
    expect(page.get_by_label("账号")).to_be_focused()
    page.keyboard.type("jz-jw")
    page.keyboard.press("Tab")
    expect(page.get_by_label("密码")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    navigation = page.get_by_role("navigation", name="主导航")
    for name in ("我的待办", "考核周期", "审计日志"):
        expect(navigation.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_the_session_cookie_is_http_only_and_same_site_strict(page: Page):
    sign_in(page, "jz-zzb")

    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["lianping_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
    assert session["path"] == "/"
    assert all(c["httpOnly"] and c["sameSite"] == "Strict" for c in cookies.values())
    assert page.evaluate("document.cookie") == ""  # nothing readable by script


def test_a_console_post_without_its_csrf_token_is_refused_with_403(page: Page):
    sign_in(page, "jz-pw02")
    page.goto("/cycles/jz-2026/review")
    before = page.locator("#rated-count").inner_text()

    refused = page.request.post("/cycles/jz-2026/participants/jz-zq/rate",
                                form={"rating": "good", "comment": "无令牌"},
                                max_redirects=0)
    wrong = page.request.post("/logout", form={"csrf_token": "0" * 64}, max_redirects=0)

    assert refused.status == 403 and wrong.status == 403
    assert "页面已过期" in refused.text()
    page.reload()
    expect(page.locator("#rated-count")).to_have_text(before)  # nothing recorded
    expect(page.get_by_role("heading", name="评议", exact=True)).to_be_visible()  # signed in


def test_sign_out_ends_the_session(page: Page):
    sign_in(page, "jz-yc-sj")

    page.get_by_role("button", name="退出").click()

    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.goto("/")
    assert "/login" in page.url


def test_five_wrong_passwords_are_answered_429(page: Page, watched: Watched):
    watched.expect_status(401, 429)
    statuses = []
    for _ in range(5):
        page.goto("/login")
        page.get_by_label("账号").fill("jz-pw12")
        page.get_by_label("密码").fill("not-the-password")
        with page.expect_response(lambda r: r.url.endswith("/login")
                                  and r.request.method == "POST") as answer:
            page.get_by_role("button", name="登录").click()
        statuses.append(answer.value.status)

    assert statuses == [401, 401, 401, 401, 429]
    expect(page.get_by_role("alert")).to_have_text("操作过于频繁，请稍后再试")
    page.get_by_label("密码").fill(DEMO_PASSWORD)  # even the right password waits now
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="登录").click()
    assert answer.value.status == 429
