"""一级抓一级: for an org and a year, whether each direct child ran its own cycle for its
children, and how far it got (reports, finalization, plans, overdue items) — from the finding
read model, in a fixed number of grouped queries whatever the number of children."""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.finding import CYCLES, ORGS, PARTICIPANTS
from projections.plans import ITEMS, PLANS
from projections.views import Reader


def _marks(values: Any) -> str:
    return ", ".join("?" for _ in values)


def _by_cycle(r: Reader, sql: str, cycle_ids: list[str], *params: Any) -> dict[str, Any]:
    found = r.fetch(sql.format(marks=_marks(cycle_ids)), (*cycle_ids, *params))
    return {row["cycle_id"]: row for row in found}


def coverage(r: Reader, org_code: str, year: int, today: date) -> dict[str, Any]:
    children = r.fetch(
        f"SELECT code, name FROM {r.table(ORGS)} WHERE parent_code = ? ORDER BY code",
        (org_code,),
    )
    codes = [child["code"] for child in children]
    cycles: dict[str, dict[str, Any]] = {}
    if codes:
        for row in r.fetch(
            f"SELECT cycle_id, organizer_org, phase, grades FROM {r.table(CYCLES)} "
            f"WHERE organizer_org IN ({_marks(codes)}) AND year = ? AND rehearsal = 0 "
            f"ORDER BY cycle_id",
            (*codes, year),
        ):
            # one real cycle per organizer and year; rehearsals (演练) never count
            cycles.setdefault(row["organizer_org"], row)
    ids = [cycle["cycle_id"] for cycle in cycles.values()]
    counts: dict[str, Any] = {}
    approved: dict[str, Any] = {}
    overdue: dict[str, Any] = {}
    if ids:
        counts = _by_cycle(
            r,
            f"SELECT cycle_id, COUNT(*) AS expected, "
            f"SUM(CASE WHEN report_status = 'submitted' THEN 1 ELSE 0 END) AS submitted, "
            f"SUM(CASE WHEN problems > 0 THEN 1 ELSE 0 END) AS plans_expected "
            f"FROM {r.table(PARTICIPANTS)} WHERE cycle_id IN ({{marks}}) GROUP BY cycle_id",
            ids,
        )
        approved = _by_cycle(
            r,
            f"SELECT cycle_id, COUNT(*) AS approved FROM {r.table(PLANS)} "
            f"WHERE cycle_id IN ({{marks}}) AND status = 'approved' GROUP BY cycle_id",
            ids,
        )
        overdue = _by_cycle(
            r,
            f"SELECT cycle_id, COUNT(*) AS overdue FROM {r.table(ITEMS)} "
            f"WHERE cycle_id IN ({{marks}}) AND status <> 'verified' AND due_date < ? "
            f"GROUP BY cycle_id",
            ids, today.isoformat(),
        )
    rows = []
    for child in children:
        cycle = cycles.get(child["code"])
        cycle_id = cycle["cycle_id"] if cycle else None
        count = counts.get(cycle_id or "", {})
        rows.append({
            "code": child["code"],
            "name": child["name"],
            "cycle_id": cycle_id,
            "phase": cycle["phase"] if cycle else None,
            "reports": {"submitted": int(count.get("submitted") or 0),
                        "expected": int(count.get("expected") or 0)},
            "finalized": bool(cycle and cycle["grades"] is not None),
            "plans": {"approved": int((approved.get(cycle_id or "") or {}).get("approved") or 0),
                      "expected": int(count.get("plans_expected") or 0)},
            "items_overdue": int((overdue.get(cycle_id or "") or {}).get("overdue") or 0),
        })
    return {"org_code": org_code, "year": year, "position": r.position, "children": rows}
