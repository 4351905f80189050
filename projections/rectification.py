"""整改 board of a cycle: every item of each approved plan with its status, and per org the share of
items verified (销号). ``overdue`` depends on today's date, so it is computed when read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from application.usecases.rectification import is_overdue
from domain.scoring import fmt4
from projections.plans import ITEMS, PLAN_TABLES, PLANS, fold_plans
from projections.tables import Projection
from projections.views import Reader

NAME = "rectification"
PROJECTION = Projection(NAME, PLAN_TABLES, fold_plans)


def completion_rate(verified: int, total: int) -> str | None:
    return fmt4(Decimal(verified) / Decimal(total)) if total else None


def board(r: Reader, cycle_id: str, today: date) -> dict[str, Any]:
    plans = r.fetch(
        f"SELECT org_code, status FROM {r.table(PLANS)} WHERE cycle_id = ? ORDER BY org_code",
        (cycle_id,),
    )
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
        }
        for row in rows
    ]
    by_org = []
    for plan in plans:
        own = [item for item in items if item["org_code"] == plan["org_code"]]
        verified = sum(1 for item in own if item["status"] == "verified")
        by_org.append({
            "org_code": plan["org_code"],
            "plan_status": plan["status"],
            "total": len(own),
            "verified": verified,
            "overdue": sum(1 for item in own if item["overdue"]),
            "completion_rate": completion_rate(verified, len(own)),
        })
    return {"cycle_id": cycle_id, "position": r.position, "items": items, "by_org": by_org}
