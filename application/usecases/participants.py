"""One participant of a cycle: report (述), ratings (评), indicator scores (考), feedback; and its
reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from application import lookups
from application.access.conflicts import appointed_secretary, require_organizer_of, require_reviewer
from application.access.cycles import can_read_participant, can_read_report, sees_reviewers
from application.access.reviewers import pseudonym
from application.app import LianpingApp, Outcome, Request, of_type
from application.principal import forbid, require_secretary
from application.usecases.rectification import plan_view
from domain import ids
from domain.errors import NotFoundError, RuleViolationError
from domain.feedback import Feedback
from domain.organization import Organization
from domain.plan import RectificationPlan
from domain.rating import Rating
from domain.report import Report
from domain.scheme import GRADE_LABELS, Scheme, parse_grade
from domain.score import IndicatorScore, check_points


def _secretary_name(app: LianpingApp, org_code: str) -> str | None:
    org = app.find(Organization, ids.org_id(org_code), read_only=True)
    secretary = org.secretary_on(app.today()) if org else None
    return secretary["name"] if secretary else None



# -- 述: the report -----------------------------------------------


def submit_report(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str, content: dict[str, str]
) -> Outcome:
    cycle = lookups.participant(app, cycle_id, org_code)
    require_secretary(request.principal, org_code)
    report = app.find(Report, ids.report_id(cycle_id, org_code))
    request.check_version(report)
    secretary = _secretary_name(app, org_code)
    account = appointed_secretary(app, org_code)
    if report is None:
        report = Report.submit_first(
            cycle_id, org_code, cycle.phase, content, secretary, request.actor, account
        )
    else:
        report.resubmit(
            cycle.phase, content, secretary, request.actor, app.settings.max_versions, account
        )
    return app.commit(
        request, report, item=report, body={"version": len(report.versions)}, created=True
    )


def return_report(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str, reason: str | None
) -> Outcome:
    cycle = lookups.participant(app, cycle_id, org_code)
    require_organizer_of(app, request.principal, cycle, org_code)
    report = app.find(Report, ids.report_id(cycle_id, org_code))
    request.check_version(report)
    if report is None:
        raise RuleViolationError("report_not_submitted", f"{org_code} has not submitted a report")
    report.return_for_revision(cycle.phase, reason, request.actor)
    return app.commit(
        request, report, item=report, body={"version": len(report.versions), "status": "returned"}
    )


# -- 评: ratings --------------------------------------------------


def rate(
    app: LianpingApp,
    request: Request,
    cycle_id: str,
    org_code: str,
    rating: str,
    comment: str | None,
    reason: str | None,
) -> Outcome:
    cycle = lookups.participant(app, cycle_id, org_code)
    require_reviewer(app, request.principal, cycle, org_code)
    # An amendment needs a reason: with one, the rating is read (one read, instead of a save
    # failing on an existing rating made by another process); without one it is most likely new.
    existing = app.find(Rating, ids.rating_id(cycle_id, org_code, request.actor),
                        new_unless_cached=reason is None)
    request.check_version(existing)
    cycle.require_phase("rating", "reviewing")
    if app.find(Report, ids.report_id(cycle_id, org_code), read_only=True) is None:
        raise RuleViolationError(
            "report_not_submitted", f"{org_code} has not submitted its report yet"
        )
    code = parse_grade(rating)
    if existing is None:
        existing = Rating(
            cycle_id=cycle_id,
            org_code=org_code,
            reviewer=request.actor,
            rating=code,
            comment=comment,
            actor=request.actor,
        )
        created = True
    else:
        existing.amend(code, comment, reason, request.actor)
        created = False
    body = {"rating": code, "rating_label": GRADE_LABELS[code], "comment": comment}
    return app.commit(request, existing, item=existing, body=body, created=created)


# -- 考: indicator scores -----------------------------------------


def score(
    app: LianpingApp,
    request: Request,
    cycle_id: str,
    org_code: str,
    indicator: str,
    points: Decimal,
    note: str | None,
    reason: str | None,
) -> Outcome:
    cycle = lookups.participant(app, cycle_id, org_code)
    require_organizer_of(app, request.principal, cycle, org_code)
    existing = app.find(IndicatorScore, ids.score_id(cycle_id, org_code, indicator),
                        new_unless_cached=reason is None)  # (as for a rating)
    request.check_version(existing)
    cycle.require_phase("scoring", "reviewing")
    check_points(points, Scheme.from_dict(cycle.scheme).indicator(indicator).max_points, indicator)
    if existing is None:
        existing = IndicatorScore(
            cycle_id=cycle_id,
            org_code=org_code,
            indicator=indicator,
            points=points,
            note=note,
            actor=request.actor,
        )
        created = True
    else:
        existing.amend(points, note, reason, request.actor)
        created = False
    body = {"indicator": indicator, "points": str(points), "note":
    note}
    return app.commit(request, existing, item=existing, body=body, created=created)


# -- feedback ----------------------------------------------------


def issue_feedback(
    app: LianpingApp,
    request: Request,
    cycle_id: str,
    org_code: str,
    text: str,
    problems: list[dict[str, str]],
) -> Outcome:
    cycle = lookups.participant(app, cycle_id, org_code)
    require_organizer_of(app, request.principal, cycle, org_code)
    existing = app.find(Feedback, ids.feedback_id(cycle_id, org_code))
    request.check_version(existing)
    cycle.require_phase("issuing feedback", "finalized", "rectifying")
    if existing is not None:
        raise RuleViolationError("feedback_exists", f"feedback to {org_code} was already issued")
    feedback = Feedback.issue(cycle_id, org_code, text, problems,
    request.actor)
    body = {"text": text, "problems": problems}
    return app.commit(request, feedback, item=feedback, body=body, created=True)


# -- reads -------------------------------------------------------


def report_view(report: Report, version: int | None = None) -> dict[str, Any]:
    chosen = report.latest if version is None else report.versions[version - 1]
    is_latest = chosen["version"] == len(report.versions)
    return {
        "org_code": report.org_code,
        "version": chosen["version"],
        "title": chosen["title"],
        "achievements": chosen["achievements"],
        "problems": chosen["problems"],
        "plans": chosen["plans"],
        "secretary": chosen["secretary"],
        "submitted_at": chosen["submitted_at"].isoformat() if chosen["submitted_at"] else None,
        # An earlier version was either returned for revision (with its reason) or replaced.
        "status": report.status if is_latest
        else ("returned" if chosen.get("return_reason") else "superseded"),
        "return_reason": chosen.get("return_reason"),
    }


def get_report(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str, version: int | None
) -> tuple[dict[str, Any], int]:
    cycle = lookups.participant(app, cycle_id, org_code)
    if not can_read_report(app, request.principal, cycle, org_code):
        raise forbid(f"you may not read the report of {org_code}")
    report = app.find(Report, ids.report_id(cycle_id, org_code), read_only=True)
    if report is None:
        raise NotFoundError("report_not_found", f"{org_code} has not submitted a report")
    if version is not None and not 1 <= version <= len(report.versions):
        raise NotFoundError(
            "report_version_not_found",
            f"the report has versions 1..{len(report.versions)}, not {version}",
        )
    return report_view(report, version), report.version


def get_participant(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str
) -> dict[str, Any]:
    position = app.recorder.max_notification_id() or 0
    cycle = lookups.participant(app, cycle_id, org_code)
    if not can_read_participant(app, request.principal, cycle, org_code):
        raise forbid(f"you may not read participant {org_code}")
    named = sees_reviewers(app, request.principal, cycle)
    indicators = Scheme.from_dict(cycle.scheme).indicators
    # Everything of this participant in one read: its report, ratings, scores, feedback, plan.
    known = app.find_all([
        ids.report_id(cycle_id, org_code), ids.feedback_id(cycle_id, org_code),
        ids.plan_id(cycle_id, org_code),
        *(ids.rating_id(cycle_id, org_code, reviewer) for reviewer in cycle.panel),
        *(ids.score_id(cycle_id, org_code, indicator.code) for indicator in indicators),
    ])
    report = of_type(Report, known.get(ids.report_id(cycle_id, org_code)))
    ratings = []
    for reviewer in cycle.panel:
        rating = of_type(Rating, known.get(ids.rating_id(cycle_id, org_code, reviewer)))
        if rating is not None:
            ratings.append(
                {
                    "reviewer": reviewer if named else pseudonym(cycle, reviewer),
                    "rating": rating.rating,
                    "rating_label": GRADE_LABELS[rating.rating],
                    "comment": rating.comment,
                    "reason": rating.reason,
                    "recorded_at": rating.modified_on.isoformat(),
                    # A conflict declared after rating: the rating stays on record, uncounted.
                    "counted": not cycle.has_conflict(reviewer, org_code),
                }
            )
    scores = []
    for indicator in indicators:
        found = of_type(IndicatorScore, known.get(ids.score_id(cycle_id, org_code, indicator.code)))
        if found is not None:
            scores.append(
                {
                    "indicator": found.indicator,
                    "points": str(found.points),
                    "note": found.note,
                    "reason": found.reason,
                }
            )
    result = next((r for r in cycle.results or [] if r["org_code"] == org_code), None)
    feedback = of_type(Feedback, known.get(ids.feedback_id(cycle_id, org_code)))
    plan = of_type(RectificationPlan, known.get(ids.plan_id(cycle_id, org_code)))
    return {
        "cycle_id": cycle_id,
        "org_code": org_code,
        # Whose participation it is: the secretary named on the report, else the one in office.
        "secretary": report.latest.get("secretary") if report is not None
        else _secretary_name(app, org_code),
        "report": None
        if report is None
        else {
            "version": len(report.versions),
            "status": report.status,
            "submitted_at": report.latest["submitted_at"].isoformat(),
        },
        "ratings": ratings,
        "scores": scores,
        "result": result,
        "feedback": None
        if feedback is None
        else {
            "text": feedback.text,
            "problems": feedback.problems,
            "issued_at": feedback.created_on.isoformat(),
        },
        "plan": None if plan is None else plan_view(plan, app.today()),
        "vetoed": org_code in cycle.vetoes,
        "position": position,
    }
