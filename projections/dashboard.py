"""The cycle dashboard (GET /cycles/{id}/participants), from the finding read model: per
participant its report, ratings n/N (N: the panel members who may rate it, by the conflict rule
of domain/conflicts.py), scores n/N, feedback, plan and frozen grade."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from application import lookups
from application.access.cycles import can_read_cycle, can_read_participant, sees_reviewers
from application.app import LianpingApp
from application.principal import Principal, forbid
from domain.conflicts import rating_conflicts
from domain.cycle import Cycle
from domain.deadlines import light
from domain.scheme import GRADE_LABELS
from projections.finding import (
    ACCOUNTS,
    CONFLICTS,
    CYCLES,
    GRANTS,
    ORGS,
    PANEL,
    PARTICIPANTS,
    RATINGS,
    SCORES,
)
from projections.lists import path_codes
from projections.plans import PLANS
from projections.tables import Row
from projections.views import Reader


class Eligibility:
    """Which panel members may rate which participant (domain/conflicts.py), from the read model."""

    def __init__(self, r: Reader, cycle_id: str, panel: Sequence[str]) -> None:
        self.panel = list(panel)
        marks = ", ".join("?" for _ in self.panel) or "NULL"
        members = r.fetch(
            f"SELECT a.account_id, o.path FROM {r.table(ACCOUNTS)} a LEFT JOIN {r.table(ORGS)} o "
            f"ON o.code = a.org_code WHERE a.account_id IN ({marks})", tuple(self.panel),
        )
        self.orgs = {m["account_id"]: path_codes(m["path"]) for m in members}
        self.granted: dict[str, set[str]] = {}
        for g in r.fetch(f"SELECT account_id, org_code FROM {r.table(GRANTS)} "
                         f"WHERE account_id IN ({marks})", tuple(self.panel)):
            self.granted.setdefault(g["account_id"], set()).add(g["org_code"])
        self.declared = {
            (c["account_id"], c["org_code"])
            for c in r.fetch(f"SELECT account_id, org_code FROM {r.table(CONFLICTS)} "
                             "WHERE cycle_id = ?", (cycle_id,))
        }

    def reviewers(self, org_code: str, secretary_account: str | None) -> set[str]:
        return {
            member for member in self.panel
            if not rating_conflicts(member, org_code, self.granted.get(member, ()),
                                    self.orgs.get(member, []), secretary_account,
                                    (member, org_code) in self.declared)
        }


def dashboard(r: Reader, app: LianpingApp, principal: Principal, cycle_id: str) -> dict[str, Any]:
    """Per participant: report, ratings n/N (N: panel members who may rate it), scores n/N,
    feedback, plan, frozen grade — for the organizer and inspectors (and each participant's own
    secretary, for its row); panel members see which reports are in."""
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    panel_member = cycle.is_panel_member(principal.account_id)
    # The cycle's readers only, as GET /cycles/{id} and the cycle list: the global admin, who
    # reads the audit trail by name, is not one of them by that grant alone.
    if not (panel_member or can_read_cycle(app, principal, cycle)):
        raise forbid(f"you may not read cycle {cycle_id}")
    everything = sees_reviewers(app, principal, cycle)
    found = r.fetch(
        f"SELECT p.*, o.name AS org_name, o.secretary, o.secretary_account "
        f"FROM {r.table(PARTICIPANTS)} p LEFT JOIN {r.table(ORGS)} o ON o.code = p.org_code "
        "WHERE p.cycle_id = ? ORDER BY p.org_code",
        (cycle_id,),
    )
    full = {row["org_code"] for row in found
            if everything or can_read_participant(app, principal, cycle, row["org_code"])}
    rows: list[dict[str, Any]] = []
    if full:
        rows = _full_rows(r, cycle_id, [row for row in found if row["org_code"] in full])
        problems = {row["org_code"]: row["problems"] for row in found}
        for row in rows:
            row.update(participant_light(cycle, row, problems[row["org_code"]], app.today()))
    by_org = {row["org_code"]: row for row in rows}
    answer = []
    for row in found:
        if row["org_code"] in by_org:
            answer.append(by_org[row["org_code"]])
        elif panel_member:
            answer.append({"org_code": row["org_code"], "org_name": row["org_name"],
                           "report": _report(row)})
    return {"cycle_id": cycle_id, "position": r.position, "participants": answer}


def participant_light(
    cycle: Cycle, row: dict[str, Any], problems: int | None, today: date
) -> dict[str, Any]:
    """红黄灯 of a participant's work in the cycle's current phase: its report by report_due
    (reporting), its ratings and scores by review_due (reviewing), its plan by plan_due
    (rectifying, when it was given problems): {due, light}, both null when none applies."""
    report = row["report"] or {}
    match cycle.phase:
        case "reporting":
            due, done = cycle.deadlines.get("report_due"), report.get("status") == "submitted"
        case "reviewing":
            due = cycle.deadlines.get("review_due")
            done = all(row[n]["recorded"] >= row[n]["expected"] for n in ("ratings", "scores"))
        case "rectifying" if problems:
            due = cycle.deadlines.get("plan_due")
            done = row["plan_status"] in ("submitted", "approved")
        case _:
            due, done = None, False
    return {"due": due, "light": light(due, done, today, cycle.warn_days)}


def _report(row: Row) -> dict[str, Any] | None:
    if not row["report_version"]:
        return None
    return {"version": int(row["report_version"]), "status": row["report_status"]}


def _full_rows(r: Reader, cycle_id: str, found: list[Row]) -> list[dict[str, Any]]:
    cycle = r.fetch(f"SELECT indicators, grades FROM {r.table(CYCLES)} WHERE cycle_id = ?",
                    (cycle_id,))
    indicators = set(json.loads(cycle[0]["indicators"])) if cycle else set()
    grades = json.loads(cycle[0]["grades"] or "{}") if cycle else {}
    panel = [p["account_id"] for p in r.fetch(
        f"SELECT account_id FROM {r.table(PANEL)} WHERE cycle_id = ?", (cycle_id,))]
    eligibility = Eligibility(r, cycle_id, panel)
    rated: dict[str, set[str]] = {}
    for rating in r.fetch(f"SELECT reviewer, org_code FROM {r.table(RATINGS)} "
                          "WHERE cycle_id = ?", (cycle_id,)):
        rated.setdefault(rating["org_code"], set()).add(rating["reviewer"])
    scored: dict[str, set[str]] = {}
    for score in r.fetch(f"SELECT org_code, indicator FROM {r.table(SCORES)} "
                         "WHERE cycle_id = ?", (cycle_id,)):
        scored.setdefault(score["org_code"], set()).add(score["indicator"])
    plans = {p["org_code"]: p["status"] for p in r.fetch(
        f"SELECT org_code, status FROM {r.table(PLANS)} WHERE cycle_id = ?", (cycle_id,))}
    rows = []
    for row in found:
        org = row["org_code"]
        eligible = eligibility.reviewers(org, row["secretary_account"])
        grade = grades.get(org)
        rows.append({
            "org_code": org,
            "org_name": row["org_name"],
            "secretary": row["report_secretary"] or row["secretary"],
            "report": _report(row),
            "ratings": {"recorded": len(rated.get(org, set()) & eligible),
                        "expected": len(eligible)},
            "scores": {"recorded": len(scored.get(org, set()) & indicators),
                       "expected": len(indicators)},
            "feedback_issued": bool(row["feedback"]),
            "plan_status": plans.get(org, "none"),
            "grade": grade,
            "grade_label": GRADE_LABELS[grade] if grade else None,
        })
    return rows
