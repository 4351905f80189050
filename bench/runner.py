"""``lianping bench``: generate the province, run every benchmark, print the table and write
bench/results.json. Every store is a fresh PostgreSQL schema, dropped at the end; every process
started here is stopped here; every loop is bounded by a duration or a count."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from application.app import LianpingApp
from bench import report
from bench.append import WriterPool, prepare_tables, run_append
from bench.ballots import BallotPlan, run_ballots
from bench.ceiling import TABLE_VARIABLE
from bench.ceiling import TOPIC as CEILING_TOPIC
from bench.generator import Generated, Generator, Slot, split
from bench.httpload import HttpPlan
from bench.httprows import http_rows
from bench.mechanisms import MechanismPlan, run_mechanisms
from bench.mechrows import mechanism_rows
from bench.reads import console_accounts, console_sessions, plan_reads
from bench.replay import run_decode, run_rebuild, run_verify
from bench.report import errors, times
from bench.server import Server, serve, serve_ceiling
from bench.store import Store, bench_store, bench_url
from bench.timeline import as_of_target
from bench.web import PACED_RATE, run_http, time_travel
from projections.runtime import rebuild_all

RESULTS = Path(__file__).with_name("results.json")
PARTS = ("replay", "append", "http", "mechanisms", "timetravel", "ballots")
YEARS, CURRENT_YEAR = (2024, 2025, 2026), 2027
CEILING_TABLE = "bench_ceiling"
FLOOR_POOL_SIZE = 4  # per API process: its saves share a connection per flush (group commit)
TIME_TRAVEL_CYCLE = "ty-01-2026"  # a county's township cycle, identical in both stores


@dataclass(frozen=True)
class Config:
    cities: int = 11
    tiny: bool = False
    processes: int = 2
    threads: int = 4
    clients: int = 16
    server_workers: int = 2
    rounds: int = 4
    warmup: float = 2.0
    append_seconds: float = 4.0
    insert_seconds: float = 2.5
    http_seconds: float = 6.0
    verify_rounds: int = 2
    time_travel_samples: int = 100
    http_share: float = 0.4
    console_accounts: int = 6  # organizers signed in to the console while their cycles are rated
    what_if: bool = False  # --what-if: the product's app.execute with PYTHONOPTIMIZE=1

    @classmethod
    def quick(cls) -> Config:
        return cls(cities=1, tiny=True, processes=1, threads=2, clients=4, server_workers=1,
                   rounds=1, warmup=0.3, append_seconds=0.3, insert_seconds=0.3,
                   http_seconds=0.3, verify_rounds=1, time_travel_samples=3, what_if=False,
                   console_accounts=1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="a tiny province and short runs: checks the harness, measures nothing")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts to run (default all: {','.join(PARTS)})")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument("--what-if", action="store_true",
                        help="also run app.execute with PYTHONOPTIMIZE=1 (not the product)")


def main(args: argparse.Namespace) -> int:
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = parts - set(PARTS)
    if unknown:
        print(f"lianping bench: unknown part(s) {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)  # so that every `finally` below still runs
    config = Config.quick() if args.quick else Config(what_if=args.what_if)
    rows, details = Bench(config, parts).run()
    print(report.table(rows))
    stolen = details["machine"].get("cpu_stolen_percent")
    if stolen is not None:
        print(f"\nCPU time taken by other guests of the host during the run (steal): {stolen} %"
              + (" -- a shared, busy host: ratios are not comparable to a quiet run"
                 if stolen >= 5 else ""))
    report.write(args.out, rows, details)
    print(f"\nwritten to {args.out}")
    return 0


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def progress(started: float, message: str) -> None:
    print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, config: Config, parts: set[str]) -> None:
        self.config = config
        self.parts = parts
        self.started = time.monotonic()
        self.rows: list[report.Row] = []
        self.details: dict[str, Any] = {"config": asdict(config), "parts": sorted(parts)}

    def say(self, message: str) -> None:
        progress(self.started, message)

    def run(self) -> tuple[list[report.Row], dict[str, Any]]:
        url = bench_url()
        self.details["machine"] = {**report.machine(), "postgres": report.postgres_version(url)}
        ticks = report.cpu_ticks()
        with tempfile.TemporaryDirectory(prefix="lianping-bench-") as folder, ExitStack() as stack:
            if "ballots" in self.parts:
                self.ballots(url, Path(folder))
            if not self.parts - {"ballots"}:
                return self.finish(ticks)
            full = stack.enter_context(bench_store("full", Path(folder) / "full", url))
            generated = self.generate(full, self.config.cities, "full")
            small = small_generated = None
            if "timetravel" in self.parts:
                small = stack.enter_context(bench_store("small", Path(folder) / "small", url))
                small_generated = self.generate(small, 1, "small")
            if "replay" in self.parts:
                self.replays(full)  # its rebuild leaves the read models current
            elif self.parts & {"http", "mechanisms", "timetravel"}:
                self.build_read_models(full, "full")
            if small is not None:
                self.build_read_models(small, "small")
            app_slots, http_slots = split(generated.open_ratings, self.config.http_share)
            http_slots, mechanism_slots = split(http_slots, 0.5)
            pool = None
            if self.parts & {"append", "http"}:
                prepare_tables(full)
                pool = self.writers(stack, full, app_slots)
            if "mechanisms" in self.parts:  # its own servers, none other on the store meanwhile
                self.mechanisms(full, Path(folder), generated, mechanism_slots)
            if self.parts & {"http", "timetravel"}:
                server = stack.enter_context(
                    serve(full, self.config.server_workers, Path(folder)))
                self.wait_read_models(server)
                if "http" in self.parts and pool is not None:
                    with ExitStack() as ceiling_servers:  # stopped before time travel's server
                        ceilings = self.ceilings(ceiling_servers, full, Path(folder), server)
                        self.say(f"ceiling servers up: {', '.join(ceilings)}")
                        self.http(full, server, ceilings, pool, generated, http_slots)
                if small is not None and small_generated is not None:
                    small_server = stack.enter_context(serve(small, 1, Path(folder)))
                    self.wait_read_models(small_server, "small")
                    self.time_travel((full, small), (server, small_server),
                                     (generated, small_generated))
        return self.finish(ticks)

    def finish(self, ticks: dict[str, int]) -> tuple[list[report.Row], dict[str, Any]]:
        self.details["total_seconds"] = round(time.monotonic() - self.started, 1)
        self.details["machine"]["load_average_at_end"] = report.machine()[
            "load_average_at_start"]
        self.details["machine"]["cpu_stolen_percent"] = report.stolen_percent(
            ticks, report.cpu_ticks())
        return self.rows, self.details

    def build_read_models(self, store: Store, name: str) -> None:
        """Setup, not measured: every read model folded in one pass, so that the server's
        worker starts current instead of folding the whole log live."""
        started = time.monotonic()
        rebuild_all(store.settings(pool_size=2))
        self.say(f"{name} store: read models built in {time.monotonic() - started:.1f} s")

    def ballots(self, url: str, folder: Path) -> None:
        """民主测评: a storm of ballots cast by code through the real server, and a 500-slip
        paper sheet imported in one request."""
        plan = BallotPlan.quick() if self.config.tiny else BallotPlan()
        result = run_ballots(url, folder, plan)
        self.details["ballots"] = result
        self.rows += [
            report.Row(
                "ballot storm (POST /ballots/{code})", f"p99 {result['storm_p99_ms']} ms",
                note=f"{plan.clients} phones arriving over {plan.spread} s (page, then cast), "
                     f"{plan.participants} participants each; {result['storm_casts_per_second']} "
                     f"casts/s; p50 {result['storm_p50_ms']} ms (page p50/p99 "
                     f"{result['page_p50_ms']}/{result['page_p99_ms']} ms); API CPU "
                     f"{result['storm_api_cpu_ms_per_cast']} ms per cast; all in "
                     f"{result['storm_seconds']} s; "
                     + errors({"errors": result["storm_errors"], "error": result["storm_error"]})),
            report.Row(
                "paper ballots: import a sheet", f"{result['import_seconds']} s",
                note=f"{plan.slips} slips x {plan.participants} participants "
                     f"({result['sheet_bytes']:,} bytes), HTTP {result['import_status']}; "
                     f"standings count {result['ratings_counted']} of "
                     f"{result['ratings_expected']} ratings"),
            report.Row(
                "大屏 screen data during the storm (GET /cycles/{id}/screen)",
                f"p99 {result['screen_p99_ms']} ms",
                note=f"{result['screens']} screens each every {plan.poll_every} s throughout "
                     f"the storm ({result['screen_requests']} requests); p50 "
                     f"{result['screen_p50_ms']} ms; target ≤ 200 ms; "
                     + errors({"errors": result["screen_errors"],
                               "error": result["screen_error"]})),
            report.Row(
                "大屏 screen data, tally revealed", f"p99 {result['revealed_p99_ms']} ms",
                note=f"after the storm and the paper sheet; {result['revealed_requests']} "
                     f"requests, p50 {result['revealed_p50_ms']} ms; reveal HTTP "
                     f"{result['reveal_status']}; "
                     + errors({"errors": result["revealed_errors"],
                               "error": result["revealed_error"]})),
        ]
        self.say(f"ballots: storm p99 {result['storm_p99_ms']} ms, "
                 f"import {result['import_seconds']} s")

    def writers(self, stack: ExitStack, store: Store, slots: list[Slot]) -> WriterPool:
        """The writer processes (kept for the HTTP rounds' baseline too); with the append part,
        runs it, a third of the open ratings going to the what-if writers."""
        c = self.config
        what_if_slots = slots[2::3] if c.what_if and "append" in self.parts else []
        own = [s for n, s in enumerate(slots) if not what_if_slots or n % 3 != 2]
        pool = WriterPool(store, c.processes, c.threads, own)
        stack.callback(pool.close)
        if "append" in self.parts:
            what_if = None
            if what_if_slots:
                what_if = WriterPool(store, c.processes, c.threads, what_if_slots, True)
                stack.callback(what_if.close)
            self.append(store, pool, what_if)
        return pool

    def generate(self, store: Store, cities: int, name: str) -> Generated:
        app = LianpingApp(store.settings(pool_size=2))
        try:
            generated = Generator(app, cities, YEARS, CURRENT_YEAR, tiny=self.config.tiny).run()
        finally:
            app.close()
        store.settle()
        self.details[f"{name}_store"] = {
            "events": generated.events, "transactions": generated.transactions,
            "seconds": round(generated.seconds, 1),
            "events_per_second": round(generated.events / generated.seconds),
            "orgs": generated.orgs, "cycles": generated.cycles,
            "open_ratings": len(generated.open_ratings),
        }
        self.say(f"generated the {name} store: {generated.events:,} events in "
                 f"{generated.seconds:.1f} s ({generated.transactions} transactions)")
        return generated

    def replays(self, store: Store) -> None:
        verify = run_verify(store, self.config.verify_rounds)
        self.details["verify"] = verify
        self.rows.append(report.Row.compare(
            "verify (hash chain, whole log)", verify, "events/s", 0.5,
            note="" if verify["ok"] else "VERIFICATION FAILED"))
        self.say(f"verify: ratio {verify['ratio']}")
        rebuild = run_rebuild(store)
        self.details["rebuild"] = rebuild
        if "todo" in rebuild:
            self.rows.append(report.Row("rebuild (all read models)", "TODO", note=rebuild["todo"]))
        else:
            self.rows.append(report.Row.compare(
                "rebuild (all read models)", rebuild, "events/s", 0.3,
                note=f"{len(rebuild['read_models'])} read models in "
                     f"{rebuild.get('passes', len(rebuild['read_models']))} pass(es) over the "
                     f"log, {rebuild['seconds']} s in all"))
        self.say(f"rebuild: {rebuild.get('ratio', rebuild.get('todo'))}")
        decode = run_decode(store)
        self.details["rebuild_floor"] = decode
        self.rows.append(report.Row.compare(
            "  floor: reading + decoding alone", decode, "events/s", None,
            note="the rebuild's reads and decoding (EventSource.read) without a fold or write"))
        self.say(f"reading + decoding alone: {decode['ratio']}")

    def append(self, store: Store, pool: WriterPool, what_if: WriterPool | None) -> None:
        c = self.config
        result = run_append(store, pool, rounds=c.rounds, seconds=c.append_seconds,
                            insert_seconds=c.insert_seconds, warmup=c.warmup, what_if=what_if)
        if what_if is not None:
            what_if.close()
        summaries = {name: rounds.summary() for name, rounds in result.rounds.items()}
        gains = {
            "app": result.gain("app_group_commit", "app_single"),
            "recorder": result.gain("recorder_group_commit", "recorder_single"),
            "recorder_vs_stock": result.gain("recorder_single", "recorder_stock"),
        }
        self.details["append"] = {**summaries, "group_commit_gain": gains,
                                  "rounds": result.phases}
        app = [p["app_group_commit"] for p in result.phases]
        writers = f"{c.processes}x{c.threads} writers"
        self.rows += [
            report.Row.compare(
                "append: rate via app.execute", summaries["app_group_commit"], "cmd/s", 0.5,
                note=f"{writers}, group commit; p50/p99 {app[-1]['p50_ms']}/{app[-1]['p99_ms']}"
                     f" ms; errors {sum(a['errors'] for a in app)}; group commit on/off "
                     f"{times(gains['app'])}"),
            report.Row.compare("  same, group commit off", summaries["app_single"], "cmd/s",
                               None),
        ]
        if result.rounds["what_if"].subject:
            self.rows.append(report.Row.compare(
                "  what-if: -O", summaries["what_if"], "cmd/s", None,
                note="NOT the product's configuration: app.execute with PYTHONOPTIMIZE=1"))
        self.rows += [
            report.Row.compare(
                "append path alone (recorder)", summaries["recorder_group_commit"], "ev/s",
                None, note=f"1 event per save, group commit; on/off {times(gains['recorder'])}, "
                           f"single vs stock {times(gains['recorder_vs_stock'])}"),
            report.Row.compare("  same, group commit off", summaries["recorder_single"], "ev/s",
                               None),
            report.Row.compare("  library's stock recorder", summaries["recorder_stock"],
                               "ev/s", None, note="eventsourcing's PostgreSQL recorder, no chain"),
        ]
        self.say(f"append: ratio {result.rounds['app_group_commit'].ratio}, recorder "
                 f"{result.rounds['recorder_group_commit'].ratio}")

    def mechanisms(self, store: Store, folder: Path, generated: Generated,
                   slots: list[Slot]) -> None:
        c = self.config
        found = run_mechanisms(store, folder, c.server_workers, c.clients, generated, slots,
                               MechanismPlan.quick() if c.tiny else MechanismPlan())
        self.details["mechanisms"] = found
        self.rows += mechanism_rows(found, self.details.get("append", {}).get(
            "group_commit_gain", {}).get("app"))
        self.say("mechanisms: " + ", ".join(f"{r.ratio}" for r in self.rows[-6:]))

    def wait_read_models(self, server: Server, name: str = "full", timeout: float = 240.0) -> None:
        """Let the server's read-model runners catch up with the log before measuring."""
        deadline, lag = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            status, body = server.get("/readyz")
            if status == 200:
                lag = max(json.loads(body).get("read_models", {}).values(), default=0)
                if lag == 0:
                    break
            time.sleep(1.0)
        self.details[f"{name}_read_models_lag_at_start"] = lag
        self.say(f"{name} server up; read models behind by {lag}")

    def ceilings(self, stack: ExitStack, store: Store, folder: Path,
                 server: Server) -> dict[str, Server]:
        """bench/ceiling.py's app served twice: doing nothing, and making one raw insert per
        request into a table as big as the log; and its floor on the store, its ratings folded
        by `server`'s projection worker."""
        store.raw_table(CEILING_TABLE)
        workers, insert = self.config.server_workers, {**store.env(), TABLE_VARIABLE: CEILING_TABLE}
        floor = stack.enter_context(
            serve_ceiling(workers, folder, store.env(FLOOR_POOL_SIZE), floor=True))
        floor.projection_workers.extend(server.projection_workers)
        return {"no-op": stack.enter_context(serve_ceiling(workers, folder, dict(os.environ))),
                "insert": stack.enter_context(serve_ceiling(workers, folder, insert)),
                "floor": floor}

    def http(self, store: Store, server: Server, ceilings: dict[str, Server], pool: WriterPool,
             generated: Generated, slots: list[Slot]) -> None:
        c = self.config
        console = console_sessions(store, console_accounts(slots, c.console_accounts))
        self.say(f"signed in to the console: {', '.join(sorted(console))}")
        plan = HttpPlan(port=server.port, slots=slots,
                        tokens={s.reviewer: generated.tokens[s.reviewer] for s in slots},
                        reads=plan_reads(slots, generated, YEARS[-1], console),
                        writers=c.clients)
        result = run_http(store, server, pool, plan, rounds=c.rounds, seconds=c.http_seconds,
                          insert_seconds=c.insert_seconds, warmup=c.warmup, ceilings=ceilings)
        cpu = {who: {role: result.cpu_ms(who, role) for role in ("api", "projections")}
               for who in ("lianping", *ceilings)}
        self.details["http"] = {
            "append": result.append.summary(),
            "ceilings": {name: rounds.summary() for name, rounds in result.ceilings.items()},
            "against_ceilings": {name: r.summary() for name, r in result.against.items()},
            "cpu_ms_per_write": cpu,
            "writes": result.writes, "writes_under_load": result.writes_under_load,
            **{f"{kind}_under_load": found for kind, found in result.reads.items()},
            "paced_rate": PACED_RATE, "writes_paced": result.writes_paced,
            **{f"{kind}_paced": found for kind, found in result.reads_paced.items()},
            "console_accounts": sorted(console),
            "peak_rss_mb": result.peak_rss_mb, "rounds": result.phases,
            "ceiling_rows_inserted": store.count(CEILING_TABLE, CEILING_TOPIC),
        }
        self.rows += http_rows(result, c.clients, c.server_workers, cpu)
        self.say(f"http: ratio {result.append.ratio}, vs the raw-insert route "
                 f"{result.against['insert'].ratio}, CPU/write {cpu['lianping']} ms")

    def time_travel(self, stores: tuple[Store, Store], servers: tuple[Server, Server],
                    generated: tuple[Generated, Generated]) -> None:
        organizer = TIME_TRAVEL_CYCLE.rsplit("-", 1)[0] + "-zzb"
        targets = tuple(
            (TIME_TRAVEL_CYCLE, as_of_target(store, TIME_TRAVEL_CYCLE), g.tokens[organizer])
            for store, g in zip(stores, generated, strict=True))
        result = time_travel(servers, targets, self.config.time_travel_samples)  # type: ignore[arg-type]
        sizes = [store.count() for store in stores]
        result["events"] = sizes
        self.details["time_travel"] = result
        self.rows.append(report.Row(
            "time travel: standings?as_of= p99", f"{result['full_p99_ms']} ms",
            f"{result['small_p99_ms']} ms", result["ratio"], "<= 1.5",
            None if result["ratio"] is None else result["ratio"] <= 1.5,
            note=f"{sizes[0]:,} vs {sizes[1]:,} events ({sizes[0] / max(sizes[1], 1):.1f}x); "
                 f"p50 {result['full_p50_ms']} vs {result['small_p50_ms']} ms; "
                 + errors(result)))
        self.say(f"time travel: ratio {result['ratio']}")

