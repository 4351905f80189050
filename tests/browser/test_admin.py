"""An admin's flow in the console: the organization tree, a new account, a role granted and a
password set; the new account must choose its own password at its first sign-in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, assert_stayed_home, open_page
from tests.browser.support import Watched, sign_in

pytestmark = pytest.mark.e2e

ACCOUNT = "jz-dc01"
FIRST = "初始密码-2026-abc"
OWN = "我自己的密码-2026-xyz"


def test_an_admin_opens_an_account_whose_owner_must_change_the_password(
    page: Page, browser: Browser, base: str, watched: Watched,
):
    watched.expect_status(422)  # the short password is refused beside its field
    sign_in(page, "admin")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="系统管理").click()
    expect(page.get_by_role("heading", name="账号管理")).to_be_visible()
    for column in ("账号", "姓名", "角色", "已设密码"):
        expect(page.get_by_role("columnheader", name=column, exact=True)).to_be_visible()

    page.get_by_role("link", name="组织机构").click()
    tree = page.locator(".tree")
    expect(tree.get_by_text("晋中市", exact=True)).to_be_visible()
    expect(tree.locator("li li li")).to_have_count(11)  # province › city › 11 counties
    page.get_by_role("link", name="账号管理").first.click()

    create = page.locator("form", has=page.get_by_role("button", name="新建账号"))
    create.get_by_label("账号").fill(ACCOUNT)
    create.get_by_label("姓名").fill("市委督查室干部")
    create.get_by_label("所在单位代码").select_option("jz")
    create.get_by_role("button", name="新建账号").click()
    expect(page.get_by_role("status")).to_have_text("账号已创建")
    expect(page.get_by_role("heading", name="市委督查室干部")).to_be_visible()

    page.get_by_label("角色").select_option("inspector")
    page.get_by_label("范围（单位代码）").fill("jz")
    page.get_by_role("button", name="授予角色").click()
    expect(page.get_by_role("status")).to_have_text("角色已授予")
    expect(page.get_by_role("row").filter(has_text="督查（纪检、组织）")).to_contain_text("jz")

    page.get_by_label("新密码").fill("short")
    page.get_by_role("button", name="设置密码").click()
    expect(page.get_by_text("密码至少需要 10 个字符")).to_be_visible()
    page.get_by_label("新密码").fill(FIRST)
    page.get_by_role("button", name="设置密码").click()
    expect(page.get_by_role("status")).to_contain_text("首次登录时须修改密码")

    watched = Watched()
    newcomer = open_page(browser, base, watched, DESKTOP)
    newcomer.goto("/login")
    newcomer.get_by_label("账号").fill(ACCOUNT)
    newcomer.get_by_label("密码").fill(FIRST)
    newcomer.get_by_role("button", name="登录").click()
    expect(newcomer.get_by_role("heading", name="修改密码")).to_be_visible()
    newcomer.goto("/audit")  # nothing else first
    expect(newcomer.get_by_role("heading", name="修改密码")).to_be_visible()
    newcomer.get_by_label("当前密码").fill(FIRST)
    newcomer.get_by_label(re.compile("^新密码")).fill(OWN)
    newcomer.get_by_label("再次输入新密码").fill(OWN)
    newcomer.get_by_role("button", name="保存").click()
    expect(newcomer.get_by_role("status")).to_have_text("密码已修改")
    expect(newcomer.get_by_role("heading", name="我的待办")).to_be_visible()
    newcomer.context.close()
    assert_stayed_home(base, watched)
