"""Each org's record (述职考核档案) over the years: per cycle it took part in, the secretary
then in office, the frozen total, grade and rank, and how much of that cycle's rectification
plan was done."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from domain.scheme import GRADE_LABELS
from projections.context import CONTEXTS, ORGS, context, fold_contexts, fold_orgs
from projections.envelope import Envelope, to_json
from projections.plans import ITEMS, PLAN_TABLES, PLANS, fold_plans
from projections.rectification import completion_rate
from projections.tables import Change, Delete, Projection, Put, Rows, table, updated
from projections.views import Reader

NAME = "records"

CYCLES = table("cycles", "cycle_id organizer_org year title results", "cycle_id", "year")
PARTICIPATIONS = table(
    "participations", "org_code cycle_id report_secretary", "org_code cycle_id",
    indexes=["cycle_id"],
)


def fold(rows: Rows, e: Envelope) -> Iterator[Change]:
    yield from fold_contexts(rows, e)
    yield from fold_orgs(rows, e)
    yield from fold_plans(rows, e)
    d = e.data
    match e.aggregate_type, e.name:
        case "Cycle", _ if e.created:
            yield Put(CYCLES, {
                "cycle_id": d["cycle_id"], "organizer_org": d["organizer_org"],
                "year": d["year"], "title": d["title"],
            })
        case "Cycle", "ParticipantAdded":
            cycle_id, _ = context(rows, e)
            yield Put(PARTICIPATIONS, {"org_code": d["org_code"], "cycle_id": cycle_id})
        case "Cycle", "ParticipantRemoved":
            # Removed while preparing: it did not take part (unless added again).
            cycle_id, _ = context(rows, e)
            yield Delete(PARTICIPATIONS, (d["org_code"], cycle_id))
        case "Cycle", "Finalized":
            cycle_id, _ = context(rows, e)
            yield from updated(rows, CYCLES, (cycle_id,), results=to_json(d["results"]))
        case "Cycle", "Reopened" if d.get("from_phase") == "finalized":
            cycle_id, _ = context(rows, e)
            yield from updated(rows, CYCLES, (cycle_id,), results=None)
        case "Report", "Submitted" | "Resubmitted":
            cycle_id, org_code = context(rows, e)
            yield from updated(
                rows, PARTICIPATIONS, (org_code, cycle_id), report_secretary=d.get("secretary")
            )


PROJECTION = Projection(NAME, (CONTEXTS, ORGS, *PLAN_TABLES, CYCLES, PARTICIPATIONS), fold)


def org_exists(r: Reader, org_code: str) -> bool:
    return bool(r.fetch(f"SELECT code FROM {r.table(ORGS)} WHERE code = ?", (org_code,)))


def record(r: Reader, org_code: str) -> dict[str, Any]:
    org = r.fetch(f"SELECT secretary FROM {r.table(ORGS)} WHERE code = ?", (org_code,))
    current_secretary = org[0]["secretary"] if org else None
    rows = r.fetch(
        f"SELECT c.cycle_id, c.year, c.title, c.organizer_org, c.results, p.report_secretary, "
        f"pl.status AS plan_status, "
        f"(SELECT COUNT(*) FROM {r.table(ITEMS)} i WHERE i.plan_id = pl.plan_id) AS items, "
        f"(SELECT COUNT(*) FROM {r.table(ITEMS)} i WHERE i.plan_id = pl.plan_id "
        f" AND i.status = 'verified') AS verified "
        f"FROM {r.table(PARTICIPATIONS)} p JOIN {r.table(CYCLES)} c ON c.cycle_id = p.cycle_id "
        f"LEFT JOIN {r.table(PLANS)} pl ON pl.cycle_id = p.cycle_id AND pl.org_code = p.org_code "
        f"WHERE p.org_code = ? ORDER BY c.year, c.cycle_id",
        (org_code,),
    )
    cycles = []
    for row in rows:
        results = json.loads(row["results"]) if row["results"] else []
        result = next((x for x in results if x.get("org_code") == org_code), None)
        approved = row["plan_status"] == "approved"
        cycles.append({
            "cycle_id": row["cycle_id"],
            "year": row["year"],
            "title": row["title"],
            "organizer_org": row["organizer_org"],
            "secretary": (result or {}).get("secretary")
            or row["report_secretary"] or current_secretary,
            "finalized": result is not None,
            "total": result["total"] if result else None,
            "grade": result["grade"] if result else None,
            "grade_label": GRADE_LABELS[result["grade"]] if result else None,
            "rank": result["rank"] if result else None,
            "rectification_completion": (
                completion_rate(int(row["verified"]), int(row["items"])) if approved else None
            ),
        })
    return {"org_code": org_code, "position": r.position, "cycles": cycles}
