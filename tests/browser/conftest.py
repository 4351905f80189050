"""The browser tier: headless Chromium (tests/browser/__init__.py) against the real `lianping serve`
process with the demo city.

The demo is seeded once per run (`lianping demo`, ~10 s) and copied for each test module, which
gets its own server over its copy; one browser serves the whole run, and each test gets a fresh
context (no cookies) whose page is watched: every request must stay on the server and the
browser console must show no error."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from tests.browser import chromium
from tests.browser.support import DEMO_PASSWORD, Watched
from tests.e2e.server import BIN, lianping_env, running_server

pytestmark = pytest.mark.e2e

DESKTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def seeded_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-seed")
    env = demo_env(folder)
    subprocess.run([str(BIN / "lianping"), "audit", "keygen"], env=env, check=True,
                   capture_output=True, timeout=60)
    seeded = subprocess.run([str(BIN / "lianping"), "demo"], env=env, check=True,
                            capture_output=True, timeout=300, text=True)
    (folder / "tokens.txt").write_text(seeded.stdout)  # "account<TAB>token" lines
    return folder


def demo_env(folder: Path) -> dict[str, str]:
    env = lianping_env(f"sqlite:///{folder / 'lianping.db'}", folder)
    env["LIANPING_DEMO_PASSWORD"] = DEMO_PASSWORD
    return env


@pytest.fixture(scope="module")
def base(seeded_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of this module's server, over its own copy of the demo."""
    folder = tmp_path_factory.mktemp("demo")
    for item in seeded_demo.iterdir():
        if item.is_file():
            shutil.copy2(item, folder / item.name)
    with running_server(demo_env(folder), "--demo") as url:
        yield url


@pytest.fixture(scope="package")  # closed before other tiers start their own Playwright
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def watched() -> Watched:
    return Watched()


def open_page(browser: Browser, base: str, watched: Watched, viewport: ViewportSize) -> Page:
    context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=base)
    page = context.new_page()
    page.on("request", watched.request)
    page.on("console", watched.console)
    page.on("pageerror", watched.page_error)
    return page


@pytest.fixture
def page(browser: Browser, base: str, watched: Watched) -> Iterator[Page]:
    """A desktop-sized page in a fresh context; afterwards: nothing left the server, and the
    browser reported no error."""
    opened = open_page(browser, base, watched, DESKTOP)
    yield opened
    opened.context.close()
    assert_stayed_home(base, watched)


def assert_stayed_home(base: str, watched: Watched) -> None:
    assert watched.requests, "the page made no request at all"
    strays = [url for url in watched.requests if not url.startswith(f"{base}/")]
    assert strays == [], f"requests left the server: {strays}"
    assert watched.errors == []
