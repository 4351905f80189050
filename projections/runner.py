"""Keeping the views up to date: one supervised thread per read model.

A runner thread takes its projection's lock (locks.py), subscribes to the log after the view's
tracking position (a polling subscription: woken by this process's SQLite saves or PostgreSQL
NOTIFY, and polling anyway), and applies each batch it receives in one transaction. Without the
lock it retries every ``lock_retry`` seconds, so another process takes over when the holder
dies. Having taken the lock, a runner whose serving generation has tables of another shape than
the code declares (a release changed them: shape.py) first rebuilds the read model into a new
generation (rebuild.py), once, whichever process it runs in. Errors are logged and the runner
restarts with exponential backoff, from the committed position: nothing is skipped and nothing is
applied twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from application.store.subscription import PollingSubscription
from projections.locks import Lock, Locks
from projections.rebuild import rebuild_projections
from projections.registry import EventSource
from projections.store import Store
from projections.tables import Projection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunnerConfig:
    batch_size: int = 500
    poll_interval: float = 1.0
    lock_retry: float = 1.0
    backoff_initial: float = 0.2
    backoff_max: float = 30.0
    # Under load events arrive one by one; waiting this long after the first lets one transaction
    # (one tracking write, one commit) take all that arrived meanwhile. It delays a read model by
    # at most this much (X-Min-Position waits for it).
    linger: float = 0.05
    # Off only in tests that add a table to a read model in place (to count what was applied).
    rebuild_changed_shapes: bool = True


Committed = Callable[[str, int], None]
THREAD_PREFIX = "read-model-"


def runner_threads() -> int:
    """How many runner threads this process runs (/metrics; none in `lianping serve`'s API)."""
    return sum(1 for thread in threading.enumerate() if thread.name.startswith(THREAD_PREFIX))


class ProjectionRunner:
    """Runs one projection until ``stop`` is set; ``run()`` is the supervised thread body."""

    def __init__(
        self, projection: Projection, store: Store, source: EventSource, lock: Lock,
        stop: threading.Event, config: RunnerConfig, committed: Committed | None = None,
    ) -> None:
        self.projection = projection
        self.store = store
        self.source = source
        self.lock = lock
        self.stop = stop
        self.config = config
        self.committed = committed or (lambda name, position: None)
        self.holding = threading.Event()
        self.errors = 0
        self._subscription: PollingSubscription | None = None

    @property
    def name(self) -> str:
        return self.projection.name

    def wake(self) -> None:
        subscription = self._subscription
        if subscription is not None:
            subscription.wake()

    def halt(self) -> None:
        """Unblock a waiting runner at once (``stop`` must be set already)."""
        subscription = self._subscription
        if subscription is not None:
            subscription.stop()

    def run(self) -> None:
        backoff = self.config.backoff_initial
        while not self.stop.is_set():
            try:
                self.run_once()
                backoff = self.config.backoff_initial
            except Exception:
                self.errors += 1
                log.exception("read model %s failed; restarting in %.1fs", self.name, backoff)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, self.config.backoff_max)

    def run_once(self) -> None:
        """Hold the lock and follow the log; return when stopped, when the lock is lost, or when
        a rebuild switched generations (the caller simply calls again)."""
        if not self.lock.try_acquire():
            self.stop.wait(self.config.lock_retry)
            return
        try:
            self.holding.set()
            self._follow()
        finally:
            self.holding.clear()
            self.lock.release()

    def _rebuild_if_changed(self) -> None:
        generation, current = self.store.prepare(self.projection)
        if current:
            return
        log.warning("read model %s: tables changed, rebuilding into generation %d",
                    self.name, generation + 1)
        done = rebuild_projections(self.store, self.source, [self.projection])
        answer = done["read_models"][self.name]
        log.warning("read model %s: rebuilt into generation %d (%d events in %.1f s); "
                    "it serves reads now", self.name, answer["generation"], answer["events"],
                    answer["seconds"])

    def _follow(self) -> None:
        if self.config.rebuild_changed_shapes:
            self._rebuild_if_changed()
        view = self.store.ensure(self.projection)
        subscription = self.source.subscribe(
            view.position(), self.config.poll_interval, self.config.batch_size
        )
        self._subscription = subscription
        try:
            while not self.stop.is_set():
                batch = subscription.next_batch(timeout=self.config.poll_interval)
                if batch and self.config.linger > 0 and len(batch) < self.config.batch_size:
                    self.stop.wait(self.config.linger)
                    batch += subscription.next_batch(
                        limit=self.config.batch_size - len(batch), timeout=0
                    )
                if self.stop.is_set():
                    return
                if not self.lock.held():
                    log.warning("read model %s lost its lock; stepping back", self.name)
                    return
                if not batch:
                    if self.store.generation(self.name) != view.generation:
                        return
                    continue
                if not view.process(self.source.envelopes(batch)):
                    return  # a rebuild switched generations
                self.committed(self.name, batch[-1].id)
        finally:
            self._subscription = None
            subscription.stop()


class Runners:
    """Handle on the runner threads of one process: ``stop()`` ends them and releases the locks."""

    def __init__(
        self, projections: Sequence[Projection], store: Store, source: EventSource,
        config: RunnerConfig | None = None, committed: Committed | None = None,
    ) -> None:
        self.stop_event = threading.Event()
        self.locks: Locks = store.locks()
        config = config or RunnerConfig()
        self.runners = {
            p.name: ProjectionRunner(
                p, store, source, self.locks.lock(p.name), self.stop_event, config, committed
            )
            for p in projections
        }
        self.threads = [
            threading.Thread(target=r.run, name=f"{THREAD_PREFIX}{r.name}", daemon=True)
            for r in self.runners.values()
        ]
        for thread in self.threads:
            thread.start()

    def wake(self) -> None:
        for runner in self.runners.values():
            runner.wake()

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        for runner in self.runners.values():
            runner.halt()
        for thread in self.threads:
            thread.join(timeout)
        self.locks.close()

    def __enter__(self) -> Runners:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
