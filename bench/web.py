"""The HTTP benchmarks: rating POSTs through the real server from 16 clients in another process
(their rate and the server's CPU per request, next to bench/ceiling.py's routes), reads and
console pages under that load, and standings ``as_of`` on the full store against a 10x smaller
one."""

from __future__ import annotations

import json
import multiprocessing
import time
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any
from urllib.parse import quote

from bench import cpu
from bench.append import RAW_TABLE, WriterPool
from bench.httpload import HttpPlan, Result, load_main
from bench.ipc import exchange, stop
from bench.server import Server
from bench.stats import Rounds, median, ms, percentile
from bench.store import Store

#: Writes per second of the paced load: a province's busiest hour has every county's panel
#: rating at once (117 counties x 20 members x 12 participants in an hour: ~8/s); a hall
#: of phones casting ballots ~34/s (the ballots part). 100/s is ~3x the busier of the two.
PACED_RATE = 100.0


def _latency(results: list[Result]) -> dict[str, Any]:
    latencies = [x for r in results for x in r["latencies"]]
    return {
        "ops": sum(r["ops"] for r in results), "errors": sum(r["errors"] for r in results),
        "error": next((r["error"] for r in results if r["error"]), None),
        "p50_ms": ms(percentile(latencies, 50)), "p99_ms": ms(percentile(latencies, 99)),
    }


@dataclass
class HttpResult:
    append: Rounds = field(default_factory=Rounds)  # lianping's write-only rate vs raw inserts
    ceilings: dict[str, Rounds] = field(default_factory=dict)  # bench/ceiling.py's apps, same
    against: dict[str, Rounds] = field(default_factory=dict)  # lianping vs each ceiling's rate
    writes: dict[str, Any] = field(default_factory=dict)
    writes_under_load: dict[str, Any] = field(default_factory=dict)
    reads: dict[str, dict[str, Any]] = field(default_factory=dict)  # read kind -> latencies
    writes_paced: dict[str, Any] = field(default_factory=dict)
    reads_paced: dict[str, dict[str, Any]] = field(default_factory=dict)  # at PACED_RATE
    phases: list[dict[str, Any]] = field(default_factory=list)
    peak_rss_mb: dict[str, float] = field(default_factory=dict)

    def cpu_ms(self, server: str, role: str) -> float | None:
        """The median over the rounds of `server`'s (lianping or a ceiling) CPU milliseconds
        per write request spent by its processes of `role` (bench/cpu.py)."""
        found = [p["cpu"][server][role] for p in self.phases
                 if p["cpu"].get(server, {}).get(role) is not None]
        return None if not found else round(median(found) or 0, 3)


class LoadProcess:
    def __init__(self, plan: HttpPlan) -> None:
        context = multiprocessing.get_context("spawn")
        pipe, child = context.Pipe()
        process = context.Process(target=load_main, args=(child, plan), daemon=True,
                                  name="bench-http-load")
        process.start()
        self.workers: list[tuple[Connection, BaseProcess]] = [(pipe, process)]

    def run(self, seconds: float, with_readers: bool,
            rate: float | None = None) -> dict[str, Result]:
        answer: dict[str, Result] = exchange(
            self.workers, [("run", seconds, with_readers, rate)])[0]
        return answer

    def target(self, port: int) -> None:
        """Aim the same load (its slots as left by earlier runs) at the server on `port`."""
        self.workers[0][0].send(("port", port))

    def close(self) -> None:
        stop(self.workers)


def run_http(
    store: Store, server: Server, pool: WriterPool, plan: HttpPlan, *, rounds: int,
    seconds: float, insert_seconds: float, warmup: float,
    ceilings: dict[str, Server] | None = None,
) -> HttpResult:
    """Rounds of the write load alone on `server` and on each of `ceilings` (bench/ceiling.py),
    in an order rotating round by round, each measured for its rate and its server's CPU per
    write; then the write load on `server` with every reader of `plan` at once (the reads
    under load), and the same readers with the writes paced at `PACED_RATE`; each round ends
    with the raw inserts of the rows `server` stored in it."""
    result = HttpResult()
    servers = {"lianping": server, **(ceilings or {})}
    loads = {"lianping": LoadProcess(plan)} | {
        name: LoadProcess(replace(plan, port=s.port, reads={}))
        for name, s in (ceilings or {}).items()}
    writes, under_load, paced_writes = [], [], []
    reads: dict[str, list[Result]] = {kind: [] for kind in plan.reads}
    paced_reads: dict[str, list[Result]] = {kind: [] for kind in plan.reads}
    try:
        loads["lianping"].run(warmup, True)
        for name in (ceilings or {}):
            loads[name].run(warmup, False)
        for number in range(1, rounds + 1):
            order = list(servers)
            shift = (number - 1) % len(order)
            head = store.head()  # lianping and the floor write to the log
            phase: dict[str, Any] = {"round": number, "ceilings": {}, "cpu": {}}
            answers: dict[str, Result] = {}
            for name in order[shift:] + order[:shift]:
                answers[name], phase["cpu"][name] = _writes_alone(
                    servers[name], loads[name], seconds)
            loaded = loads["lianping"].run(seconds, True)
            paced = loads["lianping"].run(seconds, True, PACED_RATE)
            paced_writes.append(paced["writes"])
            for kind in reads:
                paced_reads[kind].append(paced[kind])
            rows = store.rows_after(head)
            raw = pool.insert("raw", RAW_TABLE, rows, insert_seconds)
            rate = _rate(answers["lianping"])
            result.append.add(raw["rate"], rate)
            writes.append(answers["lianping"])
            under_load.append(loaded["writes"])
            for kind in reads:
                reads[kind].append(loaded[kind])
            phase |= {"http_rate": round(rate, 1), "rows": len(rows), "raw": raw,
                      "writes": _latency([answers["lianping"]]),
                      "writes_under_load": {"rate": round(_rate(loaded["writes"]), 1),
                                            **_latency([loaded["writes"]])}}
            for name in ceilings or {}:
                ceiling_rate = _rate(answers[name])
                result.ceilings.setdefault(name, Rounds()).add(raw["rate"], ceiling_rate)
                result.against.setdefault(name, Rounds()).add(ceiling_rate, rate)
                phase["ceilings"][name] = {"rate": round(ceiling_rate, 1),
                                           **_latency([answers[name]])}
            result.phases.append(phase)
        result.peak_rss_mb = server.peak_rss_mb()
    finally:
        for load in loads.values():
            load.close()
    result.writes, result.writes_under_load = _latency(writes), _latency(under_load)
    result.reads = {kind: _latency(found) for kind, found in reads.items()}
    result.writes_paced = _latency(paced_writes)
    result.writes_paced["rate"] = round(
        median([_rate(w) for w in paced_writes]) or 0, 1) if paced_writes else None
    result.reads_paced = {kind: _latency(found) for kind, found in paced_reads.items()}
    return result


CATCH_UP_SECONDS = 60.0


def _writes_alone(server: Server, load: LoadProcess,
                  seconds: float) -> tuple[Result, dict[str, Any]]:
    """The write load alone on `server`, and the CPU its processes spent per write request (ms):
    the API processes' over the load and, if its writes are folded by a projection worker (the
    product's, the floor's), the worker's from the start of the load until the read models
    have caught up with it (after catching up with earlier writes first)."""
    has_read_models = bool(server.projection_workers)
    caught_up = _catch_up(server) if has_read_models else True
    before = server.cpu()
    answer = load.run(seconds, False)["writes"]
    after_load = server.cpu()
    if has_read_models:
        caught_up = _catch_up(server) and caught_up
    spent_api = after_load.since(before)[cpu.API]
    spent_projections = server.cpu().since(before)[cpu.PROJECTIONS]
    count = answer["ops"]
    return answer, {
        "processes": {role: list(before.roles.values()).count(role)
                      for role in (cpu.API, cpu.PROJECTIONS)},
        "writes": count, "api_cpu_s": round(spent_api, 3),
        cpu.API: round(1000 * spent_api / count, 3) if count else None,
        **({"projections_cpu_s": round(spent_projections, 3),
            cpu.PROJECTIONS: round(1000 * spent_projections / count, 3) if count else None,
            "caught_up": caught_up} if has_read_models else {}),
    }


def _catch_up(server: Server, timeout: float = CATCH_UP_SECONDS) -> bool:
    """Wait until every read model has caught up with the log (False if it did not in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = server.get("/readyz")
        if status == 200 and max(json.loads(body).get("read_models", {}).values(), default=0) == 0:
            return True
        time.sleep(0.1)
    return False


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
