"""The 民主测评 benchmark: a ballot storm through the real server (phones arriving over a few
seconds, each opening its ballot page then casting one ballot by code for all participants of a
meeting) while the hall's 大屏 screens poll their data throughout, and the import of a paper sheet
of 500 slips (time to record); then the screens' data once the tally is revealed. A fresh store
of its own, dropped afterwards."""

from __future__ import annotations

import asyncio
import http.client
import io
import json
import random
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from application.app import LianpingApp, Request
from application.principal import Principal
from application.usecases import ballots, cycles, directory, participants, screen
from application.usecases.directory import ANY_ORG
from bench import cpu
from bench.httpclient import Connection, HttpError
from bench.server import HOST, serve
from bench.stats import ms, percentile
from bench.store import Store, bench_store
from domain.scheme import DEFAULT_SCHEME

ADMIN = Principal("admin", "管理员", None, (("admin", ANY_ORG),))
ORGANIZER = Principal("bz-zzb", "组织部", "bz", (("organizer", "bz"),))
CYCLE = "bz-2026"
GRADES = ("好", "较好", "一般", "差")
CODES = ("good", "fairly_good", "average", "poor")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CATEGORIES = [{"code": "committee", "name": "市委委员", "weight": "0.5"},
              {"code": "department", "name": "部门负责人", "weight": "0.3"},
              {"code": "delegate", "name": "党代表和群众代表", "weight": "0.2"}]


@dataclass(frozen=True)
class BallotPlan:
    """A meeting hall's vote, time compressed: ``clients`` phones arrive at random moments over
    ``spread`` seconds (a real hall: a few hundred within a minute or two), each opens its ballot
    page (GET /b/{code}), takes up to ``think`` seconds, then casts (POST /ballots/{code})."""

    clients: int = 300
    participants: int = 12
    spread: float = 8.0
    think: float = 1.0
    slips: int = 500
    workers: int = 2
    #: hall screens polling GET /cycles/{id}/screen throughout the storm (one by the
    #: organizer's token, the others by a read-only screen link), each every ``poll_every``
    #: seconds: more often than a screen's 2 s, for ≥ 100 samples over the storm
    screens: int = 3
    poll_every: float = 0.2
    #: requests per screen once the tally is revealed
    revealed_polls: int = 20

    @classmethod
    def quick(cls) -> BallotPlan:
        return cls(clients=20, participants=4, spread=1.0, think=0.2, slips=40, workers=1,
                   revealed_polls=5)


def prepare(store: Store, plan: BallotPlan) -> tuple[list[str], list[str], str, str]:
    """A meeting in `reviewing`: participants with reports, one code per client. Answers the
    participant codes, the ballot codes, the organizer's token and a screen link's key."""
    app = LianpingApp(store.settings(pool_size=2))
    try:
        def run(who: Principal, use_case: Any, *args: Any) -> Any:
            return app.execute(Request(who), use_case, *args)

        run(ADMIN, directory.register_org, "bp", "某省", "province", None)
        run(ADMIN, directory.register_org, "bz", "某市", "city", "bp")
        run(ADMIN, directory.open_account, ORGANIZER.account_id, "组织部", "bz")
        run(ADMIN, directory.grant_role, ORGANIZER.account_id, "organizer", "bz")
        token = run(ADMIN, directory.issue_token, ORGANIZER.account_id, 30).body["token"]
        scheme = {**DEFAULT_SCHEME.to_dict(), "ballot_categories": CATEGORIES}
        run(ORGANIZER, cycles.create_cycle, "bz", "county", 2026, "2026年度述职评议", CYCLE,
            scheme)
        orgs = [f"bz-{n:02d}" for n in range(1, plan.participants + 1)]
        for n, org in enumerate(orgs, start=1):
            run(ADMIN, directory.register_org, org, f"第{n}县", "county", "bz")
            run(ADMIN, directory.open_account, f"{org}-sj", f"第{n}县书记", org)
            run(ADMIN, directory.grant_role, f"{org}-sj", "secretary", org)
            run(ADMIN, directory.appoint_secretary, org, f"第{n}县书记", f"{org}-sj",
                date(2020, 1, 1))
            run(ORGANIZER, cycles.add_participant, CYCLE, org)
        run(ORGANIZER, cycles.advance, CYCLE, "reporting", None)
        for org in orgs:
            secretary = Principal(f"{org}-sj", "书记", org, (("secretary", org),))
            run(secretary, participants.submit_report, CYCLE, org,
                {"title": "述职报告", "achievements": "成效", "problems": "问题", "plans": "打算"})
        run(ORGANIZER, cycles.advance, CYCLE, "reviewing", None)
        codes = run(ORGANIZER, ballots.issue_ballots, CYCLE, "department",
                    plan.clients).body["codes"]
        key = run(ORGANIZER, screen.create_link, CYCLE).body["key"]
        return orgs, codes, token, key
    finally:
        app.close()


SCREEN = f"/api/v1/cycles/{CYCLE}/screen"


async def _poll_screens(
    port: int, screens: list[tuple[str, str | None]], every: float, done: asyncio.Event,
    times: int = 0, opened: asyncio.Event | None = None,
) -> dict[str, Any]:
    """Each screen (path, token) asks for its data every ``every`` seconds (a timer: the next
    request is due ``every`` after the last one began) until ``done`` is set (or ``times``
    times): the latencies of its answers. With ``opened``, each first opens its page (one
    request, not measured: a hall's screens are up before the vote), then ``opened`` is set."""
    latencies: list[float] = []
    failures: list[str] = []
    waiting = [len(screens)]

    async def ask(connection: Connection, path: str, token: str | None) -> float:
        began = time.perf_counter()
        try:
            status, body = await connection.request("GET", path, token)
            if status != 200:
                failures.append(f"{status} {body[:120]!r}")
        except (HttpError, OSError, TimeoutError) as error:
            failures.append(repr(error))
        return began

    async def poll(path: str, token: str | None) -> None:
        connection = Connection(HOST, port)
        if opened is not None:
            await ask(connection, path, token)
            waiting[0] -= 1
            if not waiting[0]:
                opened.set()
            await opened.wait()
        asked = 0
        while not done.is_set() and (not times or asked < times):
            began = await ask(connection, path, token)
            latencies.append(time.perf_counter() - began)
            asked += 1
            await asyncio.sleep(max(0.0, began + every - time.perf_counter()))
        await connection.close()

    await asyncio.gather(*(poll(path, token) for path, token in screens))
    return {"latencies": latencies, "errors": len(failures),
            "error": failures[0] if failures else None}


def _screens(plan: BallotPlan, token: str, key: str) -> list[tuple[str, str | None]]:
    return [(SCREEN, token) if n == 0 else (f"{SCREEN}?k={key}", None)
            for n in range(plan.screens)]


async def _storm(
    port: int, codes: list[str], orgs: list[str], screens: list[tuple[str, str | None]],
    plan: BallotPlan,
) -> dict[str, Any]:
    """The phones arrive over ``plan.spread`` seconds (each: its page, a moment, its cast)
    while the screens poll, from the first arrival to the last cast."""
    rng = random.Random(15)
    over = asyncio.Event()
    latencies: list[float] = []
    pages: list[float] = []
    failures: list[str] = []

    async def client(code: str, arrival: float, think: float) -> None:
        ratings = {org: rng.choice(CODES) for org in orgs}
        await asyncio.sleep(arrival)
        connection = Connection(HOST, port)
        try:
            began = time.perf_counter()
            status, body = await connection.request("GET", f"/b/{code}")
            pages.append(time.perf_counter() - began)
            if status != 200:
                failures.append(f"page {status} {body[:120]!r}")
            await asyncio.sleep(think)
            began = time.perf_counter()
            status, body = await connection.request("POST", f"/api/v1/ballots/{code}", None,
                                                    {"ratings": ratings})
            latencies.append(time.perf_counter() - began)
            if status != 201:
                failures.append(f"{status} {body[:120]!r}")
        except (HttpError, OSError, TimeoutError) as error:
            failures.append(repr(error))
        await connection.close()

    plans = [(code, rng.uniform(0, plan.spread), rng.uniform(0, plan.think)) for code in codes]
    opened = asyncio.Event()
    polling = asyncio.create_task(
        _poll_screens(port, screens, plan.poll_every, over, opened=opened))
    await opened.wait()
    began = time.perf_counter()
    await asyncio.gather(*(client(*one) for one in plans))
    seconds = time.perf_counter() - began
    over.set()
    return {"latencies": latencies, "pages": pages, "errors": len(failures),
            "error": failures[0] if failures else None, "seconds": seconds,
            "screen": await polling}


def _post(port: int, path: str, token: str, body: bytes, content_type: str,
          ) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request("POST", path, body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": content_type})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _paper(template: bytes, slips: int) -> bytes:
    rng = random.Random(500)
    book = load_workbook(io.BytesIO(template))
    sheet = book["测评票"]
    for row in range(3, 3 + slips):
        for column in range(2, sheet.max_column + 1):
            sheet.cell(row, column, rng.choice(GRADES))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_ballots(url: str, folder: Path, plan: BallotPlan) -> dict[str, Any]:
    with bench_store("ballots", folder / "ballots", url) as store:
        orgs, codes, token, key = prepare(store, plan)
        screens = _screens(plan, token, key)
        with serve(store, plan.workers, folder) as server:
            before = server.cpu()
            storm = asyncio.run(_storm(server.port, codes, orgs, screens, plan))
            storm_cpu = server.cpu().since(before)[cpu.API]
            status, template = server.get(f"/api/v1/cycles/{CYCLE}/ballots/template.xlsx",
                                          token)
            assert status == 200, template[:200]
            sheet = _paper(template, plan.slips)
            began = time.perf_counter()
            imported = _post(server.port,
                             f"/api/v1/cycles/{CYCLE}/ballots/import?category=delegate",
                             token, sheet, XLSX)
            import_seconds = time.perf_counter() - began
            status, standings = server.get(f"/api/v1/cycles/{CYCLE}/standings", token)
            revealed = _post(server.port, f"/api/v1/cycles/{CYCLE}/tally-reveal", token, b"",
                             "application/json")[0]
            shown = asyncio.run(_poll_screens(server.port, screens, plan.poll_every,
                                              asyncio.Event(), plan.revealed_polls))
        rows = json.loads(standings)["rows"] if status == 200 else []
        counted = sum(sum(r["ratings"].values()) for r in rows)
    latencies = storm["latencies"]
    polled = storm["screen"]["latencies"]
    return {
        "clients": plan.clients, "participants": plan.participants,
        "storm_spread_seconds": plan.spread, "storm_seconds": round(storm["seconds"], 3),
        "storm_casts": len(latencies),
        "storm_casts_per_second": round(len(latencies) / storm["seconds"], 1),
        # the API processes' CPU over the storm (pages, casts and the screens' polls), per cast:
        # steadier than the latencies on a busy host
        "storm_api_cpu_s": round(storm_cpu, 3),
        "storm_api_cpu_ms_per_cast": round(1000 * storm_cpu / len(latencies), 2)
        if latencies else None,
        "storm_p50_ms": ms(percentile(latencies, 50)),
        "storm_p99_ms": ms(percentile(latencies, 99)),
        "page_p50_ms": ms(percentile(storm["pages"], 50)),
        "page_p99_ms": ms(percentile(storm["pages"], 99)),
        "storm_errors": storm["errors"], "storm_error": storm["error"],
        "slips": plan.slips, "sheet_bytes": len(sheet),
        "import_status": imported[0], "import_seconds": round(import_seconds, 3),
        "import_answer": json.loads(imported[1]) if imported[0] < 500 else None,
        "ratings_counted": counted,
        "ratings_expected": plan.clients * plan.participants + plan.slips * plan.participants,
        "screens": plan.screens, "screen_poll_every": plan.poll_every,
        "screen_requests": len(polled),
        "screen_p50_ms": ms(percentile(polled, 50)), "screen_p99_ms": ms(percentile(polled, 99)),
        "screen_errors": storm["screen"]["errors"], "screen_error": storm["screen"]["error"],
        "reveal_status": revealed, "revealed_requests": len(shown["latencies"]),
        "revealed_p50_ms": ms(percentile(shown["latencies"], 50)),
        "revealed_p99_ms": ms(percentile(shown["latencies"], 99)),
        "revealed_errors": shown["errors"], "revealed_error": shown["error"],
    }
