"""Screenshots of the console for a person to look at (and for the README):
``python -m tests.browser.screenshots OUT_DIR`` seeds the demo city, starts the server and saves
sign-in, 我的待办, the cycle page, the standings and the rating form at 375 and 1366 px."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser

from tests.browser import chromium
from tests.browser.conftest import DESKTOP, PHONE, demo_env
from tests.browser.support import sign_in
from tests.e2e.server import BIN, running_server

SHOTS = [
    # (name, account or None, path)
    ("sign-in", None, "/login"),
    ("tasks", "jz-zzb", "/"),
    ("cycle", "jz-zzb", "/cycles/jz-2026"),
    ("standings", "jz-zzb", "/cycles/jz-2026/standings"),
    ("review", "jz-pw01", "/cycles/jz-2026/review"),
    ("rating-form", "jz-pw01", "/cycles/jz-2026/participants/jz-sy/rate"),
    ("scheme-editor", "jz-zzb", "/cycles/new"),
    ("finalize", "jz-zzb", "/cycles/jz-2026/finalize"),
    ("manage", "jz-zzb", "/cycles/jz-2026/participants/jz-sy/manage"),
    ("report-form", "jz-yc-sj", "/cycles/jz-2026/participants/jz-yc/report"),
    ("audit", "jz-jw", "/audit?cycle_id=jz-2026"),
    ("admin-accounts", "admin", "/admin/accounts"),
    ("ballots", "jz-zzb", "/cycles/jz-2026/ballots"),
    ("supervision", "jz-jw", "/supervision"),
    ("coverage", "jz-jw", "/organizations/jz/coverage?year=2026"),
]


def take(browser: Browser, base: str, out: Path) -> list[Path]:
    saved = []
    for viewport, suffix in ((DESKTOP, "1366"), (PHONE, "375")):
        for name, account, path in SHOTS:
            context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=base,
                                          device_scale_factor=1)
            page = context.new_page()
            if account:
                sign_in(page, account)
            page.goto(path)
            target = out / f"{name}-{suffix}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)
            context.close()
    return saved


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        env = demo_env(Path(folder))
        subprocess.run([str(BIN / "lianping"), "audit", "keygen"], env=env, check=True,
                       capture_output=True)
        with running_server(env, "--demo") as base, chromium() as browser:
            for path in take(browser, base, out):
                print(path)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "screenshots")
