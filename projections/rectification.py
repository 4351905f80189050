"""整改 board of a cycle: every item of each approved plan with its status, and per org (every
participant that received feedback problems, and any with a plan) its name, its plan's status
(``none`` before one is submitted) and the share of items verified (销号). ``overdue`` depends on
today's date, so it is computed when read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from domain.deadlines import DEFAULT_WARN_DAYS, light
from domain.plan import is_overdue
from domain.scoring import fmt4
from projections.envelope import Envelope
from projections.plans import FEEDBACK, ITEMS, PLAN_TABLES, PLANS, fold_feedback, fold_plans
from projections.tables import Change, Projection, Put, Rows, table
from projections.views import Reader

NAME = "rectification"
ORG_NAMES = table("org_names", "code name", "code")

#: plan_status of a participant with problems but no plan yet (else the plan's own status:
#: submitted, returned, approved)
NO_PLAN = "none"


def fold_org_names(rows: Rows, e: Envelope) -> Iterator[Change]:
    if e.aggregate_type == "Organization" and e.created:
        yield Put(ORG_NAMES, {"code": e.data["code"], "name": e.data["name"]})


def fold(rows: Rows, e: Envelope) -> Iterator[Change]:
    yield from fold_plans(rows, e)
    yield from fold_feedback(rows, e)
    yield from fold_org_names(rows, e)


PROJECTION = Projection(NAME, (*PLAN_TABLES, FEEDBACK, ORG_NAMES), fold)


def completion_rate(verified: int, total: int) -> str | None:
    return fmt4(Decimal(verified) / Decimal(total)) if total else None


def board(r: Reader, cycle_id: str, today: date,
          warn_days: int = DEFAULT_WARN_DAYS) -> dict[str, Any]:
    plans = {
        row["org_code"]: row["status"]
        for row in r.fetch(
            f"SELECT org_code, status FROM {r.table(PLANS)} WHERE cycle_id = ?", (cycle_id,)
        )
    }
    with_problems = {
        row["org_code"]
        for row in r.fetch(
            f"SELECT org_code FROM {r.table(FEEDBACK)} WHERE cycle_id = ? AND problems > 0",
            (cycle_id,),
        )
    }
    orgs = sorted(with_problems | set(plans))
    marks = ", ".join("?" for _ in orgs)
    names = {
        row["code"]: row["name"]
        for row in (r.fetch(
            f"SELECT code, name FROM {r.table(ORG_NAMES)} WHERE code IN ({marks})", orgs
        ) if orgs else [])
    }
    rows = r.fetch(
        f"SELECT * FROM {r.table(ITEMS)} WHERE cycle_id = ? ORDER BY org_code, seq", (cycle_id,)
    )
    items = [
        {
            "org_code": row["org_code"],
            "item_id": row["item_id"],
            "problem_code": row["problem_code"],
            "measure": row["measure"],
            "owner": row["owner"],
            "due_date": row["due_date"],
            "status": row["status"],
            "percent": row["percent"],
            "overdue": is_overdue(row, today),
            "light": light(row["due_date"], row["status"] == "verified", today, warn_days),
        }
        for row in rows
    ]
    by_org = []
    for org_code in orgs:
        own = [item for item in items if item["org_code"] == org_code]
        verified = sum(1 for item in own if item["status"] == "verified")
        by_org.append({
            "org_code": org_code,
            "org_name": names.get(org_code),
            "plan_status": plans.get(org_code, NO_PLAN),
            "total": len(own),
            "verified": verified,
            "overdue": sum(1 for item in own if item["overdue"]),
            "completion_rate": completion_rate(verified, len(own)),
        })
    return {"cycle_id": cycle_id, "position": r.position, "items": items, "by_org": by_org}
