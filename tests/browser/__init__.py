"""Chromium for the browser tests, driven by Playwright for Python.

`find_chromium` takes Debian's `chromium`, else Playwright's own build if it was downloaded, else
downloads Playwright's (`playwright install chromium`, where the internet is reachable); when none
can be had the test fails with one line saying what to install. `.ci/run` installs Debian's.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

# Headless, and nothing that reaches out of the machine or needs a GPU or a sandbox (root in CI).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING = (
    "no Chromium for the browser tests: install Debian's (apt-get install chromium "
    "fonts-noto-cjk) or Playwright's (.venv/bin/playwright install chromium)"
)
DEBIAN = ("chromium", "/usr/bin/chromium")
INSTALL = (sys.executable, "-m", "playwright", "install", "chromium")
INSTALL_TIMEOUT = 600
_found: list[str] = []  # the run's Chromium, once found


def find_chromium(playwright: Playwright) -> str:
    """The path of a Chromium to launch (see the module's docstring)."""
    if not _found:
        _found.append(find(Path(playwright.chromium.executable_path)))
    return _found[0]


def find(
    playwrights_own: Path, debian: Sequence[str] = DEBIAN, install: Sequence[str] = INSTALL
) -> str:
    for name in debian:
        path = shutil.which(name)
        if path:
            return path
    if not playwrights_own.exists():
        with contextlib.suppress(subprocess.TimeoutExpired):  # no internet: fails at once
            subprocess.run(install, capture_output=True, timeout=INSTALL_TIMEOUT, check=False)
    if playwrights_own.exists():
        return str(playwrights_own)
    pytest.fail(MISSING, pytrace=False)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed afterwards."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=find_chromium(playwright), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
