"""A real browser against the real server: headless Chromium (tests/browser/__init__.py) loads a
page the server process serves. The smoke test of the browser tier."""

from __future__ import annotations

import json
import sys

import pytest

from tests.browser import MISSING, chromium, find
from tests.e2e.server import lianping_env, running_server

pytestmark = pytest.mark.e2e


def test_headless_chromium_loads_the_servers_health_page(tmp_path):
    env = lianping_env(f"sqlite:///{tmp_path / 'lianping.db'}", tmp_path)
    with running_server(env) as base, chromium() as browser:
        page = browser.new_page()
        response = page.goto(f"{base}/healthz")

        assert response is not None and response.status == 200
        assert json.loads(page.inner_text("body")) == {"status": "ok"}
        assert browser.version  # a real browser answered


def test_with_no_chromium_to_be_had_the_test_fails_with_one_line_saying_what_to_install(tmp_path):
    cannot_install = (sys.executable, "-c", "raise SystemExit(1)")  # as with no internet

    with pytest.raises(pytest.fail.Exception) as failed:
        find(tmp_path / "no-chrome", debian=("no-such-chromium",), install=cannot_install)
    assert str(failed.value) == MISSING
    assert "\n" not in MISSING
    assert "apt-get install chromium fonts-noto-cjk" in MISSING
    assert "playwright install chromium" in MISSING
