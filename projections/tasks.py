"""我的待办 (GET /me/tasks): what the caller has to do now, from the finding read model — a few
indexed queries keyed by the caller's grants and panel seats, whatever the size of the store.

Each kind of task comes from a *source*: a function of (read model, caller, today) that yields
tasks. Sources for later kinds (``hold_talk``, ``answer_order``) join ``SOURCES``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from application.principal import Principal
from domain.conflicts import rating_conflicts
from projections.deadlines import Lights
from projections.finding import CONFLICTS, CYCLES, ORGS, PANEL, PARTICIPANTS, RATINGS, SCORES
from projections.lists import path_codes
from projections.plans import ITEMS, PLANS
from projections.supervision import (
    FINALIZED,
    ORDERS,
    talk_due,
    talks_held,
    talks_needed,
)
from projections.tables import Row
from projections.views import Reader

BASE = "/api/v1"
KINDS = (
    "submit_report", "resubmit_report", "rate", "score", "give_feedback", "submit_plan",
    "resubmit_plan", "approve_plan", "report_progress", "verify_item", "hold_talk",
    "answer_order",
)


@dataclass(frozen=True)
class Task:
    kind: str
    cycle_id: str | None
    org_code: str
    org_name: str | None
    title: str
    due: str | None
    overdue: bool
    path: str
    item_id: str | None = None


@dataclass(frozen=True)
class Caller:
    reader: Reader
    principal: Principal
    today: date
    tz: ZoneInfo

    def task(self, kind: str, row: Row, due: str | None, action: str,
             item_id: str | None = None) -> Task:
        path = (f"{BASE}/cycles/{quote(row['cycle_id'], safe='')}/participants/"
                f"{quote(row['org_code'], safe='')}{action}")
        return Task(kind, row["cycle_id"], row["org_code"], row["org_name"], row["title"], due,
                    due is not None and due < self.today.isoformat(), path, item_id)


Source = Callable[[Caller], Iterable[Task]]


def _marks(values: Iterable[Any]) -> str:
    return ", ".join("?" for _ in values)


def _participations(c: Caller, where: str, params: tuple[Any, ...]) -> list[Row]:
    r = c.reader
    return r.fetch(
        f"SELECT c.cycle_id, c.title, c.phase, c.indicators, c.report_due, c.review_due, "
        f"c.plan_due, p.org_code, o.name AS org_name, o.secretary_account, p.report_version, "
        f"p.report_status, p.feedback, p.problems, pl.plan_id, pl.status AS plan_status "
        f"FROM {r.table(PARTICIPANTS)} p JOIN {r.table(CYCLES)} c ON c.cycle_id = p.cycle_id "
        f"LEFT JOIN {r.table(ORGS)} o ON o.code = p.org_code "
        f"LEFT JOIN {r.table(PLANS)} pl ON pl.cycle_id = p.cycle_id AND pl.org_code = p.org_code "
        f"WHERE {where} ORDER BY c.cycle_id, p.org_code",
        params,
    )


def _items(c: Caller, found: list[Row], statuses: tuple[str, ...]
           ) -> dict[tuple[str, str], list[Row]]:
    """The items in ``statuses`` of the approved plans of rectifying participations among
    ``found``, by (cycle, org), in plan order: one query for them all."""
    wanted = {(row["cycle_id"], row["org_code"]) for row in found
              if row["phase"] == "rectifying" and row["plan_status"] == "approved"}
    if not wanted:
        return {}
    cycles = sorted({cycle for cycle, _ in wanted})
    items: dict[tuple[str, str], list[Row]] = {}
    for item in c.reader.fetch(
        f"SELECT cycle_id, org_code, item_id, due_date FROM {c.reader.table(ITEMS)} "
        f"WHERE cycle_id IN ({_marks(cycles)}) AND status IN ({_marks(statuses)}) "
        "ORDER BY cycle_id, org_code, seq", (*cycles, *statuses),
    ):
        key = (item["cycle_id"], item["org_code"])
        if key in wanted:
            items.setdefault(key, []).append(item)
    return items


def secretary_tasks(c: Caller) -> Iterator[Task]:
    orgs = c.principal.roles("secretary")
    if not orgs:
        return
    found = _participations(
        c, f"p.org_code IN ({_marks(orgs)}) AND c.phase IN ('reporting', 'reviewing', "
        "'rectifying')", tuple(orgs),
    )
    items = _items(c, found, ("planned", "in_progress", "rejected"))
    for row in found:
        phase = row["phase"]
        if phase == "reporting" and not row["report_version"]:
            yield c.task("submit_report", row, row["report_due"], "/report")
        elif row["report_status"] == "returned" and phase in ("reporting", "reviewing"):
            yield c.task("resubmit_report", row, row["report_due"], "/report")
        if phase != "rectifying":
            continue
        if row["plan_status"] is None and row["feedback"] and row["problems"]:
            yield c.task("submit_plan", row, row["plan_due"], "/rectification/plan")
        elif row["plan_status"] == "returned":
            yield c.task("resubmit_plan", row, row["plan_due"], "/rectification/plan")
        elif row["plan_status"] == "approved":
            for item in items.get((row["cycle_id"], row["org_code"]), []):
                yield c.task("report_progress", row, item["due_date"],
                             f"/rectification/items/{quote(item['item_id'], safe='')}/progress",
                             item["item_id"])


def organizer_tasks(c: Caller) -> Iterator[Task]:
    orgs = c.principal.roles("organizer")
    if not orgs:
        return
    found = _participations(
        c, f"c.organizer_org IN ({_marks(orgs)}) AND c.phase IN ('reviewing', 'finalized', "
        "'rectifying')", tuple(orgs),
    )
    reviewing = sorted({row["cycle_id"] for row in found if row["phase"] == "reviewing"})
    scored: dict[tuple[str, str], set[str]] = {}
    if reviewing:
        for s in c.reader.fetch(
            f"SELECT cycle_id, org_code, indicator FROM {c.reader.table(SCORES)} "
            f"WHERE cycle_id IN ({_marks(reviewing)})", tuple(reviewing),
        ):
            scored.setdefault((s["cycle_id"], s["org_code"]), set()).add(s["indicator"])
    items = _items(c, found, ("claimed",))
    for row in found:
        org = row["org_code"]
        # DOMAIN.md "Round 2": no organizer acts on an org it is the secretary of.
        if c.principal.has("secretary", org) or row["secretary_account"] == \
                c.principal.account_id:
            continue
        phase = row["phase"]
        if phase == "reviewing":
            indicators = set(json.loads(row["indicators"] or "[]"))
            if indicators - scored.get((row["cycle_id"], org), set()):
                yield c.task("score", row, row["review_due"], "/scores")
        elif not row["feedback"]:
            yield c.task("give_feedback", row, None, "/feedback")
        if phase != "rectifying":
            continue
        if row["plan_status"] == "submitted":
            yield c.task("approve_plan", row, None, "/rectification/plan/approve")
        elif row["plan_status"] == "approved":
            for item in items.get((row["cycle_id"], row["org_code"]), []):
                yield c.task("verify_item", row, item["due_date"],
                             f"/rectification/items/{quote(item['item_id'], safe='')}"
                             "/verification", item["item_id"])


def panel_tasks(c: Caller) -> Iterator[Task]:
    r, me = c.reader, c.principal.account_id
    found = r.fetch(
        f"SELECT c.cycle_id, c.title, c.review_due, p.org_code, o.name AS org_name, "
        f"o.secretary_account FROM {r.table(PANEL)} m "
        f"JOIN {r.table(CYCLES)} c ON c.cycle_id = m.cycle_id "
        f"JOIN {r.table(PARTICIPANTS)} p ON p.cycle_id = m.cycle_id "
        f"LEFT JOIN {r.table(ORGS)} o ON o.code = p.org_code "
        f"WHERE m.account_id = ? AND c.phase = 'reviewing' AND p.report_status = 'submitted' "
        f"AND NOT EXISTS (SELECT 1 FROM {r.table(RATINGS)} x WHERE x.cycle_id = m.cycle_id "
        f"AND x.reviewer = m.account_id AND x.org_code = p.org_code) "
        f"ORDER BY c.cycle_id, p.org_code",
        (me,),
    )
    if not found:
        return
    own = r.fetch(f"SELECT path FROM {r.table(ORGS)} WHERE code = ?",
                  (c.principal.org_code or "",))
    own_orgs = path_codes(own[0]["path"]) if own else []
    granted = {org for _, org in c.principal.grants}
    declared = {(x["cycle_id"], x["org_code"]) for x in r.fetch(
        f"SELECT cycle_id, org_code FROM {r.table(CONFLICTS)} WHERE account_id = ?", (me,))}
    for row in found:
        if not rating_conflicts(me, row["org_code"], granted, own_orgs, row["secretary_account"],
                                (row["cycle_id"], row["org_code"]) in declared):
            yield c.task("rate", row, row["review_due"], "/reviews")


def talk_tasks(c: Caller) -> Iterator[Task]:
    """hold_talk: for the organizer, each participant graded 一般/差 of its finalized cycles with
    no held talk recorded yet (due 30 days after finalization)."""
    orgs = c.principal.roles("organizer")
    if not orgs:
        return
    r = c.reader
    found = r.fetch(
        f"SELECT c.cycle_id, c.title, c.grades, f.finalized_at FROM {r.table(CYCLES)} c "
        f"JOIN {r.table(FINALIZED)} f ON f.cycle_id = c.cycle_id "
        f"WHERE c.organizer_org IN ({_marks(orgs)}) AND c.grades IS NOT NULL "
        f"AND c.phase IN ('finalized', 'rectifying') ORDER BY c.cycle_id", tuple(orgs),
    )
    for cycle in found:
        grades = json.loads(cycle["grades"])
        needed = talks_needed(grades)
        if not needed:
            continue
        held = talks_held(r, cycle["cycle_id"])
        due = talk_due(cycle["finalized_at"], c.tz).isoformat()
        names = {o["code"]: o["name"] for o in r.fetch(
            f"SELECT code, name FROM {r.table(ORGS)} WHERE code IN ({_marks(needed)})",
            tuple(needed))}
        for org in needed:
            if org not in held:
                row = {"cycle_id": cycle["cycle_id"], "org_code": org, "org_name": names.get(org),
                       "title": cycle["title"]}
                yield c.task("hold_talk", row, due, "/talks")


def order_tasks(c: Caller) -> Iterator[Task]:
    """answer_order: open 督办 orders to the caller's secretary orgs."""
    orgs = c.principal.roles("secretary")
    if not orgs:
        return
    r = c.reader
    found = r.fetch(
        f"SELECT x.order_id, x.org_code, x.subject, x.due_date, o.name AS org_name "
        f"FROM {r.table(ORDERS)} x LEFT JOIN {r.table(ORGS)} o ON o.code = x.org_code "
        f"LEFT JOIN {r.table(CYCLES)} c ON c.cycle_id = x.cycle_id "
        f"WHERE x.org_code IN ({_marks(orgs)}) AND x.status = 'open' "
        # an order tied to an ended rehearsal asks for no answer any more
        "AND NOT (COALESCE(c.rehearsal, 0) = 1 AND c.phase = 'closed') ORDER BY x.position",
        tuple(orgs),
    )
    for row in found:
        yield Task("answer_order", None, row["org_code"], row["org_name"], row["subject"],
                   row["due_date"], row["due_date"] < c.today.isoformat(),
                   f"{BASE}/supervision/orders/{quote(row['order_id'], safe='')}/response")


SOURCES: list[Source] = [secretary_tasks, panel_tasks, organizer_tasks, talk_tasks, order_tasks]


def tasks(r: Reader, principal: Principal, today: date, tz: ZoneInfo) -> dict[str, Any]:
    caller = Caller(r, principal, today, tz)
    found = [task for source in SOURCES for task in source(caller)]
    found.sort(key=lambda t: (t.due is None, t.due or "", KINDS.index(t.kind), t.cycle_id or "",
                              t.org_code, t.item_id or ""))
    lights = Lights(r, today)  # 红黄灯: derived as of today, the tasks' work being undone
    marked = rehearsals(r, {task.cycle_id for task in found if task.cycle_id})
    return {"tasks": [{**asdict(task), "light": lights.of(task.cycle_id, task.due),
                       "rehearsal": task.cycle_id in marked} for task in found],
            "position": r.position}


def rehearsals(r: Reader, cycle_ids: set[str]) -> set[str]:
    """Which of these cycles are rehearsals (演练): their tasks are marked so."""
    if not cycle_ids:
        return set()
    return {row["cycle_id"] for row in r.fetch(
        f"SELECT cycle_id FROM {r.table(CYCLES)} WHERE rehearsal = 1 "
        f"AND cycle_id IN ({_marks(cycle_ids)})", tuple(sorted(cycle_ids)))}
