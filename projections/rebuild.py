"""Rebuilding a read model without downtime.

The whole log is folded into a fresh generation of tables while the serving generation keeps
answering (and its runner keeps following the log). Then, in ONE transaction that holds the
pointer row (PostgreSQL ``FOR UPDATE``, which waits for the live runner's batch and holds off
the next; SQLite ``BEGIN IMMEDIATE``), the new generation is brought up to the serving one's
position and the pointer moves to it. Readers switch with their next snapshot, never seeing a
position go backwards; the live runner notices the pointer and follows the new generation.

The generation replaced is kept (rollback, and readers still in a snapshot of it) and dropped by
the next rebuild, as are the leftovers of a rebuild that crashed.

Several read models are rebuilt in ONE pass over the log (``rebuild_read_models``; all of them by
default): each event is read and decoded once and folded into every fresh generation. Nobody
else reads or writes a fresh generation before its switch, so its rows are folded in memory
(``BulkRows``, bulk.py: a bounded write-back cache) and written every ``FLUSH_EVERY`` events,
rows and tracking position in one transaction (the fresh tables always hold a prefix of the
log, exactly once; a crash leaves the serving generation alone). A thread reads the next batch
and another writes the last flush while the fold goes on. The catch-up inside the switch uses
the ordinary per-batch path (views.py), as the live runner does.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from projections.bulk import BulkRows
from projections.registry import EventSource
from projections.service import ReadModels
from projections.store import Store
from projections.tables import Key, Projection, Row, project
from projections.views import View


class RebuildInProgressError(RuntimeError):
    pass


#: Events read from the log at a time; events between two flushes of the fresh tables; values
#: (rows × columns) of one table the cache holds before it forgets rows not used lately
#: (bulk.py). Measured on 310k events (4 read models): peak RSS ~450 MiB and no read misses the
#: cache; with a tenth of that (and flushes every 5,000 events) ~190 MiB, 1.5x slower.
READ_BATCH = 5000
FLUSH_EVERY = 25_000
MAX_VALUES = 600_000


def rebuild_read_model(
    models: ReadModels, name: str, batch_size: int = READ_BATCH
) -> dict[str, Any]:
    """Rebuild one read model: {name, generation, previous_generation, position, events,
    seconds, events_per_second}."""
    return rebuild_read_models(models, [name], batch_size)["read_models"][name]


def rebuild_read_models(
    models: ReadModels,
    names: Sequence[str] | None = None,
    batch_size: int = READ_BATCH,
    flush_every: int = FLUSH_EVERY,
    max_values: int = MAX_VALUES,
) -> dict[str, Any]:
    """Rebuild several read models (default: all) in ONE pass over the log: each event is read
    and decoded once and folded into every fresh generation (``BulkRows``: in memory, flushed
    with its tracking position every ``flush_every`` events); then each switches as in
    ``rebuild_read_model``. Returns {read_models: {name: that model's answer}, events, position,
    seconds, events_per_second}."""
    chosen = list(dict.fromkeys(names or models.projections))
    return rebuild_projections(
        models.store, models.source, [models.projections[name] for name in chosen],
        batch_size, flush_every, max_values,
    )


def rebuild_projections(
    store: Store,
    source: EventSource,
    projections: Sequence[Projection],
    batch_size: int = READ_BATCH,
    flush_every: int = FLUSH_EVERY,
    max_values: int = MAX_VALUES,
) -> dict[str, Any]:
    """``rebuild_read_models`` for these projections (a runner rebuilds the one it runs when its
    tables changed: runner.py)."""
    locks = store.locks()
    held = []
    targets: list[tuple[View, View, BulkRows]] = []
    try:
        for projection in projections:
            lock = locks.lock(f"{projection.name}.rebuild")
            if not lock.try_acquire():
                raise RebuildInProgressError(f"a rebuild of {projection.name} is already running")
            held.append(lock)
        for projection in projections:
            serving = store.serving(projection)
            generation = serving.generation + 1
            for stale in (serving.generation - 1, generation):
                if stale >= 1:
                    store.drop(projection, stale)
            fresh = store.view(projection, generation)
            fresh.drop_indexes()  # made at once at the end: cheaper than row by row
            targets.append((serving, fresh, BulkRows(fresh, max_values)))
        started = time.monotonic()
        position, events = _fold_log(source, [rows for _, _, rows in targets], batch_size,
                                     flush_every)
        folded = time.monotonic() - started
        for _, fresh, _ in targets:
            fresh.create_indexes()
            fresh.analyze()
        answers: dict[str, dict[str, Any]] = {}
        for serving, fresh, rows in targets:
            caught_up = _switch(store, source, serving, fresh)
            seconds = time.monotonic() - started
            answers[fresh.projection.name] = {
                "name": fresh.projection.name,
                "generation": fresh.generation,
                "previous_generation": serving.generation,
                "position": max(position, caught_up),
                "events": events,
                "seconds": round(seconds, 3),
                "events_per_second": round(events / seconds) if seconds > 0 else None,
                "rows_written": rows.written,
                "rows_read_back": rows.loads,
            }
        seconds = time.monotonic() - started
        return {
            "read_models": answers,
            "events": events,
            "position": max([int(a["position"]) for a in answers.values()], default=position),
            "seconds": round(seconds, 3),
            "fold_seconds": round(folded, 3),
            "events_per_second": round(events / seconds) if seconds > 0 else None,
        }
    finally:
        for _, _, rows in targets:
            rows.close()
        for lock in held:
            lock.release()
        locks.close()


def _fold_log(
    source: EventSource, targets: list[BulkRows], batch_size: int, flush_every: int
) -> tuple[int, int]:
    """Fold the whole log into every target; returns (last position, events). The next batch is
    read, and the last flush written, by a thread each while this one folds (at most one of
    each in flight: memory stays bounded), so the database works while Python folds."""
    position = events = pending = 0
    writing: Future[None] | None = None

    def flush() -> Future[None]:
        if writing is not None:
            writing.result()  # the previous flush is in: forgetting what it wrote is safe
        changes = [(rows, rows.take()) for rows in targets]
        for rows in targets:
            rows.forget()
        return writer.submit(_write_all, changes, position)

    with (
        _fewer_collections(),
        ThreadPoolExecutor(1, thread_name_prefix="rebuild-read") as reader,
        ThreadPoolExecutor(1, thread_name_prefix="rebuild-write") as writer,
    ):
        upcoming = reader.submit(source.read, 0, batch_size)
        while batch := upcoming.result():
            position, events = batch[-1].position, events + len(batch)
            upcoming = reader.submit(source.read, position, batch_size)
            for rows in targets:
                fold = rows.view.projection.fold
                for event in batch:
                    project(rows, fold, event)
            pending += len(batch)
            if pending >= flush_every:
                writing, pending = flush(), 0
        if pending:
            writing = flush()
        if writing is not None:
            writing.result()
    return position, events


@contextmanager
def _fewer_collections(young: int = 50_000) -> Iterator[None]:
    """Run the cyclic garbage collector less often while folding: the fold allocates millions of
    short-lived dicts (freed by reference counting anyway) next to a large cache that every
    collection of the older generations walks again; measured: a fifth of the CPU time."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(young, thresholds[0]), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


Changes = dict[str, dict[Key, Row | None]]


def _write_all(changes: list[tuple[BulkRows, Changes]], position: int) -> None:
    for rows, taken in changes:
        rows.write(taken, position)


def _switch(
    store: Store, source: EventSource, serving: View, fresh: View, batch_size: int = 1000
) -> int:
    """Catch ``fresh`` up with ``serving`` and make it serve, atomically; returns its position."""
    with store.write() as cursor:
        if store.lock_pointer(cursor, fresh.projection.name) != serving.generation:
            raise RebuildInProgressError("the serving generation changed during the rebuild")
        target = serving._max_tracking_id(serving.tracking_name, cursor) or 0
        position = fresh._max_tracking_id(fresh.tracking_name, cursor) or 0
        while position < target:
            batch = source.read(position, batch_size, stop=target)
            if not batch:
                break
            position = fresh.apply_in(cursor, batch)
        store.set_generation(cursor, fresh.projection, fresh.generation)
    return position
