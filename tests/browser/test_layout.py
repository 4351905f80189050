"""Every console page is usable on a phone (375 px: nothing wider than the screen, tables
scroll inside their box) and on an office screen (1366 px)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, assert_stayed_home, open_page
from tests.browser.support import Watched, sign_in

pytestmark = pytest.mark.e2e

PAGES = {
    "jz-zzb": ["/", "/cycles", "/cycles/jz-2026", "/cycles/jz-2026/standings",
               "/cycles/jz-2025/standings", "/cycles/jz-2026/participants/jz-qx", "/password"],
    "jz-pw01": ["/cycles/jz-2026/review", "/cycles/jz-2026/participants/jz-sy/rate"],
    "jz-yc-sj": ["/", "/cycles/jz-2026"],
}


@pytest.fixture(params=[PHONE, DESKTOP], ids=["375px", "1366px"])
def sized_page(request: pytest.FixtureRequest, browser: Browser, base: str, watched: Watched
               ) -> Iterator[Page]:
    opened = open_page(browser, base, watched, request.param)
    yield opened
    opened.context.close()
    assert_stayed_home(base, watched)


def assert_fits(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width} px wide on a {width} px screen"


def test_the_sign_in_page_fits(sized_page: Page):
    sized_page.goto("/login")

    expect(sized_page.get_by_role("button", name="登录")).to_be_visible()
    assert_fits(sized_page)


@pytest.mark.parametrize("account", sorted(PAGES))
def test_every_page_fits_the_screen(sized_page: Page, account: str):
    sign_in(sized_page, account)
    for path in PAGES[account]:
        response = sized_page.goto(path)

        assert response is not None and response.status == 200, path
        expect(sized_page.locator("h1")).to_be_visible()
        assert_fits(sized_page)
        nav = sized_page.get_by_role("navigation", name="主导航")
        expect(nav.get_by_role("link", name="我的待办")).to_be_in_viewport()
