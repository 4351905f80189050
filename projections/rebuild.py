"""Rebuilding a read model without downtime.

The whole log is folded into a fresh generation of tables while the serving generation keeps
answering (and its runner keeps following the log). Then, in ONE transaction that holds the
pointer row (PostgreSQL ``FOR UPDATE``, which waits for the live runner's batch and holds off
the next; SQLite ``BEGIN IMMEDIATE``), the new generation is brought up to the serving one's
position and the pointer moves to it. Readers switch with their next snapshot, never seeing a
position go backwards; the live runner notices the pointer and follows the new generation.

The generation replaced is kept (rollback, and readers still in a snapshot of it) and dropped by
the next rebuild, as are the leftovers of a rebuild that crashed.
"""

from __future__ import annotations

import time
from typing import Any

from projections.service import ReadModels
from projections.views import View


class RebuildInProgressError(RuntimeError):
    pass


def rebuild_read_model(models: ReadModels, name: str, batch_size: int = 1000) -> dict[str, Any]:
    projection = models.projections[name]
    store, source = models.store, models.source
    locks = store.locks()
    lock = locks.lock(f"{name}.rebuild")
    if not lock.try_acquire():
        locks.close()
        raise RebuildInProgressError(f"a rebuild of {name} is already running")
    try:
        serving = store.ensure(projection)
        generation = serving.generation + 1
        for stale in (serving.generation - 1, generation):
            if stale >= 1:
                store.drop(projection, stale)
        fresh = store.view(projection, generation)
        started = time.monotonic()
        position = events = 0
        while batch := source.read(position, batch_size):
            fresh.process(batch, live=False)
            position, events = batch[-1].position, events + len(batch)
        caught_up = _switch(models, serving, fresh)
        seconds = time.monotonic() - started
        return {
            "name": name,
            "generation": generation,
            "previous_generation": serving.generation,
            "position": max(position, caught_up),
            "events": events,
            "seconds": round(seconds, 3),
            "events_per_second": round(events / seconds) if seconds > 0 else None,
        }
    finally:
        lock.release()
        locks.close()


def _switch(models: ReadModels, serving: View, fresh: View, batch_size: int = 1000) -> int:
    """Catch ``fresh`` up with ``serving`` and make it serve, atomically; returns its position."""
    store, source = models.store, models.source
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
        store.set_generation(cursor, fresh.projection.name, fresh.generation)
    return position
