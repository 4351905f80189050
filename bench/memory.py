"""Running the real use cases fast: aggregates kept in memory, events saved in big transactions.

``MemoryApp`` stands in for ``LianpingApp`` where a use case needs it (``find``, ``commit``,
``now``, ``today``, ``signing_key``). The use case code runs unchanged, so it records exactly the
events it records through ``app.execute``; the differences are only that aggregates are found in
a dict instead of being replayed from the store, and that ``commit`` queues the events (in
command order) and writes them through the real application's event store once ``batch`` of them
are queued: one transaction for many commands, through the same hash-chained recorder. A
writer thread saves one batch while the next is being decided (in order, at most two queued).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.app import LianpingApp, Outcome, Request
from application.principal import Principal

A = TypeVar("A", bound=Aggregate)


class MemoryApp:
    def __init__(self, app: LianpingApp, batch: int = 2000) -> None:
        self.app = app
        self.batch = batch
        self.settings = app.settings
        self.signing_key = app.signing_key
        self.tz = app.tz
        self.aggregates: dict[UUID, Aggregate] = {}
        self.pending: list[Any] = []
        self.saved = 0
        self.transactions = 0
        self._batches: queue.Queue[list[Any] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._writer = threading.Thread(target=self._write, name="bench-writer", daemon=True)
        self._writer.start()

    # -- what the use cases call ----------------------------------------------------------------

    def now(self) -> datetime:
        return self.app.now()

    def today(self) -> date:
        return self.app.today()

    def find(self, cls: type[A], aggregate_id: UUID, *, read_only: bool = False,
             new_unless_cached: bool = False) -> A | None:
        found = self.aggregates.get(aggregate_id)
        return found if isinstance(found, cls) else None

    def find_all(
        self, aggregate_ids: Iterable[UUID], as_of: datetime | None = None
    ) -> dict[UUID, Aggregate]:
        assert as_of is None, "the generator reads the present only"
        return {i: self.aggregates[i] for i in aggregate_ids if i in self.aggregates}

    def read_all(self, aggregate_ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
        return self.find_all(aggregate_ids)

    def cached(self, cls: type[A], aggregate_id: UUID) -> A | None:
        return self.find(cls, aggregate_id)

    def commit(
        self, request: Request, *aggregates: Aggregate, item: Aggregate, body: dict[str, Any],
        created: bool = False, secret_fields: tuple[str, ...] = (),
    ) -> Outcome:
        if request.idempotency_key is not None:
            raise ValueError("the generator does not use idempotency keys")
        for aggregate in aggregates:
            self.pending.extend(aggregate.collect_events())
            self.aggregates[aggregate.id] = aggregate
        if len(self.pending) >= self.batch:
            self.flush()
        return Outcome(body, item.version, 0, created)

    # -- driving --------------------------------------------------------------------------------

    def run(self, who: Principal, use_case: Callable[..., Outcome], *args: Any) -> Outcome:
        return use_case(self, Request(who), *args)

    def flush(self) -> None:
        """Hand the queued events to the writer thread (raises a failed earlier write)."""
        self._raise()
        if self.pending:
            self._batches.put(self.pending)
            self.saved += len(self.pending)
            self.transactions += 1
            self.pending = []

    def close(self) -> None:
        """Write what is queued and wait for the writer; raises if a write failed."""
        self.flush()
        self._batches.put(None)
        self._writer.join()
        self._raise()

    def _write(self) -> None:
        while (batch := self._batches.get()) is not None:
            if self._error is None:
                try:
                    self.app.events.put(batch)
                except BaseException as error:  # reported by the next flush or close
                    self._error = error

    def _raise(self) -> None:
        if self._error is not None:
            raise RuntimeError("the generator could not save a batch") from self._error

    def forget(self, ids: Iterable[UUID]) -> None:
        """Drop aggregates no later command needs (they are saved already), to bound memory."""
        for aggregate_id in ids:
            self.aggregates.pop(aggregate_id, None)


class ExecuteRunner:
    """The generator's commands through ``app.execute``, one transaction each, exactly as the
    API runs them: the slow reference that tests compare MemoryApp with."""

    def __init__(self, app: LianpingApp) -> None:
        self.app = app
        self.saved = 0
        self.transactions = 0

    def run(self, who: Principal, use_case: Callable[..., Outcome], *args: Any) -> Outcome:
        self.transactions += 1
        return self.app.execute(Request(who), use_case, *args)

    def find(self, cls: type[A], aggregate_id: UUID, *, read_only: bool = False,
             new_unless_cached: bool = False) -> A | None:
        return self.app.find(cls, aggregate_id, read_only=read_only,
                             new_unless_cached=new_unless_cached)

    def find_all(
        self, aggregate_ids: Iterable[UUID], as_of: datetime | None = None
    ) -> dict[UUID, Aggregate]:
        return self.app.find_all(aggregate_ids, as_of)

    def today(self) -> date:
        return self.app.today()

    def forget(self, ids: Iterable[UUID]) -> None:
        pass

    def close(self) -> None:
        self.saved = self.app.recorder.max_notification_id() or 0
