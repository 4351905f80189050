"""After the results: 约谈 (talks), 督办 (supervision orders) and feedback amendments.

Refusals: a talk for a participant of a cycle whose results are not frozen → 409
``results_not_final``; graded 好/较好 → 409 ``talk_not_required``; a talk recorded twice → 409
``talk_already_recorded``; an order answered when not open → 409 ``order_not_open``, closed or
sent back when not answered → 409 ``order_not_answered``; unknown talk or order ids → 404."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application import lookups
from application.access.conflicts import require_organizer_of
from application.access.supervision import (
    issuing_scope,
    require_order_answerer,
    require_order_closer,
    require_talk_holder,
)
from application.app import LianpingApp, Outcome, Request
from domain import ids
from domain.errors import NotFoundError, RuleViolationError
from domain.feedback import Feedback
from domain.plan import RectificationPlan
from domain.supervision import SupervisionOrder, Talk, require_talk_grade

# -- 约谈 -----------------------------------------------------------------------------------


def _grade(app: LianpingApp, cycle_id: str, org_code: str) -> tuple[Any, str | None, bool]:
    cycle = lookups.participant(app, cycle_id, org_code)
    frozen = cycle.phase in ("finalized", "rectifying", "closed") and cycle.results is not None
    row = next((r for r in cycle.results or [] if r.get("org_code") == org_code), None)
    return cycle, (row or {}).get("grade"), frozen


def schedule_talk(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str, scheduled_for: str,
    with_name: str, reason: str | None,
) -> Outcome:
    cycle, grade, frozen = _grade(app, cycle_id, org_code)
    require_talk_holder(app, request.principal, cycle)
    cycle.require_not_ended("a talk")
    require_talk_grade(grade, frozen)
    talk = Talk.schedule(cycle_id, org_code, scheduled_for, with_name, reason, request.actor)
    return app.commit(request, talk, item=talk, body={"talk_id": str(talk.id)}, created=True)


def _talk(app: LianpingApp, cycle_id: str, org_code: str, talk_id: str) -> Talk:
    try:
        found = app.find(Talk, UUID(talk_id))
    except ValueError:
        found = None
    if found is None or (found.cycle_id, found.org_code) != (cycle_id, org_code):
        raise NotFoundError("unknown_talk", f"no talk {talk_id!r} with {org_code} in {cycle_id}")
    return found


def record_talk(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str, talk_id: str,
    held_on: str, held_by: str, notes: str,
) -> Outcome:
    cycle = lookups.participant(app, cycle_id, org_code)
    require_talk_holder(app, request.principal, cycle)
    cycle.require_not_ended("recording a talk")
    talk = _talk(app, cycle_id, org_code, talk_id)
    request.check_version(talk)
    talk.record(held_on, held_by, notes, app.today(), request.actor)
    body = {"talk_id": talk_id, "held_on": talk.held["held_on"] if talk.held else held_on}
    return app.commit(request, talk, item=talk, body=body)


# -- 督办 -----------------------------------------------------------------------------------


def issue_order(
    app: LianpingApp, request: Request, org_code: str, cycle_id: str | None, subject: str,
    requirement: str, due_date: str,
) -> Outcome:
    lookups.org(app, org_code, "body")
    if cycle_id is not None:
        lookups.cycle(app, cycle_id, "body", read_only=True)
    issuer_org = issuing_scope(app, request.principal, org_code)
    order = SupervisionOrder.issue(
        org_code, cycle_id, issuer_org, subject, requirement, due_date, app.today(),
        request.actor,
    )
    return app.commit(request, order, item=order, body={"order_id": str(order.id)}, created=True)


def _order(app: LianpingApp, order_id: str) -> SupervisionOrder:
    try:
        found = app.find(SupervisionOrder, UUID(order_id))
    except ValueError:
        found = None
    if found is None:
        raise NotFoundError("unknown_order", f"no supervision order {order_id!r}")
    return found


def respond_to_order(app: LianpingApp, request: Request, order_id: str, text: str) -> Outcome:
    order = _order(app, order_id)
    require_order_answerer(request.principal, order.org_code)
    request.check_version(order)
    order.respond(text, request.actor)
    return app.commit(request, order, item=order, body={"order_id": order_id,
                                                        "status": order.status})


def close_order(
    app: LianpingApp, request: Request, order_id: str, accepted: bool, note: str | None,
) -> Outcome:
    order = _order(app, order_id)
    require_order_closer(app, request.principal, order.issuer_org)
    request.check_version(order)
    order.close(accepted, note, request.actor)
    return app.commit(request, order, item=order, body={"order_id": order_id,
                                                        "status": order.status})


# -- feedback amendment ---------------------------------------------------------------------


def amend_feedback(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str, text: str | None,
    problems: list[dict[str, str]] | None, reason: str | None,
) -> Outcome:
    cycle = lookups.participant(app, cycle_id, org_code)
    require_organizer_of(app, request.principal, cycle, org_code)
    feedback = app.find(Feedback, ids.feedback_id(cycle_id, org_code))
    if feedback is None:
        raise RuleViolationError("feedback_not_issued", f"no feedback was issued to {org_code}")
    request.check_version(feedback)
    cycle.require_phase("amending feedback", "finalized", "rectifying")
    plan = app.find(RectificationPlan, ids.plan_id(cycle_id, org_code))
    cited = {item["problem_code"] for item in plan.versions[-1]} if plan else set()
    feedback.amend(text, problems, reason, plan.status if plan else None, cited, request.actor)
    body = {"text": feedback.text, "problems": feedback.problems}
    return app.commit(request, feedback, item=feedback, body=body)
