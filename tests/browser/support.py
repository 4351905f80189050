"""Helpers of the browser tests: sign in by the labels a person sees, read what a page shows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from playwright.sync_api import ConsoleMessage, Page, Request, expect

DEMO_PASSWORD = "demo-password-2026"


@dataclass
class Watched:
    """What a page did: every request URL, and every error the browser reported."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Answers a test expects (e.g. 401, 429): Chromium logs each as a console error.
    expected_statuses: set[int] = field(default_factory=set)

    def expect_status(self, *statuses: int) -> None:
        self.expected_statuses.update(statuses)

    def request(self, request: Request) -> None:
        self.requests.append(request.url)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not any(
            f"status of {status} " in message.text for status in self.expected_statuses
        ):
            self.errors.append(f"console: {message.text}")

    def page_error(self, error: Exception) -> None:
        self.errors.append(f"page: {error}")


def sign_in(page: Page, account: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form, finding the fields by their labels; lands on 我的待办."""
    page.goto("/login")
    page.get_by_label("账号").fill(account)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()


def rated_count(page: Page) -> tuple[int, int]:
    """The 已评 n/N of the review page."""
    text = page.locator("#rated-count").inner_text()
    found = re.search(r"已评\s*(\d+)/(\d+)", text)
    assert found, text
    return int(found.group(1)), int(found.group(2))
