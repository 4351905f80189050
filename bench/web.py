"""The HTTP benchmarks: rating POSTs through the real server from 16 clients in another process,
reads under that load, and standings ``as_of`` on the full store against a 10x smaller one."""

from __future__ import annotations

import json
import multiprocessing
import time
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any
from urllib.parse import quote

from bench.append import RAW_TABLE, WriterPool
from bench.httpload import HttpPlan, Result, load_main
from bench.ipc import exchange, stop
from bench.server import Server
from bench.stats import Rounds, ms, percentile
from bench.store import Store


def _latency(results: list[Result]) -> dict[str, Any]:
    latencies = [x for r in results for x in r["latencies"]]
    return {
        "ops": sum(r["ops"] for r in results), "errors": sum(r["errors"] for r in results),
        "error": next((r["error"] for r in results if r["error"]), None),
        "p50_ms": ms(percentile(latencies, 50)), "p99_ms": ms(percentile(latencies, 99)),
    }


@dataclass
class HttpResult:
    append: Rounds = field(default_factory=Rounds)
    ceiling: Rounds = field(default_factory=Rounds)  # the no-op app (bench/ceiling.py)
    writes: dict[str, Any] = field(default_factory=dict)
    standings: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] = field(default_factory=dict)
    phases: list[dict[str, Any]] = field(default_factory=list)
    peak_rss_mb: dict[str, float] = field(default_factory=dict)


class LoadProcess:
    def __init__(self, plan: HttpPlan) -> None:
        context = multiprocessing.get_context("spawn")
        pipe, child = context.Pipe()
        process = context.Process(target=load_main, args=(child, plan), daemon=True,
                                  name="bench-http-load")
        process.start()
        self.workers: list[tuple[Connection, BaseProcess]] = [(pipe, process)]

    def run(self, seconds: float, with_readers: bool) -> dict[str, Result]:
        answer: dict[str, Result] = exchange(self.workers, [("run", seconds, with_readers)])[0]
        return answer

    def close(self) -> None:
        stop(self.workers)


def run_http(
    store: Store, server: Server, pool: WriterPool, plan: HttpPlan, *, rounds: int,
    seconds: float, insert_seconds: float, warmup: float, ceiling: Server | None = None,
) -> HttpResult:
    """Rounds of the load on `server`, then on `ceiling` if given (without the readers: it has
    no read routes; the order alternating), then the raw inserts of the rows `server` stored."""
    result = HttpResult()
    load = LoadProcess(plan)
    empty = LoadProcess(replace(plan, port=ceiling.port)) if ceiling else None
    writes, standings, audit = [], [], []
    try:
        load.run(warmup, True)
        if empty is not None:
            empty.run(warmup, False)
        for number in range(1, rounds + 1):
            ceiling_answer = empty.run(seconds, False) if empty and number % 2 == 0 else None
            head = store.head()
            answer = load.run(seconds, True)
            rows = store.rows_after(head)
            if empty is not None and ceiling_answer is None:
                ceiling_answer = empty.run(seconds, False)
            raw = pool.insert("raw", RAW_TABLE, rows, insert_seconds)
            rate = _rate(answer["writes"])
            result.append.add(raw["rate"], rate)
            writes.append(answer["writes"])
            standings.append(answer["standings"])
            audit.append(answer["audit"])
            phase = {"round": number, "http_rate": round(rate, 1), "rows": len(rows), "raw": raw,
                     "writes": _latency([answer["writes"]])}
            if ceiling_answer is not None:
                result.ceiling.add(raw["rate"], _rate(ceiling_answer["writes"]))
                phase["ceiling"] = {"rate": round(_rate(ceiling_answer["writes"]), 1),
                                    **_latency([ceiling_answer["writes"]])}
            result.phases.append(phase)
        result.peak_rss_mb = server.peak_rss_mb()
    finally:
        load.close()
        if empty is not None:
            empty.close()
    result.writes, result.standings, result.audit = (
        _latency(writes), _latency(standings), _latency(audit))
    return result


def _rate(writes: Result) -> float:
    span = writes["ended"] - writes["started"]
    return float(writes["ops"] / span) if span > 0 else 0.0


def time_travel(
    servers: tuple[Server, Server], targets: tuple[tuple[str, str, str], tuple[str, str, str]],
    samples: int,
) -> dict[str, Any]:
    """p99 of ``standings?as_of=`` on each server, requests alternating between them (one at a
    time), `targets` = (cycle_id, as_of ISO text, token) per server."""
    latencies: tuple[list[float], list[float]] = ([], [])
    failures: list[str] = []
    for n in range(samples * 2):
        side = n % 2
        cycle_id, as_of, token = targets[side]
        path = f"/api/v1/cycles/{quote(cycle_id)}/standings?as_of={quote(as_of)}"
        began = time.monotonic()
        status, body = servers[side].get(path, token, timeout=60)
        elapsed = time.monotonic() - began
        if status != 200:
            failures.append(f"{status}: {body[:200]!r}")
            continue
        if n < 2 and json.loads(body).get("provisional") is not True:
            failures.append("the as_of moment should give provisional standings")
        latencies[side].append(elapsed)
    full, small = (percentile(values, 99) for values in latencies)
    return {
        "full_p99_ms": ms(full), "small_p99_ms": ms(small),
        "full_p50_ms": ms(percentile(latencies[0], 50)),
        "small_p50_ms": ms(percentile(latencies[1], 50)),
        "ratio": None if not full or not small else round(full / small, 3),
        "samples": [len(latencies[0]), len(latencies[1])], "errors": len(failures),
        "error": failures[0] if failures else None,
    }
