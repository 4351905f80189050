"""Replays of the whole log against a raw sequential read of the events table: hash-chain
verification (``verify_recorder``) and rebuilding every read model (``projections.rebuild``).
A ratio is (events per second of the replay) / (rows per second of the raw read)."""

from __future__ import annotations

import importlib
import time
from typing import Any

from application.store.chain import verify_recorder
from application.store.postgres import open_postgres_recorder
from bench.stats import Rounds
from bench.store import EVENTS, Store, recorder_params


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
    """``projections.runtime.rebuild(settings, name)`` and ``projections.registry.NAMES``, if
    projections/ has them (another engineer is building it); else why not. (The submodules, not
    the package: an editable install made before projections/__init__.py existed imports
    ``projections`` as a namespace package, without the re-exports.)"""
    try:
        runtime = importlib.import_module("projections.runtime")
        registry = importlib.import_module("projections.registry")
    except Exception as error:  # a half-built package must not stop the other benchmarks
        return f"projections/ does not import: {error!r}"
    rebuild, names = getattr(runtime, "rebuild", None), getattr(registry, "NAMES", None)
    if not callable(rebuild) or not names:
        return "projections/ has no runtime.rebuild(settings, name) and registry.NAMES yet"
    return rebuild, tuple(names)


def run_rebuild(store: Store) -> dict[str, Any]:
    found = rebuild_function()
    if isinstance(found, str):
        return {"todo": found}
    rebuild, names = found
    settings = store.settings(pool_size=2)
    rows, before = store.raw_read()
    per_model: dict[str, Any] = {}
    started = time.perf_counter()
    for name in names:
        began = time.perf_counter()
        try:
            answer = rebuild(settings, name)
        except Exception as error:  # another engineer's code: report it, measure the rest
            return {"todo": f"rebuild({name!r}) failed: {error!r}"}
        per_model[name] = {"seconds": round(time.perf_counter() - began, 2),
                           "events": answer.get("events") if isinstance(answer, dict) else None}
    seconds = time.perf_counter() - started
    _, after = store.raw_read()
    raw_rate = rows / ((before + after) / 2)
    rate = rows / seconds
    return {
        "ratio": round(rate / raw_rate, 3), "baseline": [round(raw_rate, 1)],
        "subject": [round(rate, 1)], "seconds": round(seconds, 2), "rows": rows,
        "read_models": per_model,
    }
