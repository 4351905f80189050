"""Writer processes for the append benchmarks. Each runs `threads` writer threads and obeys the
parent's commands over a pipe, so the same processes serve every round:

- ``("open",)``: open the application (its pool) for the "app" commands;
- ``("app", seconds, group_commit)``: ratings through ``app.execute`` + ``rate`` (the real use
  case) from this process's own share of the open slots, until ``seconds`` have passed;
- ``("raw", table, rows, seconds)``: raw single-row durable inserts of `rows` (one transaction
  each, a prepared statement, one connection per thread) for `seconds`: the rows as stored,
  then the same rows again under fresh originator ids;
- ``("recorder", table, rows, seconds, mode)``: the same, saved one event per save through a
  ``ChainedPostgresRecorder`` on `table` with group commit on or off, or through the
  library's stock PostgreSQL recorder (the append path alone, see RECORDER_MODES);
- ``("stop",)``.

Every writer prepares, then starts at the instant the parent gives (see ipc.py). The answer is
``{ops, errors, error, started, ended, latencies}``; the parent divides all ops by the span from
the first start to the last end.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from application.app import LianpingApp, Request
from application.principal import Principal
from application.settings import Settings
from application.store.postgres import open_postgres_recorder
from application.usecases import participants
from bench.generator import Slot
from bench.ipc import ready
from bench.store import RAW_INSERT, Row, Store, recorder_params

GRADES = ("good", "fairly_good", "average", "poor")
AMENDMENT = "补充了解情况后修改评价"
Result = dict[str, Any]
Go = Callable[[], float]  # says "ready", returns the start instant


def _until(go_at: float) -> None:
    delay = go_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _run_threads(threads: int, body: Callable[[int, Result], None], go_at: float) -> Result:
    result: Result = {"ops": 0, "errors": 0, "error": None, "latencies": []}
    lock = threading.Lock()
    ends: list[float] = []

    def thread(index: int) -> None:
        own: Result = {"ops": 0, "errors": 0, "error": None, "latencies": []}
        _until(go_at)
        body(index, own)
        with lock:
            ends.append(time.monotonic())
            for key in ("ops", "errors", "amendments"):
                result[key] = result.get(key, 0) + own.get(key, 0)
            result["error"] = result["error"] or own["error"]
            result["latencies"].extend(own["latencies"])

    workers = [threading.Thread(target=thread, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    result["started"], result["ended"] = go_at, max(ends)
    return result


class WhatIfSettings(Settings):
    """The what-if of the report (``--what-if``), NOT the product's configuration: the same
    settings; the writer process runs with PYTHONOPTIMIZE=1 (asserts off)."""


class AppWriter:
    def __init__(self, store: Store, threads: int, slots: list[Slot], what_if: bool) -> None:
        settings = store.settings(pool_size=threads + 1, max_overflow=2)
        if what_if:
            settings = WhatIfSettings(**settings.model_dump())
        self.app = LianpingApp(settings)
        self.threads = threads
        self.slots = deque(slots)
        self.total = len(slots)
        self.rated: deque[Slot] = deque()

    def next_slot(self) -> tuple[Slot, str | None] | None:
        """A first rating while there are open ones, else an amendment (it needs a reason) of
        one made earlier: both are single-event commands through the same use case. None when
        every slot is in flight."""
        try:
            return self.slots.popleft(), None
        except IndexError:
            pass
        try:
            return self.rated.popleft(), AMENDMENT
        except IndexError:
            return None

    def run(self, seconds: float, group_commit: bool, go: Go) -> Result:
        self.app.recorder.group_commit = group_commit  # type: ignore[union-attr]
        go_at = go()
        deadline = go_at + seconds

        def body(index: int, out: Result) -> None:
            pick = random.Random(index)
            while time.monotonic() < deadline and self.total:
                picked = self.next_slot()
                if picked is None:
                    time.sleep(0.005)
                    continue
                slot, reason = picked
                who = Principal(slot.reviewer, slot.reviewer, slot.organizer, ())
                began = time.monotonic()
                try:
                    self.app.execute(Request(who), participants.rate, slot.cycle_id,
                                     slot.org_code, pick.choice(GRADES), None, reason)
                except Exception as error:  # counted and reported, never expected
                    out["errors"] += 1
                    out["error"] = out["error"] or repr(error)
                    continue
                out["latencies"].append(time.monotonic() - began)
                out["ops"] += 1
                out["amendments"] = out.get("amendments", 0) + (reason is not None)
                self.rated.append(slot)

        return _run_threads(self.threads, body, go_at)

    def close(self) -> None:
        self.app.close()


def replay_rows(rows: list[Row], deadline: float) -> Iterator[Row]:
    """`rows` as stored, then again and again with fresh originator ids (the same bytes
    otherwise) until `deadline`: inserts for a fixed time, not a fixed count."""
    fresh = 0
    while time.monotonic() < deadline and rows:
        for row in rows:
            if time.monotonic() >= deadline:
                return
            yield row if not fresh else (uuid.uuid4(), *row[1:])
        fresh += 1


def _timed(out: Result, action: Callable[..., object], *args: Any) -> None:
    began = time.monotonic()
    try:
        action(*args)
    except Exception as error:  # counted and reported, never expected
        out["errors"] += 1
        out["error"] = out["error"] or repr(error)
        return
    out["latencies"].append(time.monotonic() - began)
    out["ops"] += 1


def raw_insert(
    store: Store, threads: int, table: str, rows: list[Row], seconds: float, go: Go
) -> Result:
    statement = SQL(RAW_INSERT).format(Identifier(table))
    shares = [rows[i::threads] for i in range(threads)]
    connections = [store.connect() for _ in range(threads)]
    try:
        go_at = go()

        def execute(conn: psycopg.Connection[Any], row: Row) -> None:
            conn.execute(statement, row, prepare=True)

        def body(index: int, out: Result) -> None:
            conn = connections[index]
            for row in replay_rows(shares[index], go_at + seconds):
                _timed(out, execute, conn, row)

        return _run_threads(threads, body, go_at)
    finally:
        for conn in connections:
            conn.close()


RECORDER_MODES = ("group", "single", "stock")


def _recorder(store: Store, table: str, threads: int, mode: str) -> Any:
    """The chained recorder with group commit on ("group") or off ("single"), or the library's
    own PostgreSQL recorder ("stock": the starting point, several round trips per save)."""
    if mode == "stock":
        datastore = PostgresDatastore(**recorder_params(store), pool_size=threads + 1,
                                      max_overflow=2)
        return PostgresApplicationRecorder(datastore, events_table_name=table)
    recorder = open_postgres_recorder(
        **recorder_params(store), pool_size=threads + 1, max_overflow=2,
        events_table_name=table, create_table=False,
    )
    recorder.group_commit = mode == "group"
    return recorder


def recorder_insert(
    store: Store, threads: int, table: str, rows: list[Row], seconds: float, mode: str,
    go: Go,
) -> Result:
    recorder = _recorder(store, table, threads, mode)
    shares = [rows[i::threads] for i in range(threads)]
    try:
        go_at = go()

        def body(index: int, out: Result) -> None:
            for row in replay_rows(shares[index], go_at + seconds):
                _timed(out, recorder.insert_events, [StoredEvent(*row[:4])])

        return _run_threads(threads, body, go_at)
    finally:
        recorder.datastore.close()


def writer_main(
    conn: Connection, store: Store, threads: int, slots: list[Slot], what_if: bool = False
) -> None:
    """The body of one writer process (spawned); ends on "stop" or when the parent goes away."""
    app: AppWriter | None = None

    def go() -> float:
        return ready(conn)

    try:
        while True:
            try:
                command = conn.recv()
            except EOFError:
                return
            kind, arguments = command[0], list(command[1:])
            if kind == "stop":
                return
            if kind == "open":
                app = app or AppWriter(store, threads, slots, what_if)
                go()
                conn.send({"ops": 0, "errors": 0, "error": None, "latencies": [],
                           "started": 0.0, "ended": 0.0})
            elif kind == "app":
                app = app or AppWriter(store, threads, slots, what_if)
                seconds, group_commit = arguments
                conn.send(app.run(seconds, group_commit, go))
            elif kind == "raw":
                table, rows, seconds = arguments
                conn.send(raw_insert(store, threads, table, rows, seconds, go))
            elif kind == "recorder":
                table, rows, seconds, mode = arguments
                conn.send(recorder_insert(store, threads, table, rows, seconds, mode, go))
    finally:
        if app is not None:
            app.close()
