"""The ``mechanisms`` part: what each remaining mechanism buys end to end (issue 13), each on
(the product) and off in the same run, in an order rotating round by round.

- the aggregate cache (with the read guards that only matter with it): off with
  ``LIANPING_AGGREGATE_CACHE_SIZE=0``;
- group commit: off with ``LIANPING_GROUP_COMMIT=false`` (application/settings.py);
- the runners' linger and the custom subscription (PollingSubscription): off in the projection
  worker only, with the bench-only switch bench/worker.py reads;
- bulk COPY in rebuilds: ``BulkRows.copy`` (projections/bulk.py), set in this process, where
  the rebuild runs;
- view generations: reads of the read model being rebuilt, answered while it is rebuilt.

Each variant gets the HTTP part's write load (the same load process, aimed at its server in
turn), its rate and CPU per write measured by bench/web.py's ``_writes_alone``; with each kind
of projection worker, lone writes follow, one at a time, each timed from its answer until
/readyz shows every read model caught up with it."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.generator import Generated, Slot
from bench.httpload import HttpPlan, Read
from bench.reads import plan_reads
from bench.server import HOST, Server, projection_worker, serve_api
from bench.stats import median, ms, percentile
from bench.store import Store
from bench.web import LoadProcess, _catch_up, _latency, _rate, _writes_alone
from bench.writers import GRADES
from projections.bulk import BulkRows
from projections.runtime import rebuild_all

# name: (LIANPING_* settings of its API server, its projection worker's mechanisms off)
VARIANTS: dict[str, tuple[dict[str, str], str]] = {
    "product": ({}, ""),
    "no cache": ({"LIANPING_AGGREGATE_CACHE_SIZE": "0"}, ""),
    "no group commit": ({"LIANPING_GROUP_COMMIT": "false"}, ""),
    "no linger": ({}, "linger"),
    "library subscription": ({}, "subscription"),
}
API_SERVERS = ("product", "no cache", "no group commit")  # served at once, all along
REBUILT = "audit"  # the read model rebuilt with and without COPY (the most rows per event)
PROBE_POLL = 0.002  # seconds between /readyz polls while a lone write is awaited
PROBE_GAP = 0.05  # seconds between lone writes
PROBE_TIMEOUT = 10.0


@dataclass(frozen=True)
class MechanismPlan:
    rounds: int = 3
    seconds: float = 4.0  # the write load on each variant, per round
    warmup: float = 1.5  # the same load first on each API server, unmeasured (a cold cache)
    probes: int = 10  # lone writes per worker variant and round, for the read-model lag

    @classmethod
    def quick(cls) -> MechanismPlan:
        return cls(rounds=1, seconds=0.3, warmup=0.2, probes=2)


class Worker:
    """The one projection worker on the store, swapped for another kind on demand; counted as
    the product server's read-model worker (bench/cpu.py)."""

    def __init__(self, store: Store, folder: Path, server: Server, probe: Any) -> None:
        self.store, self.folder, self.server, self.probe = store, folder, server, probe
        self.off: str | None = None
        self.stack = ExitStack()
        self.swaps = 0

    def use(self, off: str, attempts: int = 3) -> None:
        if off == self.off:
            return
        self.close()
        for _ in range(attempts):  # a busy database may refuse a starting worker's connection
            self.stack = ExitStack()
            process = self.stack.enter_context(
                projection_worker(self.store, self.folder, off=off))
            self.server.projection_workers[:] = [process]
            self.probe(1)  # a write applied: the new worker holds the locks and runs
            if _catch_up(self.server) and process.poll() is None:
                self.off = off
                self.swaps += 1
                return
            self.close()
        raise RuntimeError(f"the projection worker ({off or 'product'}) did not start")

    def close(self) -> None:
        self.stack.close()
        self.server.projection_workers.clear()
        self.off = None


def run_mechanisms(store: Store, folder: Path, workers: int, clients: int,
                   generated: Generated, slots: list[Slot], plan: MechanismPlan,
                   ) -> dict[str, Any]:
    """{variants: {name: [one dict per round]}, rebuilds: {copy|no copy: ...}}: `clients`
    writers rate `slots` (the last few kept for the lone writes), `workers` uvicorn workers.

    The API servers of API_SERVERS run at once all along (`serve --no-projections`, one
    projection worker for all, the product's unless a worker variant is measured); each
    round measures every variant in turn, in an order rotating round by round."""
    wanted = (plan.probes + 3) * plan.rounds * 3 + 3
    probes, slots = slots[-wanted:], slots[:-wanted]
    load_plan = HttpPlan(port=0, slots=slots, writers=clients,
                         tokens={s.reviewer: generated.tokens[s.reviewer] for s in slots + probes})
    reads = plan_reads(slots, generated, 0, {})["audit"]  # the inspector's audit filter
    lone = deque(probes)
    measured: dict[str, list[dict[str, Any]]] = {name: [] for name in VARIANTS}
    load = LoadProcess(load_plan)
    try:
        with ExitStack() as stack:
            servers = {name: stack.enter_context(
                serve_api(store, workers, folder, settings=VARIANTS[name][0]))
                for name in API_SERVERS}
            product = servers["product"]
            worker = Worker(store, folder, product,
                            lambda n: lone_writes(product, lone, load_plan.tokens, n))
            stack.callback(worker.close)
            worker.use("")
            for server in servers.values():
                load.target(server.port)
                load.run(plan.warmup, False)
            for number in range(plan.rounds):
                order = list(VARIANTS)
                shift = number % len(order)
                for name in order[shift:] + order[:shift]:
                    settings, off = VARIANTS[name]
                    server = servers.get(name, product)
                    worker.use(off)
                    _catch_up(product)  # the earlier writes applied first
                    load.target(server.port)
                    answer, spent = _writes_alone(server, load, plan.seconds)
                    lags = (lone_writes(product, lone, load_plan.tokens, plan.probes)
                            if server is product else [])
                    measured[name].append({
                        "round": number + 1, "rate": round(_rate(answer), 1),
                        **_latency([answer]), "cpu": spent, "lag_ms": [ms(x) for x in lags],
                    })
            worker.use("")
            found = {"variants": measured, "worker_swaps": worker.swaps,
                     "rebuilds": rebuilds(store, product, reads)}
    finally:
        load.close()
    return found


def lone_writes(server: Server, slots: deque[Slot], tokens: dict[str, str],
                count: int) -> list[float]:
    """Seconds from each lone write's answer until every read model has applied it."""
    lags = []
    for n in range(count):
        if not slots:
            break
        slot = slots.popleft()
        path = (f"/api/v1/cycles/{quote(slot.cycle_id)}/participants/"
                f"{quote(slot.org_code)}/reviews")
        status, _ = _post(server, path, tokens[slot.reviewer], {"rating": GRADES[n % 4]})
        answered = time.monotonic()
        if not 200 <= status < 300:
            continue
        while time.monotonic() - answered < PROBE_TIMEOUT:
            status, body = server.get("/readyz")
            if status == 200 and max(json.loads(body)["read_models"].values(), default=0) == 0:
                lags.append(time.monotonic() - answered)
                break
            time.sleep(PROBE_POLL)
        time.sleep(PROBE_GAP)
    return lags


def _post(server: Server, path: str, token: str, body: Any) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
    try:
        conn.request("POST", path, json.dumps(body).encode(), {
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def rebuilds(store: Store, server: Server, reads: list[Read]) -> dict[str, Any]:
    """REBUILT rebuilt twice while `server` serves (the product's worker live), with COPY and
    with executemany, a reader asking for the read model meanwhile (view generations: the
    serving generation answers until the switch)."""
    found: dict[str, Any] = {}
    for name, copy in (("copy", True), ("no copy", False)):
        BulkRows.copy = copy
        try:
            with reading(server, reads) as answers:
                answer = rebuild_all(store.settings(pool_size=2), [REBUILT])
        finally:
            BulkRows.copy = True
        latencies = [seconds for status, seconds in answers if status == 200]
        failed = [status for status, _ in answers if status != 200]
        found[name] = {
            "seconds": round(answer["seconds"], 2), "events": answer["events"],
            "events_per_second": round(answer["events"] / answer["seconds"])
            if answer["seconds"] else None,
            "reads": len(answers), "errors": len(failed), "statuses": sorted(set(failed)),
            "read_p50_ms": ms(percentile(latencies, 50)),
            "read_p99_ms": ms(percentile(latencies, 99)),
        }
        _catch_up(server)
    return found


@contextmanager
def reading(server: Server, reads: list[Read]) -> Iterator[list[tuple[int, float]]]:
    """One client asking for `reads` in turn, one at a time, until the block ends:
    [(status, seconds)]."""
    answers: list[tuple[int, float]] = []
    done = threading.Event()

    def reader() -> None:
        n = 0
        while not done.is_set() and reads:
            read = reads[n % len(reads)]
            n += 1
            began = time.monotonic()
            try:
                status, _ = server.get(read.path, read.token, timeout=30)
            except OSError:
                status = 0
            answers.append((status, time.monotonic() - began))

    thread = threading.Thread(target=reader, name="bench-rebuild-reader", daemon=True)
    thread.start()
    try:
        yield answers
    finally:
        done.set()
        thread.join(35)


def gains(variants: dict[str, list[dict[str, Any]]], off: str,
          measure: Any) -> tuple[float | None, float | None, float | None, list[float]]:
    """(product's median, `off`'s median, the median per-round ratio product/off, the ratios)
    of `measure` (a function of one round's dict, None when not measured)."""
    pairs = [(measure(on), measure(other))
             for on, other in zip(variants["product"], variants[off], strict=False)]
    pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
    ratios = [a / b for a, b in pairs if b]
    return (median([a for a, _ in pairs]), median([b for _, b in pairs]), median(ratios),
            [round(r, 3) for r in ratios])


def lag_percentile(variant: list[dict[str, Any]], q: float) -> float | None:
    return percentile([x for r in variant for x in r["lag_ms"] if x is not None], q)
