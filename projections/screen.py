"""The 大屏 hall screen's data (GET /cycles/{id}/screen and the console's /screen/{id}): the
figures of application/usecases/screen.py (computed by the caller) and, per participant, the
panel's ratings recorded / expected (expected by the conflict rule, as the cycle dashboard counts
them), from the finding read model."""

from __future__ import annotations

from typing import Any

from projections.dashboard import Eligibility
from projections.finding import ORGS, PANEL, PARTICIPANTS, RATINGS
from projections.views import Reader


def panel_progress(r: Reader, cycle_id: str) -> list[dict[str, Any]]:
    """Per participant (org code order): its name, whether its report is in, and the panel's
    ratings recorded / expected. Counts only: never who rated."""
    found = r.fetch(
        f"SELECT p.org_code, p.report_version, o.name AS org_name, o.secretary_account "
        f"FROM {r.table(PARTICIPANTS)} p LEFT JOIN {r.table(ORGS)} o ON o.code = p.org_code "
        "WHERE p.cycle_id = ? ORDER BY p.org_code", (cycle_id,))
    panel = [p["account_id"] for p in r.fetch(
        f"SELECT account_id FROM {r.table(PANEL)} WHERE cycle_id = ?", (cycle_id,))]
    eligibility = Eligibility(r, cycle_id, panel)
    rated: dict[str, set[str]] = {}
    for rating in r.fetch(f"SELECT reviewer, org_code FROM {r.table(RATINGS)} "
                          "WHERE cycle_id = ?", (cycle_id,)):
        rated.setdefault(rating["org_code"], set()).add(rating["reviewer"])
    rows = []
    for row in found:
        eligible = eligibility.reviewers(row["org_code"], row["secretary_account"])
        rows.append({
            "org_code": row["org_code"],
            "org_name": row["org_name"],
            "reported": bool(row["report_version"]),
            "panel": {"recorded": len(rated.get(row["org_code"], set()) & eligible),
                      "expected": len(eligible)},
        })
    return rows


def screen(r: Reader, figures: dict[str, Any], cycle_id: str) -> dict[str, Any]:
    """``figures`` (screen_figures: the viewer already checked) with the panel's progress."""
    order = {code: n for n, code in enumerate(figures.pop("order"))}
    participants = sorted(panel_progress(r, cycle_id),
                          key=lambda p: order.get(p["org_code"], len(order)))
    figures["panel"] = {
        "recorded": sum(p["panel"]["recorded"] for p in participants),
        "expected": sum(p["panel"]["expected"] for p in participants),
    }
    figures["participants"] = participants
    return figures
