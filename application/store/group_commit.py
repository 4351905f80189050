"""Group commit for the PostgreSQL recorder: saves made concurrently in one process share one
transaction (one lock acquisition, one fsync, one NOTIFY), each still getting its own ids or its
own error (postgres.sql runs each save of a group in its own subtransaction).

Leader/follower, no timer and no thread: a caller queues its save; while fewer than
``MAX_INFLIGHT`` flushes are in progress it becomes a leader and flushes what is queued (FIFO,
bounded), else it waits for its answer. A lone save is flushed at once. Two flushes in flight keep
the table lock busy: one commits while the next already waits for the lock inside PostgreSQL.

Each waiting caller sleeps on a condition of its own (all share one lock): a finished flush wakes
the callers it answered and, for the flush slot it frees, one waiting caller to lead the saves
queued meanwhile, not every waiting thread (each needless wake-up is a context switch and a
fight for the GIL).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple
from uuid import UUID

from eventsourcing.persistence import DataError, PersistenceError

from application.store.chain import as_uuid

if TYPE_CHECKING:
    from eventsourcing.persistence import StoredEvent

    from application.store.records import IdempotencyRecord, ReadGuard

# Each save of a group runs in a subtransaction, and PostgreSQL caches at most 64 subxids per
# backend before other sessions' snapshots get slower: stay well below that.
MAX_SAVES = 32
MAX_EVENTS = 5000
MAX_INFLIGHT = 2
_WAIT_SLICE = 1.0  # a follower re-checks at least this often (the leader always notifies)


class Save(NamedTuple):
    """One caller's save: its events, its idempotency record, its read guards."""

    events: Sequence[StoredEvent]
    key: IdempotencyRecord | None
    guards: Sequence[ReadGuard]


def originator_uuid(originator_id: UUID | str) -> UUID:
    try:
        return as_uuid(originator_id)
    except (TypeError, ValueError) as e:
        msg = f"the hash chain needs UUID originator ids: {originator_id!r}"
        raise DataError(msg) from e


class AppendArgs(NamedTuple):
    """The append function's parameters, in its order (postgres.sql, append_function): the
    saves' columns, flattened in save order, with each save's sizes."""

    sizes: list[int]
    originator_ids: list[UUID]
    originator_versions: list[int]
    topics: list[str]
    states: list[bytes]
    lock_timeout: str
    key_ids: list[UUID | None]
    key_actors: list[str | None]
    key_fingerprints: list[str | None]
    key_responses: list[str | None]
    guard_sizes: list[int]
    guard_ids: list[UUID]
    guard_versions: list[int]

    @classmethod
    def of(cls, saves: Sequence[Save], lock_timeout: str) -> AppendArgs:
        events = [e for save in saves for e in save.events]
        keys = [save.key for save in saves]
        guards = [g for save in saves for g in save.guards]
        return cls(
            [len(save.events) for save in saves],
            [originator_uuid(e.originator_id) for e in events],
            [e.originator_version for e in events],
            [e.topic for e in events],
            [e.state for e in events],
            lock_timeout,
            [None if k is None else k.key_id for k in keys],
            [None if k is None else k.actor for k in keys],
            [None if k is None else k.fingerprint for k in keys],
            [None if k is None else k.response for k in keys],
            [len(save.guards) for save in saves],
            [g.originator_id for g in guards],
            [g.version for g in guards],
        )


@dataclass(eq=False)
class Pending:
    """A save waiting in the group and, once done, its answer."""

    save: Save
    wake: threading.Condition | None = None  # made when its caller first has to wait
    done: bool = False
    waiting: bool = False  # its caller sleeps on ``wake`` (it is not leading a flush)
    ids: list[int] | None = None
    error: BaseException | None = None

    def fail(self, error: BaseException) -> None:
        # Every caller raises an exception of its own (same class), chained to the cause.
        own = type(error)(str(error)) if isinstance(error, PersistenceError) else error
        if own is not error:
            own.__cause__ = error
        self.error = own


class GroupCommit:
    def __init__(self, flush: Callable[[list[Pending]], None]) -> None:
        self._flush = flush  # answers every save of a batch (sets ids or error)
        self._queue: deque[Pending] = deque()
        self._inflight = 0
        self._lock = threading.Lock()

    def submit(self, save: Save) -> list[int]:
        pending = Pending(save)
        with self._lock:
            self._queue.append(pending)
            while not pending.done:
                if self._inflight >= MAX_INFLIGHT or not self._queue:
                    if pending.wake is None:
                        pending.wake = threading.Condition(self._lock)
                    pending.waiting = True
                    pending.wake.wait(_WAIT_SLICE)
                    pending.waiting = False
                    continue
                batch = self._take()
                self._inflight += 1
                self._lock.release()
                try:
                    self._flush(batch)
                except BaseException as error:  # never leave a caller waiting
                    for other in batch:
                        if not other.done:
                            other.fail(error)
                    raise
                finally:
                    self._lock.acquire()
                    self._inflight -= 1
                    for other in batch:
                        other.done = True
                        if other.waiting:
                            assert other.wake is not None
                            other.wake.notify()
                    self._wake_a_leader()
        if pending.error is not None:
            raise pending.error
        assert pending.ids is not None
        return pending.ids

    def _wake_a_leader(self) -> None:
        """After a flush (lock held): the slot it frees goes to saves still queued, whose first
        waiting caller is woken to lead them (the caller that flushed may lead again too)."""
        for queued in self._queue:
            if queued.waiting:
                assert queued.wake is not None
                queued.wake.notify()
                return

    def _take(self) -> list[Pending]:
        batch = [self._queue.popleft()]
        events = len(batch[0].save.events)
        while self._queue and len(batch) < MAX_SAVES:
            events += len(self._queue[0].save.events)
            if events > MAX_EVENTS:
                break
            batch.append(self._queue.popleft())
        return batch
