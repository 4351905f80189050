"""Inspection flags (督查提示) per cycle: late submissions (reports after ``report_due``, ratings
after ``review_due``, rectification plans after ``plan_due``, each judged by the deadline in
force when it came in), cycle deadlines moved once their phase had begun (deadline_changed),
amendments and re-scorings (also
after the cycle had been finalized once), reopenings, vetoes, returned reports and plans;
overdue items are added when read, against today's date, and an extension granted after the
deadline had passed stays flagged (overdue_extension)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from application.usecases.rectification import is_overdue
from projections.context import CONTEXTS, context, fold_contexts
from projections.envelope import Envelope, utc_text
from projections.plans import ITEMS, PLAN_TABLES, fold_plans
from projections.supervision import SUPERVISION_TABLES, fold_supervision, order_flags, talk_flags
from projections.tables import Change, Fold, Projection, Put, Rows, table, updated
from projections.views import Reader

NAME = "flags"

CYCLES = table(
    "cycles", "cycle_id organizer_org report_cutoff review_cutoff plan_cutoff finalized_once",
    "cycle_id", "finalized_once",
)
FLAGS = table(
    "flags", "position kind cycle_id org_code actor reason recorded_at", "position kind",
    "position", indexes=["cycle_id position"],
)

# (aggregate type, event) → flag kind; amendments also count after finalization.
_KINDS = {
    ("Cycle", "Reopened"): "reopening",
    ("Cycle", "Vetoed"): "veto",
    ("Report", "Returned"): "returned_report",
    ("RectificationPlan", "Returned"): "returned_plan",
    ("Rating", "Amended"): "amendment",
    ("IndicatorScore", "Amended"): "rescoring",
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
        yield from fold_plans(rows, e)
        yield from fold_supervision(rows, e)
        d = e.data
        cycle_id, org_code = context(rows, e)
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


def projection(tz: ZoneInfo) -> Projection:
    return Projection(NAME, (CONTEXTS, *PLAN_TABLES, *SUPERVISION_TABLES, CYCLES, FLAGS),
                      flags_fold(tz))


def cycle_flags(
    r: Reader, cycle_id: str, today: date, grades: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    found = r.fetch(
        f"SELECT kind, position, org_code, actor, reason, recorded_at FROM {r.table(FLAGS)} "
        "WHERE cycle_id = ? ORDER BY position, kind",
        (cycle_id,),
    )
    flags: list[dict[str, Any]] = [{**row, "item_id": None, "due_date": None} for row in found]
    items = r.fetch(
        f"SELECT * FROM {r.table(ITEMS)} WHERE cycle_id = ? AND status <> 'verified' "
        "ORDER BY org_code, seq",
        (cycle_id,),
    )
    flags.extend(
        {
            "kind": "overdue_item", "position": item["due_position"], "org_code": item["org_code"],
            "actor": item["due_actor"], "reason": None, "recorded_at": item["due_at"],
            "item_id": item["item_id"], "due_date": item["due_date"],
        }
        for item in items
        if is_overdue(item, today)
    )
    flags.extend(talk_flags(r, cycle_id, grades or {}, today))
    flags.extend(order_flags(r, cycle_id, today))
    flags.sort(key=lambda flag: (flag["position"], flag["kind"]))
    return {"cycle_id": cycle_id, "position": r.position, "flags": flags}
