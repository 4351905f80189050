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
    "participations", "org_code cycle_id report_secretary report_secretary_account",
    "org_code cycle_id", indexes=["cycle_id", "report_secretary_account"],
)


def fold(rows: Rows, e: Envelope) -> Iterator[Change]:
    yield from fold_contexts(rows, e)
    yield from fold_orgs(rows, e)
    yield from fold_plans(rows, e)
    d = e.data
    match e.aggregate_type, e.name:
        case "Cycle", _ if e.created and d.get("rehearsal"):
            return  # a rehearsal (演练) never enters an org's or a person's record
        case "Cycle", _ if e.created:
            yield Put(CYCLES, {
                "cycle_id": d["cycle_id"], "organizer_org": d["organizer_org"],
                "year": d["year"], "title": d["title"],
            })
        case "Cycle", "ParticipantAdded":
            cycle_id, _ = context(rows, e)
            if rows.get(CYCLES, (cycle_id,)) is not None:
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
                rows, PARTICIPATIONS, (org_code, cycle_id), report_secretary=d.get("secretary"),
                report_secretary_account=d.get("secretary_account"),
            )


PROJECTION = Projection(NAME, (CONTEXTS, ORGS, *PLAN_TABLES, CYCLES, PARTICIPATIONS), fold)


def org_exists(r: Reader, org_code: str) -> bool:
    return bool(r.fetch(f"SELECT code FROM {r.table(ORGS)} WHERE code = ?", (org_code,)))


def _participations(r: Reader, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    return r.fetch(
        f"SELECT c.cycle_id, c.year, c.title, c.organizer_org, c.results, p.org_code, "
        f"p.report_secretary, o.name AS org_name, "
        f"pl.status AS plan_status, "
        f"(SELECT COUNT(*) FROM {r.table(ITEMS)} i WHERE i.plan_id = pl.plan_id) AS items, "
        f"(SELECT COUNT(*) FROM {r.table(ITEMS)} i WHERE i.plan_id = pl.plan_id "
        f" AND i.status = 'verified') AS verified "
        f"FROM {r.table(PARTICIPATIONS)} p JOIN {r.table(CYCLES)} c ON c.cycle_id = p.cycle_id "
        f"LEFT JOIN {r.table(PLANS)} pl ON pl.cycle_id = p.cycle_id AND pl.org_code = p.org_code "
        f"LEFT JOIN {r.table(ORGS)} o ON o.code = p.org_code "
        f"WHERE {where} ORDER BY c.year, c.cycle_id, p.org_code",
        params,
    )


def _result_of(row: dict[str, Any]) -> dict[str, Any] | None:
    results = json.loads(row["results"]) if row["results"] else []
    return next((x for x in results if x.get("org_code") == row["org_code"]), None)


def _completion(row: dict[str, Any]) -> str | None:
    if row["plan_status"] != "approved":
        return None
    return completion_rate(int(row["verified"]), int(row["items"]))


def person_cycles(r: Reader, account_id: str) -> list[dict[str, Any]]:
    """Every cycle where ``account_id`` reported as the appointed secretary (by the account
    recorded with the report's latest version), across orgs and years."""
    cycles = []
    for row in _participations(r, "p.report_secretary_account = ?", (account_id,)):
        result = _result_of(row)
        cycles.append({
            "cycle_id": row["cycle_id"], "year": row["year"], "org_code": row["org_code"],
            "org_name": row["org_name"],
            "total": result["total"] if result else None,
            "grade": result["grade"] if result else None,
            "grade_label": GRADE_LABELS[result["grade"]] if result else None,
            "rank": result["rank"] if result else None,
            "rectification_completion": _completion(row),
        })
    return cycles


def record(r: Reader, org_code: str) -> dict[str, Any]:
    org = r.fetch(f"SELECT secretary FROM {r.table(ORGS)} WHERE code = ?", (org_code,))
    current_secretary = org[0]["secretary"] if org else None
    rows = _participations(r, "p.org_code = ?", (org_code,))
    cycles = []
    for row in rows:
        result = _result_of(row)
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
            "rectification_completion": _completion(row),
        })
    return {"org_code": org_code, "position": r.position, "cycles": cycles}
