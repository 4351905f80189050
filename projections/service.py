"""The read side as one process sees it: snapshots of the serving views, their positions, and
waiting for a position (X-Min-Position). One instance per application, shared with the runners
started in the same process so that waiters wake as soon as a batch commits. Positions come from
the store, so waiting works as well when another process runs the runners (`lianping serve`'s
read-model process, `lianping projections run`): waiters then poll."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from projections.registry import NAMES, EventSource, projections
from projections.store import SnapshotReader, Store, open_store
from projections.tables import Projection

WAIT_TIMEOUT = 5.0
POLL_FIRST, POLL_MAX = 0.005, 0.025  # seconds between position polls while waiting


class ReadModels:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.store: Store = open_store(app.recorder)
        self.source = EventSource.of(app)
        self.projections: dict[str, Projection] = projections(app.settings.timezone)
        for projection in self.projections.values():
            generation, current = self.store.prepare(projection)
            if current:  # else the runner rebuilds it (and reads wait: ReadModelRebuildingError)
                self.store.view(projection, generation)
        self._advanced = threading.Condition()

    @contextmanager
    def read(self, name: str) -> Iterator[SnapshotReader]:
        with self.store.read(self.projections[name]) as reader:
            yield reader

    def position(self, name: str) -> int:
        return self.store.positions([name])[name]

    def committed(self, name: str, position: int) -> None:
        """Runners in this process call this after each commit."""
        with self._advanced:
            self._advanced.notify_all()

    def wait(self, name: str, position: int, timeout: float = WAIT_TIMEOUT) -> bool:
        """True once the view accounts for every event up to ``position``; False on timeout.
        Wakes on this process's commits and polls for other processes' (5 ms, growing to 25: a
        page waiting for another process's batch is answered within a poll of its commit)."""
        deadline = time.monotonic() + timeout
        delay = POLL_FIRST
        while self.position(name) < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._advanced:
                self._advanced.wait(min(delay, remaining))
            delay = min(delay * 1.5, POLL_MAX)
        return True

    def lag(self) -> dict[str, int]:
        return {row["name"]: row["lag"] for row in self.status()}

    def status(self) -> list[dict[str, Any]]:
        head = self.store.head()
        positions = self.store.positions(list(NAMES))
        return [
            {
                "name": name,
                "generation": self.store.generation(name),
                "position": positions[name],
                "head": head,
                "lag": max(0, head - positions[name]),
                "shape_current": self.store.shape_current(self.projections[name]),
            }
            for name in NAMES
        ]


_instances: weakref.WeakKeyDictionary[Any, ReadModels] = weakref.WeakKeyDictionary()
_instances_lock = threading.Lock()


def read_models(app: Any) -> ReadModels:
    """The ReadModels of this application instance (created on first use)."""
    with _instances_lock:
        found = _instances.get(app)
        if found is None:
            found = _instances[app] = ReadModels(app)
        return found
