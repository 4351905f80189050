"""SQLite has no NOTIFY: a process that only reads the log (the read-model process) learns of
another process's saves from ``watch_head``, which wakes its subscriptions when the head moves."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from application.app import LianpingApp
from application.settings import Settings
from application.store.subscription import PollingSubscription, watch_head
from tests.e2e.server import BIN, lianping_env, poll_until


def test_another_process_saving_wakes_this_ones_subscriptions(
    app: LianpingApp, settings: Settings, tmp_path: Path
) -> None:
    stop = threading.Event()
    watcher = watch_head(app.recorder, stop, interval=0.01)
    subscription = PollingSubscription(app.recorder, gt=0, poll_interval=3600)
    try:
        if not settings.database_url.startswith("sqlite"):
            assert watcher is None  # PostgreSQL's listeners wake subscriptions
            return
        assert watcher is not None
        assert not subscription._wake.is_set()

        env = lianping_env(settings.database_url, tmp_path)
        env["LIANPING_SIGNING_KEY_FILE"] = settings.signing_key_file
        subprocess.run([str(BIN / "lianping"), "admin", "bootstrap", "--account-id", "other",
                        "--name", "别处"], env=env, capture_output=True, timeout=60, check=True)

        assert poll_until(subscription._wake.is_set, 30)
        logged = [n.id for n in app.recorder.select_notifications(start=1, limit=100)]
        assert logged
        assert [n.id for n in subscription.next_batch(timeout=0)] == logged
    finally:
        subscription.stop()
        stop.set()
        if watcher is not None:
            watcher.join()
