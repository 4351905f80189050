"""A reviewer's sheet (评议): per participant of a cycle, whether its report is in, whether this
panel member may rate it (the conflict rule of ``access.require_reviewer``) and the rating
already given — for the console's 评议 pages. Read in one batch from the aggregates, so the
sheet reflects a rating as soon as it is saved."""

from __future__ import annotations

from typing import Any

from application import lookups
from application.app import LianpingApp, Request
from application.principal import forbid
from domain import ids
from domain.conflicts import rating_conflicts
from domain.organization import Organization
from domain.rating import Rating
from domain.report import Report
from domain.scheme import GRADE_LABELS


def _of(kind: type[Any], found: Any) -> Any:
    return found if isinstance(found, kind) else None


def review_sheet(app: LianpingApp, request: Request, cycle_id: str) -> dict[str, Any]:
    """``{cycle_id, title, phase, review_due, rows, rated, expected}``; each row:
    ``{org_code, org_name, report_version, report_status, may_rate, conflicts, rating,
    rating_label, comment}``; ``rated``/``expected``: the 已评 n/N of the rows this reviewer may
    rate. Panel members only (else 403 ``not_panel_member``)."""
    principal = request.principal
    me = principal.account_id
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    if not cycle.is_panel_member(me):
        raise forbid(f"{me} is not on the panel of this cycle", "not_panel_member")
    own = principal.org_code
    own_orgs = [] if own is None else [own, *lookups.ancestors(app, own)]
    orgs = list(cycle.participants)
    known = app.read_all([
        *(ids.org_id(org) for org in orgs),
        *(ids.report_id(cycle_id, org) for org in orgs),
        *(ids.rating_id(cycle_id, org, me) for org in orgs),
    ])
    today = app.today()
    rows = []
    for org_code in orgs:
        org = _of(Organization, known.get(ids.org_id(org_code)))
        report = _of(Report, known.get(ids.report_id(cycle_id, org_code)))
        rating = _of(Rating, known.get(ids.rating_id(cycle_id, org_code, me)))
        secretary = org.secretary_on(today) if org else None
        why = rating_conflicts(me, org_code, (org for _, org in principal.grants), own_orgs,
                               secretary.get("account_id") if secretary else None,
                               cycle.has_conflict(me, org_code))
        rows.append({
            "org_code": org_code,
            "org_name": org.name if org else org_code,
            "report_version": len(report.versions) if report else None,
            "report_status": report.status if report else None,
            "may_rate": not why,
            "conflicts": why,
            "rating": rating.rating if rating else None,
            "rating_label": GRADE_LABELS[rating.rating] if rating else None,
            "comment": rating.comment if rating else None,
        })
    eligible = [row for row in rows if row["may_rate"]]
    return {
        "cycle_id": cycle_id,
        "title": cycle.title,
        "phase": cycle.phase,
        "review_due": cycle.deadlines.get("review_due"),
        "rows": rows,
        "rated": sum(1 for row in eligible if row["rating"]),
        "expected": len(eligible),
    }
