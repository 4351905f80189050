"""The demo city's console passwords: every demo account gets one (no change required at first
sign-in), printed by `make run`; LIANPING_DEMO_PASSWORD chooses it, else it is derived from the
service key and stays the same across restarts."""

from __future__ import annotations

import pytest

from application.demo import demo_accounts, demo_password, demo_passwords, seed_demo
from application.usecases import directory, sessions
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("cheap_hashes")


def test_every_demo_account_signs_in_with_the_demo_password(app):
    tokens = seed_demo(app)
    assert tokens is not None and directory.authenticate(app, tokens["jz-zzb"])  # tokens work

    derived = demo_password(app)
    given = demo_passwords(app)

    assert derived.startswith("lp-") and len(derived) >= 10
    assert given == {account: derived for account in demo_accounts()}
    for account in ("admin", "jz-zzb", "jz-jw", "jz-yc-sj", "jz-pw01"):
        session = sessions.sign_in(app, account, derived, None)
        assert session.must_change_password is False
    position = app.recorder.max_notification_id()
    assert demo_passwords(app) == given  # a restart: already set, nothing recorded
    assert app.recorder.max_notification_id() == position

    app.settings.demo_password = "脚本用的演示密码-2026"
    chosen = demo_passwords(app)

    assert set(chosen.values()) == {"脚本用的演示密码-2026"}
    assert sessions.sign_in(app, "jz-yc-sj", "脚本用的演示密码-2026", None).principal.grants == (
        ("secretary", "jz-yc"),)
    assert app.recorder.max_notification_id() == position + len(demo_accounts())
