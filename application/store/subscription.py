"""Tailing the event log without stalling.

``PollingSubscription`` is the library's ``Subscription`` (an iterator of notifications after
``gt``) that reads with ``select_notifications`` and, once caught up, waits for a wake-up *or* at
most ``poll_interval`` seconds. Wake-ups come from

- this process's own saves on SQLite: ``ChainedSQLiteRecorder.insert_events`` calls ``saved()``
  after its commit (SQLite has no NOTIFY, and other processes' saves are found by polling);
- PostgreSQL ``NOTIFY``: a listener thread on its own connection, reconnecting after errors,
  one per log and process that all its subscriptions share;
- in a process that reads a SQLite log others write (the read-model process), ``watch_head``:
  a thread that polls the head every few milliseconds (one indexed MAX) and wakes on a change.

So a lost notification or a LISTEN connection that died silently delays a reader by one poll,
never forever. ``next_batch()`` hands out everything already read in one go, which lets a
projection apply a whole batch in one transaction.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any

import psycopg
from eventsourcing.persistence import ApplicationRecorder, Notification, Subscription
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL = 1.0
DEFAULT_BATCH_SIZE = 500

_wakers: dict[str, weakref.WeakSet[threading.Event]] = {}
_wakers_lock = threading.Lock()


def store_key(recorder: ApplicationRecorder) -> str | None:
    """Identifies the event log a recorder writes, for waking readers in this process."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        db_name = recorder.datastore.pool.db_name
        if recorder.datastore.pool.is_sqlite_memory_mode:
            return f"sqlite:{db_name}"
        return f"sqlite:{os.path.realpath(db_name)}"
    if isinstance(recorder, PostgresApplicationRecorder):
        return f"postgres:{id(recorder.datastore)}:{recorder.channel_name}"
    return None


def saved(recorder: ApplicationRecorder) -> None:
    """Wake this process's subscriptions to the recorder's log (call after a commit, or on its
    NOTIFY)."""
    key = store_key(recorder)
    if key is None:
        return
    with _wakers_lock:
        events = list(_wakers.get(key, ()))
    for event in events:
        event.set()


def watch_head(
    recorder: ApplicationRecorder, stop: threading.Event, interval: float = 0.02
) -> threading.Thread | None:
    """Wake this process's subscriptions when another process appends to a SQLite log (SQLite
    has no NOTIFY), until ``stop`` is set. None for PostgreSQL, whose listeners do that."""
    if not isinstance(recorder, SQLiteApplicationRecorder):
        return None

    def watch() -> None:
        last = None
        while not stop.wait(interval):
            try:
                head = recorder.max_notification_id()
            except Exception:  # the subscriptions' own polls report store errors
                continue
            if head != last:
                last = head
                saved(recorder)

    thread = threading.Thread(target=watch, name="sqlite-head-watch", daemon=True)
    thread.start()
    return thread


def _register(key: str | None, event: threading.Event) -> None:
    if key is not None:
        with _wakers_lock:
            _wakers.setdefault(key, weakref.WeakSet()).add(event)


def _unregister(key: str | None, event: threading.Event) -> None:
    if key is not None:
        with _wakers_lock:
            _wakers.get(key, weakref.WeakSet()).discard(event)


class PollingSubscription(Subscription[ApplicationRecorder]):
    def __init__(
        self,
        recorder: ApplicationRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        batch_size: int = DEFAULT_BATCH_SIZE,
        read: Callable[[int, int], Sequence[Notification]] | None = None,
    ) -> None:
        """``read(after, limit)``: reads the log instead of the recorder's
        ``select_notifications`` (without ``topics``), e.g. through what other readers in this
        process read already (projections/tail.py)."""
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self._read = read
        self._buffer: deque[Notification] = deque()
        self._wake = threading.Event()
        self._key = store_key(recorder)
        _register(self._key, self._wake)
        if isinstance(recorder, PostgresApplicationRecorder):
            listen(recorder)

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        super().stop()
        self._wake.set()
        _unregister(self._key, self._wake)
        if isinstance(self._recorder, PostgresApplicationRecorder):
            unlisten(self._recorder)

    def __next__(self) -> Notification:
        batch = self.next_batch(limit=1)
        if not batch:
            raise StopIteration
        return batch[0]

    def next_batch(
        self, limit: int | None = None, timeout: float | None = None
    ) -> list[Notification]:
        """Up to ``limit`` notifications, waiting until there is at least one. Returns [] when
        stopped, or when ``timeout`` seconds passed without any."""
        limit = limit or self.batch_size
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._has_been_stopped:
            if self._buffer:
                return [self._buffer.popleft() for _ in range(min(limit, len(self._buffer)))]
            # Clear before reading: a save committed after this read sets it again.
            self._wake.clear()
            self._pull()
            if self._buffer:
                continue
            wait = self.poll_interval
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    return []
            self._wake.wait(wait)
        return []

    def _pull(self) -> None:
        after = self._last_notification_id or 0
        if self._read is not None and not self._topics:
            notifications = self._read(after, self.batch_size)
        else:
            notifications = self._recorder.select_notifications(
                start=after, limit=self.batch_size, topics=self._topics, inclusive_of_start=False
            )
        if notifications:
            self._buffer.extend(notifications)
            self._last_notification_id = notifications[-1].id


def dedicated_connection(datastore: PostgresDatastore) -> psycopg.Connection[Any]:
    """A connection of its own (not from the pool) to the pool's database, in autocommit, with
    TCP keepalives so that a dead peer is noticed."""
    pool = datastore.pool
    kwargs = pool.kwargs() if callable(pool.kwargs) else dict(pool.kwargs or {})
    kwargs.pop("row_factory", None)
    conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
    return psycopg.connect(
        conninfo, autocommit=True, connect_timeout=max(1, int(pool.timeout)), keepalives=1,
        keepalives_idle=10, keepalives_interval=5, keepalives_count=3, **kwargs,
    )


_listeners: dict[tuple[int, str], PostgresListener] = {}
_listeners_lock = threading.Lock()


def _listener_key(recorder: PostgresApplicationRecorder) -> tuple[int, str]:
    return id(recorder.datastore), recorder.channel_name


def listen(recorder: PostgresApplicationRecorder) -> None:
    """Wake the process's subscriptions to the recorder's log (``saved``) on every NOTIFY,
    until as many ``unlisten``. One listener (thread, connection) per log and process, whatever
    the number of subscriptions: each listening connection costs the database a wake-up, and
    every commit a signal, per NOTIFY (measured with five read models: a sixth of the
    read-model process's database time)."""
    with _listeners_lock:
        key = _listener_key(recorder)
        listener = _listeners.get(key)
        if listener is None:
            listener = _listeners[key] = PostgresListener(recorder)
        listener.users += 1


def unlisten(recorder: PostgresApplicationRecorder) -> None:
    """The last subscription to go stops the listener."""
    with _listeners_lock:
        key = _listener_key(recorder)
        listener = _listeners.get(key)
        if listener is not None:
            listener.users -= 1
            if listener.users <= 0:
                listener.stop()
                del _listeners[key]


class PostgresListener:
    """LISTENs on the recorder's channel on a dedicated connection and wakes the subscriptions
    to its log on each notification; reconnects after errors (they poll meanwhile)."""

    def __init__(self, recorder: PostgresApplicationRecorder, retry: float = 1.0) -> None:
        self._recorder = recorder
        self.users = 0  # subscriptions listening (listen/unlisten, under _listeners_lock)
        self._retry = retry
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                with dedicated_connection(self._recorder.datastore) as conn:
                    conn.execute(SQL("LISTEN {}").format(Identifier(self._recorder.channel_name)))
                    saved(self._recorder)  # whatever was saved while we were not listening
                    while not self._stopped.is_set():
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            saved(self._recorder)
            except psycopg.Error as error:
                log.warning("LISTEN connection failed (%s); polling until it is back", error)
                self._stopped.wait(self._retry)
