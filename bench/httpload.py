"""The HTTP load process (spawned): `writers` concurrent clients POSTing ratings, and optionally
one standings reader and one audit-filter reader running meanwhile. It obeys the parent's
``("run", seconds, with_readers)`` and ``("stop",)`` over a pipe, like writers.py."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe
from typing import Any
from urllib.parse import quote

from bench.generator import Slot
from bench.httpclient import Connection, HttpError
from bench.ipc import ready
from bench.server import HOST
from bench.writers import AMENDMENT, GRADES

Result = dict[str, Any]


@dataclass
class HttpPlan:
    port: int
    slots: list[Slot]
    tokens: dict[str, str]  # account id -> bearer token
    standings: list[tuple[str, str]] = field(default_factory=list)  # (cycle_id, token)
    audits: list[tuple[str, str, str]] = field(default_factory=list)  # (cycle, org, token)
    coverages: list[tuple[str, int, str]] = field(default_factory=list)  # (org, year, token)
    subtree_flags: list[tuple[str, str]] = field(default_factory=list)  # (org, token)
    writers: int = 16


def _result() -> Result:
    return {"ops": 0, "errors": 0, "error": None, "latencies": [], "amendments": 0}


class Load:
    def __init__(self, plan: HttpPlan) -> None:
        self.plan = plan
        self.slots = deque(plan.slots)
        self.rated: deque[Slot] = deque()
        self.pick = random.Random(7)

    async def run(self, seconds: float, with_readers: bool, go_at: float) -> dict[str, Result]:
        await asyncio.sleep(max(0.0, go_at - time.monotonic()))
        deadline = go_at + seconds
        results = {"writes": _result(), "standings": _result(), "audit": _result(),
                   "coverage": _result(), "subtree_flags": _result()}
        tasks = [self.writer(deadline, results["writes"]) for _ in range(self.plan.writers)]
        if with_readers and self.plan.standings:
            tasks.append(self.reader(deadline, results["standings"], self.standings_path))
        if with_readers and self.plan.audits:
            tasks.append(self.reader(deadline, results["audit"], self.audit_path))
        if with_readers and self.plan.coverages:
            tasks.append(self.reader(deadline, results["coverage"], self.coverage_path))
        if with_readers and self.plan.subtree_flags:
            tasks.append(self.reader(deadline, results["subtree_flags"], self.flags_path))
        await asyncio.gather(*tasks)
        for result in results.values():
            result["started"], result["ended"] = go_at, time.monotonic()
        return results

    async def writer(self, deadline: float, out: Result) -> None:
        conn = Connection(HOST, self.plan.port)
        try:
            while time.monotonic() < deadline and self.plan.slots:
                if self.slots:
                    slot, body = self.slots.popleft(), {"rating": self.pick.choice(GRADES)}
                elif self.rated:
                    slot = self.rated.popleft()
                    body = {"rating": self.pick.choice(GRADES), "reason": AMENDMENT}
                else:  # every slot is in flight: a rating done meanwhile frees one
                    await asyncio.sleep(0.005)
                    continue
                path = (f"/api/v1/cycles/{quote(slot.cycle_id)}/participants/"
                        f"{quote(slot.org_code)}/reviews")
                ok = await self.call(conn, out, "POST", path, self.plan.tokens[slot.reviewer], body)
                if ok:
                    out["amendments"] += "reason" in body
                    self.rated.append(slot)
        finally:
            await conn.close()

    def standings_path(self) -> tuple[str, str]:
        cycle_id, token = self.pick.choice(self.plan.standings)
        return f"/api/v1/cycles/{quote(cycle_id)}/standings", token

    def audit_path(self) -> tuple[str, str]:
        cycle_id, org_code, token = self.pick.choice(self.plan.audits)
        return (f"/api/v1/audit/events?cycle_id={quote(cycle_id)}&org_code={quote(org_code)}"
                "&limit=100", token)

    def coverage_path(self) -> tuple[str, str]:
        org_code, year, token = self.pick.choice(self.plan.coverages)
        return f"/api/v1/organizations/{quote(org_code)}/coverage?year={year}", token

    def flags_path(self) -> tuple[str, str]:
        org_code, token = self.pick.choice(self.plan.subtree_flags)
        return f"/api/v1/audit/flags?org_code={quote(org_code)}", token

    async def reader(self, deadline: float, out: Result, target: Any) -> None:
        conn = Connection(HOST, self.plan.port)
        try:
            while time.monotonic() < deadline:
                path, token = target()
                await self.call(conn, out, "GET", path, token, None)
        finally:
            await conn.close()

    @staticmethod
    async def call(conn: Connection, out: Result, method: str, path: str, token: str,
                   body: Any) -> bool:
        began = time.monotonic()
        try:
            status, data = await conn.request(method, path, token, body)
        except HttpError as error:
            status, data = 0, repr(error).encode()
        if 200 <= status < 300:
            out["latencies"].append(time.monotonic() - began)
            out["ops"] += 1
            return True
        out["errors"] += 1
        out["error"] = out["error"] or f"{method} {path} -> {status}: {data[:300]!r}"
        return False


def load_main(pipe: Pipe, plan: HttpPlan) -> None:
    load = Load(plan)
    while True:
        try:
            command = pipe.recv()
        except EOFError:
            return
        if command[0] == "stop":
            return
        _, seconds, with_readers = command
        go_at = ready(pipe)
        pipe.send(asyncio.run(load.run(seconds, with_readers, go_at)))
