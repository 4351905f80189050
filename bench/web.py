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
    ceilings: dict[str, Rounds] = field(default_factory=dict)  # bench/ceiling.py's apps
    writes: dict[str, Any] = field(default_factory=dict)
    standings: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] = field(default_factory=dict)
    coverage: dict[str, Any] = field(default_factory=dict)
    subtree_flags: dict[str, Any] = field(default_factory=dict)
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
    seconds: float, insert_seconds: float, warmup: float,
    ceilings: dict[str, Server] | None = None,
) -> HttpResult:
    """Rounds of the load on `server` and on each of `ceilings` (bench/ceiling.py; without the
    readers: it has no read routes), in an order rotating round by round, each round ending with
    the raw inserts of the rows `server` stored in it."""
    result = HttpResult()
    load = LoadProcess(plan)
    others = {name: LoadProcess(replace(plan, port=s.port)) for name, s in (ceilings or {}).items()}
    writes, standings, audit, coverage, subtree_flags = [], [], [], [], []
    try:
        load.run(warmup, True)
        for other in others.values():
            other.run(warmup, False)
        for number in range(1, rounds + 1):
            order = ["lianping", *others]
            shift = (number - 1) % len(order)
            answers: dict[str, dict[str, Result]] = {}
            head = store.head()  # only lianping writes to the log
            for name in order[shift:] + order[:shift]:
                answers[name] = (load.run(seconds, True) if name == "lianping"
                                 else others[name].run(seconds, False))
            rows = store.rows_after(head)
            raw = pool.insert("raw", RAW_TABLE, rows, insert_seconds)
            answer = answers["lianping"]
            rate = _rate(answer["writes"])
            result.append.add(raw["rate"], rate)
            writes.append(answer["writes"])
            standings.append(answer["standings"])
            audit.append(answer["audit"])
            coverage.append(answer["coverage"])
            subtree_flags.append(answer["subtree_flags"])
            phase: dict[str, Any] = {"round": number, "http_rate": round(rate, 1),
                                     "rows": len(rows), "raw": raw,
                                     "writes": _latency([answer["writes"]]), "ceilings": {}}
            for name in others:
                ceiling_rate = _rate(answers[name]["writes"])
                result.ceilings.setdefault(name, Rounds()).add(raw["rate"], ceiling_rate)
                phase["ceilings"][name] = {"rate": round(ceiling_rate, 1),
                                           **_latency([answers[name]["writes"]])}
            result.phases.append(phase)
        result.peak_rss_mb = server.peak_rss_mb()
    finally:
        load.close()
        for other in others.values():
            other.close()
    result.writes, result.standings, result.audit = (
        _latency(writes), _latency(standings), _latency(audit))
    result.coverage, result.subtree_flags = _latency(coverage), _latency(subtree_flags)
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
