"""Rectification plans and their items, folded from RectificationPlan events (shared by the
rectification board, the inspection flags and the org records); and how many feedback problems
each participant was given (the board lists every participant with problems, plan or not)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from projections.envelope import Envelope, to_json, utc_text
from projections.tables import Change, Put, Rows, table, updated

PLANS = table(
    "plans", "plan_id cycle_id org_code status version", "plan_id", "version",
    indexes=["cycle_id org_code"],
)
PLAN_VERSIONS = table("plan_versions", "plan_id version items", "plan_id version", "version")
ITEMS = table(
    "items",
    "plan_id item_id cycle_id org_code seq problem_code measure owner due_date status percent "
    "due_position due_actor due_at",
    "plan_id item_id",
    "seq percent due_position",
    indexes=["cycle_id org_code seq", "status due_date"],  # the open items past due (flags)
)
PLAN_TABLES = (PLANS, PLAN_VERSIONS, ITEMS)
FEEDBACK = table(
    "feedback", "feedback_id cycle_id org_code problems", "feedback_id", "problems",
    indexes=["cycle_id org_code"],
)

_ITEM_STATUS = {
    "ProgressReported": "in_progress",
    "CompletionClaimed": "claimed",
    "ItemVerified": "verified",
    "ClaimRejected": "rejected",
}


def fold_plans(rows: Rows, e: Envelope) -> Iterator[Change]:
    if e.aggregate_type != "RectificationPlan":
        return
    d = e.data
    plan_id = e.aggregate_id
    if e.created:
        yield Put(PLANS, {
            "plan_id": plan_id, "cycle_id": d["cycle_id"], "org_code": d["org_code"],
            "status": "submitted", "version": 1,
        })
        yield Put(PLAN_VERSIONS, {"plan_id": plan_id, "version": 1, "items": to_json(d["items"])})
        return
    plan = rows.get(PLANS, (plan_id,))
    if plan is None:
        return
    match e.name:
        case "Resubmitted":
            version = plan["version"] + 1
            yield Put(PLANS, {**plan, "status": "submitted", "version": version})
            yield Put(PLAN_VERSIONS, {
                "plan_id": plan_id, "version": version, "items": to_json(d["items"]),
            })
        case "Returned":
            yield Put(PLANS, {**plan, "status": "returned"})
        case "Approved":
            yield Put(PLANS, {**plan, "status": "approved"})
            submitted = rows.get(PLAN_VERSIONS, (plan_id, d["version"]))
            for seq, item in enumerate(json.loads(submitted["items"]) if submitted else []):
                yield Put(ITEMS, {
                    "plan_id": plan_id, "item_id": item["item_id"], "cycle_id": plan["cycle_id"],
                    "org_code": plan["org_code"], "seq": seq, "problem_code": item["problem_code"],
                    "measure": item.get("measure"), "owner": item.get("owner"),
                    "due_date": item["due_date"], "status": "planned", "percent": 0,
                    "due_position": e.position, "due_actor": e.actor,
                    "due_at": utc_text(e.recorded_at),
                })
        case "DeadlineExtended":
            yield from updated(
                rows, ITEMS, (plan_id, d["item_id"]), due_date=d["due_date"],
                due_position=e.position, due_actor=e.actor, due_at=utc_text(e.recorded_at),
            )
        case name if name in _ITEM_STATUS:
            values: dict[str, object] = {"status": _ITEM_STATUS[name]}
            if name == "ProgressReported":
                values["percent"] = d["percent"]
            elif name == "ItemVerified":
                values["percent"] = 100
            yield from updated(rows, ITEMS, (plan_id, d["item_id"]), **values)


def fold_feedback(rows: Rows, e: Envelope) -> Iterator[Change]:
    """Feedback as issued, and as amended: any later Feedback event that carries ``problems``
    replaces the count (amendments name the aggregate only, so rows are keyed by it)."""
    problems = e.data.get("problems")
    if e.aggregate_type != "Feedback" or not isinstance(problems, list):
        return  # (an amendment of the text alone may carry problems=None: unchanged)
    count = len(problems)
    if e.created:
        yield Put(FEEDBACK, {
            "feedback_id": e.aggregate_id, "cycle_id": e.data["cycle_id"],
            "org_code": e.data["org_code"], "problems": count,
        })
    else:
        yield from updated(rows, FEEDBACK, (e.aggregate_id,), problems=count)
