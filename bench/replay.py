"""Replays of the whole log against a raw sequential read of the events table: hash-chain
verification (``verify_recorder``) and rebuilding every read model (``projections.rebuild``).
A ratio is (events per second of the replay) / (rows per second of the raw read)."""

from __future__ import annotations

import importlib
import time
from typing import Any

from application.app import LianpingApp
from application.store.chain import verify_recorder
from application.store.postgres import open_postgres_recorder
from bench.stats import Rounds
from bench.store import EVENTS, Store, recorder_params
from projections.rebuild import READ_BATCH
from projections.registry import EventSource


def run_verify(store: Store, rounds: int) -> dict[str, Any]:
    result = Rounds()
    recorder = open_postgres_recorder(**recorder_params(store), events_table_name=EVENTS,
                                      create_table=False)
    outcome = None
    try:
        for _ in range(rounds):
            rows, raw_seconds = store.raw_read()
            started = time.perf_counter()
            outcome = verify_recorder(recorder)
            seconds = time.perf_counter() - started
            result.add(rows / raw_seconds, rows / seconds)
    finally:
        recorder.datastore.close()
    return {**result.summary(), "ok": bool(outcome and outcome.ok),
            "verified_through": outcome.verified_through if outcome else None}


def rebuild_function() -> tuple[Any, tuple[str, ...]] | str:
    """``projections.runtime.rebuild_all(settings, names)`` (every read model in one pass over the
    log) and ``projections.registry.NAMES``, if projections/ has them; else why not. (The
    submodules, not the package: an editable install made before projections/__init__.py
    existed imports ``projections`` as a namespace package, without the re-exports.)"""
    try:
        runtime = importlib.import_module("projections.runtime")
        registry = importlib.import_module("projections.registry")
    except Exception as error:  # a half-built package must not stop the other benchmarks
        return f"projections/ does not import: {error!r}"
    rebuild_all, names = getattr(runtime, "rebuild_all", None), getattr(registry, "NAMES", None)
    if not callable(rebuild_all) or not names:
        return "projections/ has no runtime.rebuild_all(settings, names) and registry.NAMES yet"
    return rebuild_all, tuple(names)


def run_rebuild(store: Store) -> dict[str, Any]:
    found = rebuild_function()
    if isinstance(found, str):
        return {"todo": found}
    rebuild_all, names = found
    settings = store.settings(pool_size=2)
    rows, before = store.raw_read()
    started = time.perf_counter()
    try:
        answer = rebuild_all(settings, names)  # one pass over the log for all of them
    except Exception as error:  # another engineer's code: report it, measure the rest
        return {"todo": f"rebuild_all({names!r}) failed: {error!r}"}
    seconds = time.perf_counter() - started
    answers = answer.get("read_models", {}) if isinstance(answer, dict) else {}
    per_model: dict[str, Any] = {
        name: {"seconds": round(seconds, 2), "events": answers.get(name, {}).get("events")}
        for name in names
    }
    _, after = store.raw_read()
    raw_rate = rows / ((before + after) / 2)
    rate = rows / seconds
    return {
        "ratio": round(rate / raw_rate, 3), "baseline": [round(raw_rate, 1)],
        "subject": [round(rate, 1)], "seconds": round(seconds, 2), "rows": rows,
        "read_models": per_model, "passes": 1,
    }


def run_decode(store: Store) -> dict[str, Any]:
    """The rebuild's floor: its reads and decoding of the whole log (``EventSource.read``, the
    same batches) with no fold and no write, against the same raw read."""
    app = LianpingApp(store.settings(pool_size=2))
    try:
        source = EventSource.of(app)
        rows, before = store.raw_read()
        started = time.perf_counter()
        position = events = 0
        while batch := source.read(position, READ_BATCH):
            position, events = batch[-1].position, events + len(batch)
        seconds = time.perf_counter() - started
        _, after = store.raw_read()
    finally:
        app.close()
    raw_rate, rate = rows / ((before + after) / 2), events / seconds
    return {"ratio": round(rate / raw_rate, 3), "baseline": [round(raw_rate, 1)],
            "subject": [round(rate, 1)], "seconds": round(seconds, 2), "events": events}
