"""The newest stretch of the log that this process's runners read, read and decoded once.

Every read model runs in a thread of its own, each following the log (runner.py). Caught up,
they all want the same few new events at once: each read them from the database and decoded
them itself (measured under a rating load: reading and decoding was ~a third of the read-model
process's Python time, five times over). They now read through one ``SharedTail``: the first
runner to ask for new events queries them and keeps them; the others take them from here.

What it keeps is a contiguous stretch of the log, every event with ``after < position <=
last``: commit order is log order (the append takes the table lock), so a read of the events
after a position holds all of them up to the last one it returned, and these never change.
A runner behind that stretch (catching up) reads the database as before, without replacing
it.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Sequence

from eventsourcing.persistence import ApplicationRecorder, Notification

from projections.envelope import Envelope, EventMapper, envelope

KEEP = 2000  # events kept: several batches of every runner (RunnerConfig.batch_size: 500)


class SharedTail:
    def __init__(
        self, recorder: ApplicationRecorder, mapper: EventMapper, keep: int = KEEP
    ) -> None:
        self._recorder = recorder
        self._mapper = mapper
        self._keep = keep
        # One reader at a time: runners woken by the same commit then find its events here.
        self._lock = threading.Lock()
        self._after = 0  # the stretch: every event with _after < position <= _positions[-1]
        self._positions: list[int] = []
        self._notifications: list[Notification] = []
        self._decoded: dict[int, Envelope] = {}

    def read(self, after: int, limit: int) -> list[Notification]:
        """Up to ``limit`` events after position ``after``, in log order (as many as the
        database has, or, from the stretch kept here, as many as it holds)."""
        with self._lock:
            kept = self._kept(after, limit)
            if kept is not None:
                return kept
            found = list(self._recorder.select_notifications(
                start=after, limit=limit, inclusive_of_start=False))
            self._keep_read(after, found)
            return found

    def envelopes(self, notifications: Sequence[Notification]) -> list[Envelope]:
        """The events decoded for the folds; those of the stretch decoded once."""
        with self._lock:
            out = []
            for notification in notifications:
                decoded = self._decoded.get(notification.id)
                if decoded is None:
                    decoded = envelope(notification, self._mapper)
                    if self._holds(notification.id):
                        self._decoded[notification.id] = decoded
                out.append(decoded)
            return out

    def _holds(self, position: int) -> bool:
        return bool(self._positions) and self._after < position <= self._positions[-1]

    def _kept(self, after: int, limit: int) -> list[Notification] | None:
        if not self._positions or not self._after <= after < self._positions[-1]:
            return None
        start = bisect_right(self._positions, after)
        return self._notifications[start:start + limit]

    def _keep_read(self, after: int, found: list[Notification]) -> None:
        if not found:
            return
        if self._positions and after != self._positions[-1]:
            if after < self._positions[-1]:
                return  # a runner behind the stretch: keep the newer one
            self._positions, self._notifications = [], []  # a gap: start over
            self._decoded.clear()
        if not self._positions:
            self._after = after
        self._positions.extend(n.id for n in found)
        self._notifications.extend(found)
        excess = len(self._positions) - self._keep
        if excess > 0:
            self._after = self._positions[excess - 1]
            for position in self._positions[:excess]:
                self._decoded.pop(position, None)
            del self._positions[:excess]
            del self._notifications[:excess]
