"""PostgreSQL: the subscriptions of a process share one LISTEN connection per log: a save wakes
them all, and the last one to stop stops it."""

from __future__ import annotations

from application.app import LianpingApp
from application.settings import Settings
from application.store import subscription
from application.store.subscription import PollingSubscription
from tests.e2e.server import poll_until


def test_one_listener_wakes_every_subscription(app: LianpingApp, settings: Settings) -> None:
    if settings.database_url.startswith("sqlite"):
        return  # no NOTIFY: saves wake subscriptions in-process (test_head_watch.py)
    subscriptions = [PollingSubscription(app.recorder, gt=0, poll_interval=3600)
                     for _ in range(3)]
    try:
        listeners = {k: v for k, v in subscription._listeners.items()
                     if k[0] == id(app.recorder.datastore)}
        assert len(listeners) == 1
        listener = next(iter(listeners.values()))
        for each in subscriptions:
            each._wake.clear()
        assert poll_until(lambda: _notify(app) and all(s._wake.is_set() for s in subscriptions),
                          30)
    finally:
        for each in subscriptions:
            each.stop()
    assert not any(k[0] == id(app.recorder.datastore) for k in subscription._listeners)
    assert poll_until(lambda: not listener._thread.is_alive(), 30)


def _notify(app: LianpingApp) -> bool:
    with app.recorder.datastore.get_connection() as conn:
        conn.execute(f'NOTIFY "{app.recorder.channel_name}"')
    return True
