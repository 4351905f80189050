"""``python -m bench.worker``: ``lianping projections run`` with some of its mechanisms turned
off, for the ``mechanisms`` part (bench/mechanisms.py). The one place that reads the bench-only
switch ``LIANPING_BENCH_OFF`` (comma-separated):

- ``linger``: the runners apply what arrived at once, without waiting ``RunnerConfig.linger``
  for more (projections/runner.py);
- ``subscription``: the runners follow the log with the library's own ``PostgresSubscription``
  (LISTEN/NOTIFY, a pull thread, a queue of pages) instead of application/store/subscription.py's
  ``PollingSubscription``.

Neither is an operational setting: the product always runs with both on."""

from __future__ import annotations

import os
import sys
from collections import deque
from dataclasses import dataclass
from queue import Empty
from typing import Any

from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresSubscription

OFF_VARIABLE = "LIANPING_BENCH_OFF"
MECHANISMS = ("linger", "subscription")


class LibrarySubscription:
    """What the runner asks of a subscription (``next_batch``, ``wake``, ``stop``) over the
    library's ``PostgresSubscription``. The library offers only a blocking iterator; a runner
    must wake up to check its lock and the stop event, so this takes the pages from the
    library's own queue with a timeout."""

    def __init__(self, recorder: Any, gt: int, batch_size: int) -> None:
        self.inner = PostgresSubscription(recorder, gt=gt)
        self.batch_size = batch_size
        self.buffer: deque[Notification] = deque()

    def next_batch(self, limit: int | None = None,
                   timeout: float | None = None) -> list[Notification]:
        limit = limit or self.batch_size
        if not self.buffer and not self.inner._has_been_stopped:
            try:
                page = self.inner._notifications_queue.get(timeout=timeout)
            except Empty:
                return []
            except Exception:  # the queue was shut down: stopped
                return []
            self.buffer.extend(page)
        return [self.buffer.popleft() for _ in range(min(limit, len(self.buffer)))]

    def wake(self) -> None:
        pass  # the library wakes on NOTIFY only

    def stop(self) -> None:
        self.inner.stop()


def turn_off(off: set[str]) -> None:
    from projections import registry, runner

    if "linger" in off:
        @dataclass(frozen=True)
        class NoLinger(runner.RunnerConfig):
            linger: float = 0.0

        runner.RunnerConfig = NoLinger  # type: ignore[misc]  # Runners() makes its default here
    if "subscription" in off:
        def subscribe(self: Any, after: int, poll_interval: float,
                      batch_size: int) -> Any:
            return LibrarySubscription(self.recorder, after, batch_size)

        registry.EventSource.subscribe = subscribe  # type: ignore[method-assign]


def main() -> int:
    off = {name.strip() for name in os.environ.get(OFF_VARIABLE, "").split(",") if name.strip()}
    unknown = off - set(MECHANISMS)
    if unknown:
        print(f"bench.worker: unknown mechanism(s) {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    turn_off(off)
    from api.cli import main as lianping

    return lianping(["projections", "run"])


if __name__ == "__main__":
    raise SystemExit(main())
