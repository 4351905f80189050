"""The append benchmarks: single-event commands from 8 concurrent writers against raw inserts.

Each round runs, on the same writer processes and the same full-size store:

1. ratings through ``app.execute`` + ``rate``, group commit on and off (and, with a second set
   of writer processes, the report's what-if configuration);
2. the rows those commands stored, exactly as stored (then again under fresh originator ids, so
   that every phase lasts as long), inserted as raw single-row durable inserts into a
   same-shaped table holding a copy of the log (the baseline); then saved one event per save
   through a ``ChainedPostgresRecorder`` on another copy of the log (the append path alone),
   group commit on and off, and through the library's stock recorder on a third copy.

The order of the on/off variants alternates from round to round. Rates are ops / (first start
.. last end) over all writers; each round's rates are divided by the same round's baseline, and
the median of the per-round ratios is reported.
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from bench.generator import Slot
from bench.ipc import exchange, stop
from bench.stats import Rounds, median, ms, percentile
from bench.store import Row, Store
from bench.writers import Result, writer_main

RAW_TABLE, RECORDER_TABLE, STOCK_TABLE = "bench_raw", "bench_recorder", "bench_stock"


def _rate(results: list[Result]) -> dict[str, Any]:
    ops = sum(r["ops"] for r in results)
    span = max(r["ended"] for r in results) - min(r["started"] for r in results)
    latencies = [x for r in results for x in r["latencies"]]
    return {
        "ops": ops, "seconds": round(span, 3), "rate": ops / span if span > 0 else 0.0,
        "errors": sum(r["errors"] for r in results),
        "error": next((r["error"] for r in results if r["error"]), None),
        "amendments": sum(r.get("amendments", 0) for r in results),
        "p50_ms": ms(percentile(latencies, 50)), "p99_ms": ms(percentile(latencies, 99)),
    }


@contextmanager
def _environment(**values: str | None) -> Iterator[None]:
    """os.environ with `values` set (None: left as is) while a child process is spawned."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update({name: value for name, value in values.items() if value is not None})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class WriterPool:
    """`processes` spawned writer processes with `threads` writer threads each, kept for every
    round (see writers.py); the open ratings are dealt out between them."""

    def __init__(
        self, store: Store, processes: int, threads: int, slots: list[Slot],
        what_if: bool = False,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.workers: list[tuple[Connection, BaseProcess]] = []
        for index in range(processes):
            parent, child = context.Pipe()
            process = context.Process(
                target=writer_main,
                args=(child, store, threads, slots[index::processes], what_if),
                name=f"bench-writer-{'what-if-' if what_if else ''}{index}", daemon=True,
            )
            with _environment(PYTHONOPTIMIZE="1" if what_if else None):
                process.start()
            self.workers.append((parent, process))

    def command(self, *command: Any) -> dict[str, Any]:
        """The same command to every writer."""
        return _rate(exchange(self.workers, [command] * len(self.workers)))

    def insert(self, kind: str, table: str, rows: list[Row], *extra: Any) -> dict[str, Any]:
        """A "raw" or "recorder" command, the rows dealt out between the writers."""
        count = len(self.workers)
        return _rate(exchange(
            self.workers, [(kind, table, rows[i::count], *extra) for i in range(count)]))

    def close(self) -> None:
        stop(self.workers)


PHASES = ("app_group_commit", "app_single", "what_if",
          "recorder_group_commit", "recorder_single", "recorder_stock")


@dataclass
class AppendResult:
    """Per phase, its rates against the same round's raw baseline (see stats.Rounds)."""

    rounds: dict[str, Rounds] = field(default_factory=lambda: {p: Rounds() for p in PHASES})
    phases: list[dict[str, Any]] = field(default_factory=list)

    def gain(self, on: str, off: str) -> float | None:
        """Median over rounds of (rate of `on`) / (rate of `off`) in the same round."""
        pairs = zip(self.rounds[on].subject, self.rounds[off].subject, strict=False)
        return median([a / b for a, b in pairs if b > 0])


def prepare_tables(store: Store) -> None:
    """The baseline's table and the append path's logs, each holding a copy of the log."""
    store.raw_table(RAW_TABLE)
    store.recorder_table(RECORDER_TABLE)
    store.stock_table(STOCK_TABLE)
    store.settle()


def run_append(
    store: Store, pool: WriterPool, *, rounds: int, seconds: float, insert_seconds: float,
    warmup: float, what_if: WriterPool | None = None,
) -> AppendResult:
    """Rounds of app phases, then the baseline, then the append path alone; the order of the
    variants alternates from round to round, so a drift in the machine's load is shared."""
    result = AppendResult()
    for writers in (pool, what_if):
        if writers is not None:
            writers.command("open")
            writers.command("app", warmup, True)  # warms the caches
    for number in range(1, rounds + 1):
        flip = number % 2 == 0
        head = store.head()
        rates: dict[str, dict[str, Any]] = {}
        for group_commit in (False, True) if flip else (True, False):
            name = "app_group_commit" if group_commit else "app_single"
            rates[name] = pool.command("app", seconds, group_commit)
        if what_if is not None:
            rates["what_if"] = what_if.command("app", seconds, True)
        rows: list[Row] = store.rows_after(head)
        raw = pool.insert("raw", RAW_TABLE, rows, insert_seconds)
        modes = ("single", "group") if flip else ("group", "single")
        for mode in (*modes, "stock"):
            # Each row once per log: as stored the first time, under fresh ids after that.
            fresh = mode != modes[0]
            batch = [(uuid.uuid4(), *row[1:]) for row in rows] if fresh else rows
            table = STOCK_TABLE if mode == "stock" else RECORDER_TABLE
            rates[f"recorder_{'group_commit' if mode == 'group' else mode}"] = pool.insert(
                "recorder", table, batch, insert_seconds, mode)
        for name, rate in rates.items():
            result.rounds[name].add(raw["rate"], rate["rate"])
        result.phases.append({"round": number, "rows": len(rows), "raw": raw, **rates})
    return result
