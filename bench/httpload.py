"""The HTTP load process (spawned): `writers` concurrent clients POSTing ratings, and optionally
one reader per kind of read (JSON reads with a bearer token, console pages with a session
cookie) running meanwhile. It obeys the parent's ``("run", seconds, with_readers, rate)``
(rate: writes per second in all, paced; None: each writer posts again once answered),
``("port", port)`` (aim at another server) and ``("stop",)`` over a pipe, like writers.py."""

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
SESSION_COOKIE = "lianping_session"  # api/console/web.py's


@dataclass(frozen=True)
class Read:
    """One GET a reader may make: with a bearer `token`, or as a console `session`."""

    path: str
    token: str | None = None
    session: str | None = None


@dataclass
class HttpPlan:
    port: int
    slots: list[Slot]
    tokens: dict[str, str]  # account id -> bearer token
    reads: dict[str, list[Read]] = field(default_factory=dict)  # kind -> one reader's choices
    writers: int = 16


def _result() -> Result:
    return {"ops": 0, "errors": 0, "error": None, "latencies": [], "amendments": 0}


class Load:
    def __init__(self, plan: HttpPlan) -> None:
        self.plan = plan
        self.slots = deque(plan.slots)
        self.rated: deque[Slot] = deque()
        self.pick = random.Random(7)

    async def run(self, seconds: float, with_readers: bool, go_at: float,
                  rate: float | None = None) -> dict[str, Result]:
        await asyncio.sleep(max(0.0, go_at - time.monotonic()))
        deadline = go_at + seconds
        results = {"writes": _result(), **{kind: _result() for kind in self.plan.reads}}
        every = None if rate is None else self.plan.writers / rate  # each writer's interval
        tasks = [self.writer(deadline, results["writes"], every, go_at + n * (every or 0)
                             / self.plan.writers) for n in range(self.plan.writers)]
        if with_readers:
            tasks += [self.reader(deadline, results[kind], reads)
                      for kind, reads in self.plan.reads.items() if reads]
        await asyncio.gather(*tasks)
        for result in results.values():
            result["started"], result["ended"] = go_at, time.monotonic()
        return results

    async def writer(self, deadline: float, out: Result, every: float | None = None,
                     start: float = 0.0) -> None:
        """Posts ratings until `deadline`: at once after each answer, or (`every` seconds
        apart, from `start`) at a fixed pace, a late write not made up for by a burst."""
        conn = Connection(HOST, self.plan.port)
        due = start
        try:
            while time.monotonic() < deadline and self.plan.slots:
                if every is not None:
                    await asyncio.sleep(max(0.0, due - time.monotonic()))
                    due = max(due + every, time.monotonic())
                    if time.monotonic() >= deadline:
                        break
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

    async def reader(self, deadline: float, out: Result, reads: list[Read]) -> None:
        conn = Connection(HOST, self.plan.port)
        try:
            while time.monotonic() < deadline:
                read = self.pick.choice(reads)
                cookie = f"{SESSION_COOKIE}={read.session}" if read.session else None
                await self.call(conn, out, "GET", read.path, read.token, None, cookie)
        finally:
            await conn.close()

    @staticmethod
    async def call(conn: Connection, out: Result, method: str, path: str, token: str | None,
                   body: Any, cookie: str | None = None) -> bool:
        began = time.monotonic()
        try:
            status, data = await conn.request(method, path, token, body, cookie)
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
        if command[0] == "port":  # the same load (and its slots) against another server
            load.plan.port = command[1]
            continue
        _, seconds, with_readers, rate = command
        go_at = ready(pipe)
        pipe.send(asyncio.run(load.run(seconds, with_readers, go_at, rate)))
