"""整改: plan submission and approval, item progress, completion claims, verification,
extensions."""

from __future__ import annotations

from datetime import date
from typing import Any

from application import lookups
from application.access.conflicts import require_organizer_of
from application.app import LianpingApp, Outcome, Request
from application.principal import require_secretary
from domain import ids
from domain.cycle import Cycle
from domain.errors import RuleViolationError
from domain.feedback import Feedback
from domain.plan import RectificationPlan, check_items, is_overdue


def plan_view(plan: RectificationPlan, today: date) -> dict[str, Any]:
    return {
        "version": len(plan.versions),
        "status": plan.status,
        "return_reason": plan.return_reason,
        "items": [{**item, "overdue": is_overdue(item, today)} for item in plan.items.values()]
        if plan.status == "approved"
        else list(plan.versions[-1]),
    }


def _plan_context(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str, role: str
) -> tuple[Cycle, RectificationPlan | None]:
    cycle = lookups.participant(app, cycle_id, org_code)
    if role == "secretary":
        require_secretary(request.principal, org_code)
    else:
        require_organizer_of(app, request.principal, cycle, org_code)
    plan = app.find(RectificationPlan, ids.plan_id(cycle_id, org_code))
    request.check_version(plan)
    cycle.require_phase("rectification", "rectifying")
    return cycle, plan


def _existing(plan: RectificationPlan | None, org_code: str) -> RectificationPlan:
    if plan is None:
        raise RuleViolationError("plan_not_submitted", f"{org_code} has not submitted a plan")
    return plan


def _commit(
    app: LianpingApp, request: Request, plan: RectificationPlan, created: bool = False, **extra: Any
) -> Outcome:
    body = {"version": len(plan.versions), "status": plan.status, **extra}
    return app.commit(request, plan, item=plan, body=body, created=created)


def _commit_item(
    app: LianpingApp, request: Request, plan: RectificationPlan, item_id: str
) -> Outcome:
    """An item step answers with the item as the rectification board shows it."""
    item = plan.items[item_id]
    return _commit(app, request, plan, item={**item, "overdue": is_overdue(item, app.today())})


def submit_plan(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str, items: list[dict[str, Any]]
) -> Outcome:
    _, plan = _plan_context(app, request, cycle_id, org_code, "secretary")
    feedback = app.find(Feedback, ids.feedback_id(cycle_id, org_code))
    if feedback is None:
        raise RuleViolationError("feedback_not_issued", f"no feedback was issued to {org_code}")
    check_items(items, feedback.problem_codes, app.today())
    if plan is None:
        plan = RectificationPlan(
            cycle_id=cycle_id, org_code=org_code, items=items, actor=request.actor
        )
    else:
        plan.resubmit(items, request.actor, app.settings.max_versions)
    return _commit(app, request, plan, created=True)


def approve_plan(app: LianpingApp, request: Request, cycle_id: str, org_code: str) -> Outcome:
    _, plan = _plan_context(app, request, cycle_id, org_code, "organizer")
    plan = _existing(plan, org_code)
    plan.approve(request.actor)
    return _commit(app, request, plan)


def return_plan(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str, reason: str | None
) -> Outcome:
    _, plan = _plan_context(app, request, cycle_id, org_code, "organizer")
    plan = _existing(plan, org_code)
    plan.return_for_revision(reason, request.actor)
    return _commit(app, request, plan)


def report_progress(
    app: LianpingApp,
    request: Request,
    cycle_id: str,
    org_code: str,
    item_id: str,
    note: str,
    percent: int,
) -> Outcome:
    _, plan = _plan_context(app, request, cycle_id, org_code, "secretary")
    plan = _existing(plan, org_code)
    plan.report_progress(item_id, note, percent, request.actor)
    return _commit_item(app, request, plan, item_id)


def claim_completion(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str, item_id: str, evidence: str
) -> Outcome:
    _, plan = _plan_context(app, request, cycle_id, org_code, "secretary")
    plan = _existing(plan, org_code)
    plan.claim_completion(item_id, evidence, request.actor)
    return _commit_item(app, request, plan, item_id)


def verify_item(
    app: LianpingApp,
    request: Request,
    cycle_id: str,
    org_code: str,
    item_id: str,
    accepted: bool,
    note: str,
) -> Outcome:
    _, plan = _plan_context(app, request, cycle_id, org_code, "organizer")
    plan = _existing(plan, org_code)
    plan.verify(item_id, accepted, note, request.actor)
    return _commit_item(app, request, plan, item_id)


def extend_deadline(
    app: LianpingApp,
    request: Request,
    cycle_id: str,
    org_code: str,
    item_id: str,
    due_date: date,
    reason: str | None,
) -> Outcome:
    _, plan = _plan_context(app, request, cycle_id, org_code, "organizer")
    plan = _existing(plan, org_code)
    plan.extend(item_id, due_date, reason, app.today(), request.actor)
    return _commit_item(app, request, plan, item_id)
