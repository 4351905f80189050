"""The finding read model: what lists and to-do lists need, in one fold — the org tree, accounts
with their grants (and whether a password was set), every cycle with its phase, deadlines and
indicators, its participants (report, feedback, frozen grade), panel, declared conflicts, which
ratings and scores exist, and the rectification plans and items.

Queries over it: projections/lists.py (cycles, organizations, accounts), projections/dashboard.py
(the cycle dashboard) and projections/tasks.py (/me/tasks)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from projections.context import CONTEXTS, context, fold_contexts, path_segment
from projections.deadlines import WARNINGS, fold_warnings
from projections.envelope import Envelope
from projections.plans import PLAN_TABLES, fold_plans
from projections.supervision import SUPERVISION_TABLES, fold_supervision
from projections.tables import Change, Delete, Projection, Put, Rows, table, updated

NAME = "finding"

ORGS = table(
    "orgs", "code name level parent_code path secretary secretary_account version", "code",
    "version", indexes=["parent_code"],
)
ACCOUNTS = table(
    "accounts", "aggregate_id account_id name org_code grants has_password", "aggregate_id",
    "has_password", indexes=["account_id", "org_code"],
)
GRANTS = table("grants", "account_id role org_code", "account_id role org_code")
CYCLES = table(
    "cycles",
    "cycle_id organizer_org level year title phase indicators report_due review_due plan_due "
    "grades version rehearsal",
    "cycle_id", "year version rehearsal", indexes=["organizer_org", "year"],
)
PARTICIPANTS = table(
    "participants",
    "cycle_id org_code report_version report_status report_secretary feedback problems",
    "cycle_id org_code", "report_version feedback problems", indexes=["org_code"],
)
PANEL = table("panel", "cycle_id account_id", "cycle_id account_id", indexes=["account_id"])
CONFLICTS = table("conflicts", "cycle_id account_id org_code", "cycle_id account_id org_code")
RATINGS = table("ratings", "cycle_id reviewer org_code", "cycle_id reviewer org_code")
SCORES = table("scores", "cycle_id org_code indicator", "cycle_id org_code indicator")


def fold_directory(rows: Rows, e: Envelope) -> Iterator[Change]:
    d = e.data
    if e.aggregate_type == "Organization":
        if e.created:
            parent = rows.get(ORGS, (d["parent_code"],)) if d.get("parent_code") else None
            yield Put(ORGS, {
                "code": d["code"], "name": d["name"], "level": d["level"],
                "parent_code": d.get("parent_code"),
                "path": (parent["path"] if parent else "/") + path_segment(d["code"]),
                "version": 1,
            })
            return
        _, code = context(rows, e)
        if code is None:
            return
        yield from updated(rows, ORGS, (code,), version=e.version)  # as for cycles
        if e.name == "SecretaryAppointed":
            yield from updated(rows, ORGS, (code,), secretary=d["name"],
                               secretary_account=d.get("account_id"))
    elif e.aggregate_type == "Account":
        if e.created:
            yield Put(ACCOUNTS, {
                "aggregate_id": e.aggregate_id, "account_id": d["account_id"], "name": d["name"],
                "org_code": d.get("org_code"), "grants": "[]", "has_password": 0,
            })
            return
        account = rows.get(ACCOUNTS, (e.aggregate_id,))
        if account is None:
            return
        grants = json.loads(account["grants"])
        grant = [d.get("role"), d.get("org_code")]
        match e.name:
            case "RoleGranted":
                grants.append(grant)
                yield Put(GRANTS, {"account_id": account["account_id"], "role": grant[0],
                                   "org_code": grant[1]})
            case "RoleRevoked":
                grants = [g for g in grants if g != grant]
                yield Delete(GRANTS, (account["account_id"], grant[0], grant[1]))
            case "PasswordSet" | "PasswordChanged":
                yield Put(ACCOUNTS, {**account, "has_password": 1})
                return
            case _:
                return
        yield Put(ACCOUNTS, {**account, "grants": json.dumps(grants, ensure_ascii=False)})


def _indicators(scheme: Any) -> str:
    found = (scheme or {}).get("indicators") or []
    return json.dumps([i["code"] for i in found if isinstance(i, dict)], ensure_ascii=False)


def fold_cycles(rows: Rows, e: Envelope) -> Iterator[Change]:
    d = e.data
    if e.aggregate_type == "Cycle":
        if e.created:
            deadlines = d.get("deadlines") or {}
            yield Put(CYCLES, {
                "cycle_id": d["cycle_id"], "organizer_org": d["organizer_org"],
                "level": d["level"], "year": d["year"], "title": d["title"], "phase": "preparing",
                "indicators": _indicators(d.get("scheme")), "version": 1,
                "rehearsal": 1 if d.get("rehearsal") else 0,
                **{due: deadlines.get(due) for due in ("report_due", "review_due", "plan_due")},
            })
            return
        cycle_id, _ = context(rows, e)
        if cycle_id is None:
            return
        # The cycle's version as of this view: a cached aggregate at least this new is as
        # fresh as the view (projections/lists.py takes it without asking the store).
        yield from updated(rows, CYCLES, (cycle_id,), version=e.version)
        yield from _cycle_changed(rows, e, cycle_id)
        return
    cycle_id, org_code = context(rows, e)
    if cycle_id is None or org_code is None:
        return
    key = (cycle_id, org_code)
    match e.aggregate_type, e.name:
        case "Report", "Submitted" | "Resubmitted":
            found = rows.get(PARTICIPANTS, key)
            if found is not None:
                yield Put(PARTICIPANTS, {
                    **found, "report_version": (found["report_version"] or 0) + 1,
                    "report_status": "submitted", "report_secretary": d.get("secretary"),
                })
        case "Report", "Returned":
            yield from updated(rows, PARTICIPANTS, key, report_status="returned")
        case "Rating", "Recorded":
            yield Put(RATINGS, {"cycle_id": cycle_id, "reviewer": d["reviewer"],
                                "org_code": org_code})
        case "IndicatorScore", "Recorded":
            yield Put(SCORES, {"cycle_id": cycle_id, "org_code": org_code,
                               "indicator": d["indicator"]})
        case "Feedback", "Issued":
            yield from updated(rows, PARTICIPANTS, key, feedback=1,
                               problems=len(d.get("problems") or []))
        case "Feedback", "Amended" if isinstance(d.get("problems"), list):
            yield from updated(rows, PARTICIPANTS, key, problems=len(d["problems"]))


def _cycle_changed(rows: Rows, e: Envelope, cycle_id: str) -> Iterator[Change]:
    d = e.data
    match e.name:
        case "SchemeSet":
            yield from updated(rows, CYCLES, (cycle_id,), indicators=_indicators(d["scheme"]))
        case "ParticipantAdded":
            yield Put(PARTICIPANTS, {"cycle_id": cycle_id, "org_code": d["org_code"],
                                     "feedback": 0, "problems": 0})
        case "ParticipantRemoved":
            yield Delete(PARTICIPANTS, (cycle_id, d["org_code"]))
        case "PanelMemberAdded":
            yield Put(PANEL, {"cycle_id": cycle_id, "account_id": d["account_id"]})
        case "PanelMemberRemoved":
            yield Delete(PANEL, (cycle_id, d["account_id"]))
        case "DeadlinesSet":
            yield from updated(rows, CYCLES, (cycle_id,), **d["deadlines"])
        case "ConflictRecorded":
            yield Put(CONFLICTS, {"cycle_id": cycle_id, "account_id": d["account_id"],
                                  "org_code": d["org_code"]})
        case "PhaseAdvanced":
            yield from updated(rows, CYCLES, (cycle_id,), phase=d["to_phase"])
        case "RehearsalEnded":  # closed: it leaves every task list
            yield from updated(rows, CYCLES, (cycle_id,), phase="closed")
        case "Reopened":
            changes: dict[str, object] = {"phase": d["to_phase"]}
            if d.get("from_phase") == "finalized":
                changes["grades"] = None  # the results are unfrozen
            yield from updated(rows, CYCLES, (cycle_id,), **changes)
        case "Finalized":
            grades = {r["org_code"]: r.get("grade") for r in d.get("results") or []}
            yield from updated(rows, CYCLES, (cycle_id,), phase="finalized",
                               grades=json.dumps(grades, ensure_ascii=False))


def fold(rows: Rows, e: Envelope) -> Iterator[Change]:
    yield from fold_contexts(rows, e)
    yield from fold_directory(rows, e)
    yield from fold_cycles(rows, e)
    yield from fold_plans(rows, e)
    yield from fold_supervision(rows, e)
    yield from fold_warnings(rows, e)


PROJECTION = Projection(
    NAME,
    (CONTEXTS, ORGS, ACCOUNTS, GRANTS, CYCLES, PARTICIPANTS, PANEL, CONFLICTS, RATINGS, SCORES,
     *PLAN_TABLES, *SUPERVISION_TABLES, WARNINGS),
    fold,
)
