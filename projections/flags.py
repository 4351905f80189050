"""Inspection flags (督查提示) per cycle: late submissions (reports after ``report_due``, ratings
after ``review_due``, rectification plans after ``plan_due``, each judged by the deadline in
force when it came in), cycle deadlines moved once their phase had begun (deadline_changed),
amendments and re-scorings (also
after the cycle had been finalized once), reopenings, vetoes, returned reports and plans, voided
ballot batches (ballots_voided);
overdue items are added when read, against today's date, and an extension granted after the
deadline had passed stays flagged (overdue_extension)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.plan import ITEM_STATUSES, is_overdue
from projections.context import CONTEXTS, ORGS, context, fold_contexts, fold_orgs
from projections.envelope import Envelope, utc_text
from projections.lists import LIKE, WHOLE, Window, like_escape
from projections.plans import ITEMS, PLAN_TABLES, fold_plans
from projections.supervision import (
    FINALIZED,
    ORDERS,
    SUPERVISION_TABLES,
    TALKS,
    fold_supervision,
    order_flag,
    talk_flags,
)
from projections.tables import (
    Change,
    Delete,
    Fold,
    Projection,
    Put,
    Rows,
    Table,
    table,
    updated,
)
from projections.views import Reader

OPEN_ITEMS = tuple(status for status in ITEM_STATUSES if status != "verified")

NAME = "flags"

CYCLES = table(
    "cycles", "cycle_id organizer_org report_cutoff review_cutoff plan_cutoff finalized_once",
    "cycle_id", "finalized_once",
)
# Who was expected to report (participants) and whether they did, the feedback problems they
# got and whether they then sent a plan; ``open`` while either is owed: for not_submitted.
SUBMISSIONS = table(
    "submissions", "cycle_id org_code reported position problems planned open",
    "cycle_id org_code", "reported position problems planned open",
    indexes=["org_code", "open"],
)
FLAGS = table(
    "flags", "position kind cycle_id org_code actor reason recorded_at", "position kind",
    "position", indexes=["cycle_id position", "org_code"],
)

# (aggregate type, event) → flag kind; amendments also count after finalization.
_KINDS = {
    ("Cycle", "Reopened"): "reopening",
    ("Cycle", "Vetoed"): "veto",
    ("Report", "Returned"): "returned_report",
    ("RectificationPlan", "Returned"): "returned_plan",
    ("Rating", "Amended"): "amendment",
    ("IndicatorScore", "Amended"): "rescoring",
    ("BallotBook", "BatchVoided"): "ballots_voided",
}
_AMENDMENTS = ("amendment", "rescoring")
# Submissions that are late after a cycle deadline: (aggregate type, event) → cutoff column,
# and the deadline each cutoff comes from.
_LATE = {
    ("Report", "Submitted"): "report_cutoff",
    ("Report", "Resubmitted"): "report_cutoff",
    ("Rating", "Recorded"): "review_cutoff",
    ("Rating", "Amended"): "review_cutoff",
    ("RectificationPlan", "Submitted"): "plan_cutoff",
    ("RectificationPlan", "Resubmitted"): "plan_cutoff",
}
_DEADLINES = {"report_cutoff": "report_due", "review_cutoff": "review_due",
              "plan_cutoff": "plan_due"}


def cutoff(due: str | None, tz: ZoneInfo) -> str | None:
    """A submission is late from the end of its due day, in the service's timezone."""
    if not due:
        return None
    day = datetime.fromisoformat(due).date() + timedelta(days=1)
    return utc_text(datetime.combine(day, time(), tzinfo=tz))


def flags_fold(tz: ZoneInfo) -> Fold:
    def fold(rows: Rows, e: Envelope) -> Iterator[Change]:
        yield from fold_contexts(rows, e)
        yield from fold_orgs(rows, e)
        yield from fold_plans(rows, e)
        yield from fold_supervision(rows, e)
        d = e.data
        cycle_id, org_code = context(rows, e)
        yield from _fold_submissions(rows, e, cycle_id, org_code)
        if e.aggregate_type == "Cycle":
            if e.created:
                deadlines = d.get("deadlines") or {}
                yield Put(CYCLES, {
                    "cycle_id": cycle_id, "organizer_org": d["organizer_org"],
                    **{col: cutoff(deadlines.get(due), tz) for col, due in _DEADLINES.items()},
                    "finalized_once": 0,
                })
            elif e.name == "Finalized":
                yield from updated(rows, CYCLES, (cycle_id,), finalized_once=1)
            elif e.name == "RehearsalEnded" and rows.get(CYCLES, (cycle_id,)) is not None:
                # An ended rehearsal raises nothing as of today (not submitted, overdue items,
                # overdue orders: all read through this row); the flags its events raised stay.
                yield Delete(CYCLES, (cycle_id,))
            elif e.name == "DeadlinesSet":
                # From here on, submissions are judged by the new deadline; earlier ones keep
                # the judgement made by the deadline in force when they came in.
                moved = d.get("deadlines") or {}
                yield from updated(rows, CYCLES, (cycle_id,), **{
                    col: cutoff(moved[due], tz) for col, due in _DEADLINES.items() if due in moved
                })
            org_code = d.get("org_code") or org_code
        cycle = rows.get(CYCLES, (cycle_id,)) if cycle_id else None
        kinds = []
        kind = _KINDS.get((e.aggregate_type, e.name))
        if kind:
            kinds.append(kind)
            if kind in _AMENDMENTS and cycle and cycle["finalized_once"]:
                kinds.append("amendment_after_finalization")
        if (e.aggregate_type, e.name) == ("Cycle", "DeadlinesSet") and d.get(
            "changed_after_start"
        ):
            kinds.append("deadline_changed")
        if (e.aggregate_type, e.name) == ("RectificationPlan", "DeadlineExtended"):
            # The overdue flag is computed when read, so it vanishes once the deadline moves:
            # an extension granted after the old deadline had passed is kept as a flag.
            day = e.recorded_at.astimezone(tz).date().isoformat()
            if d.get("previous_due_date") and d["previous_due_date"] < day:
                kinds.append("overdue_extension")
        late_after = _LATE.get((e.aggregate_type, e.name))
        due_at = cycle[late_after] if cycle and late_after else None
        if due_at and utc_text(e.recorded_at) >= due_at:
            kinds.append("late_submission")
        for kind in kinds:
            yield Put(FLAGS, {
                "position": e.position, "kind": kind, "cycle_id": cycle_id, "org_code": org_code,
                "actor": e.actor, "reason": e.reason, "recorded_at": utc_text(e.recorded_at),
            })

    return fold


def _fold_submissions(
    rows: Rows, e: Envelope, cycle_id: str | None, org_code: str | None
) -> Iterator[Change]:
    if cycle_id is None:
        return
    match e.aggregate_type, e.name:
        case "Cycle", "ParticipantAdded":
            yield Put(SUBMISSIONS, {"cycle_id": cycle_id, "org_code": e.data["org_code"],
                                    "reported": 0, "position": e.position, "problems": 0,
                                    "planned": 0, "open": 1})
        case "Cycle", "ParticipantRemoved":
            if rows.get(SUBMISSIONS, (cycle_id, e.data["org_code"])) is not None:
                yield Delete(SUBMISSIONS, (cycle_id, e.data["org_code"]))
        case "Report", "Submitted" if org_code is not None:
            yield from _submission(rows, cycle_id, org_code, reported=1)
        case "Feedback", _ if org_code is not None and isinstance(e.data.get("problems"), list):
            yield from _submission(rows, cycle_id, org_code, problems=len(e.data["problems"]))
        case "RectificationPlan", _ if org_code is not None and e.created:
            yield from _submission(rows, cycle_id, org_code, planned=1)


def _submission(rows: Rows, cycle_id: str, org_code: str, **change: int) -> Iterator[Change]:
    found = rows.get(SUBMISSIONS, (cycle_id, org_code))
    if found is not None:
        row = {**found, **change}
        owed = not row["reported"] or (row["problems"] > 0 and not row["planned"])
        yield Put(SUBMISSIONS, {**row, "open": int(owed)})


def projection(tz: ZoneInfo) -> Projection:
    return Projection(
        NAME,
        (CONTEXTS, ORGS, *PLAN_TABLES, *SUPERVISION_TABLES, CYCLES, SUBMISSIONS,
         FLAGS),
        flags_fold(tz),
    )


@dataclass(frozen=True)
class Where:
    """Which flags to read: one cycle's, or those about orgs in one subtree (``path``)."""

    cycle_id: str | None = None
    path: str | None = None
    parent: str | None = None  # the subtree root's parent

    def sql(self, r: Reader, table: Table, join: str = "") -> tuple[str, tuple[Any, ...]]:
        """``<table> x [JOIN orgs o] <join> WHERE <condition>`` and its parameters."""
        if self.cycle_id is not None:
            return f"{r.table(table)} x {join} WHERE x.cycle_id = ?", (self.cycle_id,)
        return (
            f"{r.table(table)} x JOIN {r.table(ORGS)} o ON o.code = x.org_code {join} "
            f"WHERE o.path{LIKE}", (like_escape(self.path or "") + "%",),
        )


def _flags(
    r: Reader, where: Where, today: date, tz: ZoneInfo, window: Window = WHOLE,
) -> tuple[list[dict[str, Any]], int | None]:
    """The flags in ``window`` and the position up to which they are complete (None: all)."""
    stored = _stored(r, where, window)
    if stored[1] is not None:  # the page ends there at the latest: read no further elsewhere
        window = replace(window, upto=stored[1])
    sources = [
        stored, _overdue_items(r, where, today, window),
        _not_submitted(r, where, today, tz, window), _talks(r, where, today, tz, window),
        _overdue_orders(r, where, today, window),
    ]
    ends = [end for _, end in sources if end is not None]
    complete_to = min(ends) if ends else None
    flags = [flag for found, _ in sources for flag in found
             if complete_to is None or flag["position"] <= complete_to]
    flags.sort(key=lambda flag: (flag["position"], flag["kind"]))
    return flags, complete_to


Found = tuple[list[dict[str, Any]], int | None]


def _stored(r: Reader, where: Where, window: Window) -> Found:
    source, params = where.sql(r, FLAGS)
    return window.fetch(
        r, f"SELECT x.kind, x.position, x.org_code, x.actor, x.reason, x.recorded_at, "
        f"NULL AS item_id, NULL AS due_date, x.cycle_id FROM {source}", params, "x.position",
        "x.kind",
    )


def _overdue_items(r: Reader, where: Where, today: date, window: Window) -> Found:
    source, params = where.sql(r, ITEMS, f"JOIN {r.table(CYCLES)} c ON c.cycle_id = x.cycle_id")
    # The statuses other than verified, named: the index on (status, due_date) then finds the
    # open items past due without reading the province's every item.
    items, end = window.fetch(
        r, f"SELECT x.* FROM {source} AND x.status IN ({', '.join('?' for _ in OPEN_ITEMS)}) "
        "AND x.due_date < ?", (*params, *OPEN_ITEMS, today.isoformat()),
        "x.due_position", "x.org_code, x.seq",
    )
    return [
        {
            "kind": "overdue_item", "position": item["due_position"], "org_code": item["org_code"],
            "actor": item["due_actor"], "reason": None, "recorded_at": item["due_at"],
            "item_id": item["item_id"], "due_date": item["due_date"], "cycle_id": item["cycle_id"],
        }
        for item in items
        if is_overdue(item, today)
    ], end


def _overdue_orders(r: Reader, where: Where, today: date, window: Window) -> Found:
    # An order tied to an ended rehearsal (its cycle row deleted) raises nothing any more.
    source, params = where.sql(
        r, ORDERS, f"LEFT JOIN {r.table(CYCLES)} c ON c.cycle_id = x.cycle_id"
    )
    found, end = window.fetch(
        r, f"SELECT x.* FROM {source} AND x.status <> 'closed' AND x.due_date < ? "
        "AND (x.cycle_id IS NULL OR c.cycle_id IS NOT NULL)", (*params, today.isoformat()),
        "x.position",
    )
    return [{**order_flag(row), "cycle_id": row["cycle_id"]} for row in found], end


def _not_submitted(r: Reader, where: Where, today: date, tz: ZoneInfo, window: Window) -> Found:
    """A report after ``report_due``, or a plan after ``plan_due`` (for participants given
    feedback problems), that does not exist yet: as of today, by the deadlines in force."""
    start_of_today = utc_text(datetime.combine(today, time(), tzinfo=tz))
    source, params = where.sql(
        r, SUBMISSIONS, f"JOIN {r.table(CYCLES)} c ON c.cycle_id = x.cycle_id"
    )
    # Only the submissions still owed (``open``, indexed): the others can raise nothing.
    found, end = window.fetch(
        r, f"SELECT x.cycle_id, x.org_code, x.reported, x.position, x.problems, x.planned, "
        f"c.report_cutoff, c.plan_cutoff FROM {source} AND x.open = 1 "
        f"AND ((x.reported = 0 AND c.report_cutoff <= ?) "
        f"OR (x.problems > 0 AND x.planned = 0 AND c.plan_cutoff <= ?))",
        (*params, start_of_today, start_of_today), "x.position", "x.cycle_id, x.org_code",
    )
    flags = []
    for row in found:
        due = []
        if not row["reported"] and row["report_cutoff"] and row["report_cutoff"] <= start_of_today:
            due.append(row["report_cutoff"])
        if row["problems"] > 0 and not row["planned"] and row["plan_cutoff"] \
                and row["plan_cutoff"] <= start_of_today:
            due.append(row["plan_cutoff"])
        for cutoff_at in due:
            flags.append({
                "kind": "not_submitted", "position": row["position"], "org_code": row["org_code"],
                "actor": None, "reason": None, "recorded_at": cutoff_at, "item_id": None,
                "due_date": (datetime.fromisoformat(cutoff_at).astimezone(tz).date()
                             - timedelta(days=1)).isoformat(),
                "cycle_id": row["cycle_id"],
            })
    return flags, end


def _talks(r: Reader, where: Where, today: date, tz: ZoneInfo, window: Window) -> Found:
    if where.cycle_id is not None:
        found, end = window.fetch(r, f"SELECT * FROM {r.table(FINALIZED)} WHERE cycle_id = ?",
                                  (where.cycle_id,), "position")
    else:
        # Participants are direct children of their cycle's organizer (and orgs never move):
        # a subtree's orgs take part only in cycles organized inside it or by its root's parent.
        found, end = window.fetch(
            r, f"SELECT f.* FROM {r.table(FINALIZED)} f "
            f"LEFT JOIN {r.table(CYCLES)} c ON c.cycle_id = f.cycle_id "
            f"LEFT JOIN {r.table(ORGS)} o ON o.code = c.organizer_org "
            f"WHERE (c.cycle_id IS NULL OR o.path{LIKE} OR c.organizer_org = ?)",
            (like_escape(where.path or "") + "%", where.parent), "f.position",
        )
    due = [{**flag, "cycle_id": row["cycle_id"]} for row in found
           for flag in talk_flags(row, today, tz)]
    if not due:
        return [], end
    # The talks held are read only for the cycles where one is due.
    cycles = sorted({flag["cycle_id"] for flag in due})
    held = {(talk["cycle_id"], talk["org_code"]) for talk in r.fetch(
        f"SELECT cycle_id, org_code FROM {r.table(TALKS)} WHERE held_on IS NOT NULL "
        f"AND cycle_id IN ({', '.join('?' for _ in cycles)})", tuple(cycles),
    )}
    flags = [flag for flag in due if (flag["cycle_id"], flag["org_code"]) not in held]
    if where.cycle_id is None and flags:  # only those about orgs in the subtree
        codes = sorted({flag["org_code"] for flag in flags})
        inside = {row["code"] for row in r.fetch(
            f"SELECT code FROM {r.table(ORGS)} WHERE code IN ({', '.join('?' for _ in codes)}) "
            f"AND path{LIKE}", (*codes, like_escape(where.path or "") + "%"))}
        flags = [flag for flag in flags if flag["org_code"] in inside]
    return flags, end


def cycle_flags(r: Reader, cycle_id: str, today: date, tz: ZoneInfo,
                window: Window = WHOLE) -> dict[str, Any]:
    """A cycle's flags in ``window``; ``complete_to`` as in ``subtree_flags``."""
    flags, complete_to = _flags(r, Where(cycle_id=cycle_id), today, tz, window)
    for flag in flags:
        flag["cycle_id"] = None  # named only in a subtree's flags
    return {"cycle_id": cycle_id, "position": r.position, "flags": flags,
            "complete_to": complete_to}


def subtree_flags(r: Reader, org_code: str, today: date, tz: ZoneInfo,
                  window: Window = WHOLE) -> dict[str, Any]:
    """The flags about orgs in ``org_code``'s subtree, over every cycle (each with its
    ``cycle_id``), in ``window``."""
    found = r.fetch(f"SELECT path, parent_code FROM {r.table(ORGS)} WHERE code = ?", (org_code,))
    if not found:
        return {"org_code": org_code, "position": r.position, "flags": [], "inside": set(),
                "complete_to": None}
    path = found[0]["path"]
    inside = {row["cycle_id"] for row in r.fetch(
        f"SELECT c.cycle_id FROM {r.table(CYCLES)} c JOIN {r.table(ORGS)} o "
        f"ON o.code = c.organizer_org WHERE o.path{LIKE}", (like_escape(path) + "%",))}
    flags, complete_to = _flags(r, Where(path=path, parent=found[0]["parent_code"]), today, tz,
                                window)
    # ``inside``: the cycles organized within the subtree (for the scope check, not answered);
    # ``complete_to``: the position up to which the window's flags are all there (None: all).
    return {"org_code": org_code, "position": r.position, "flags": flags, "inside": inside,
            "complete_to": complete_to}
