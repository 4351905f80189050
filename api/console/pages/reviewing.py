"""评议 (the reviewer's flow): the participants still to rate and those done (已评 n/N), each
report readable on its participant page, and the rating form (好/较好/一般/差, a comment; an
amendment asks for a reason)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.auth import application_of
from api.console import labels, paths
from api.console.web import (
    ConsoleRoute,
    ConsoleUser,
    CurrentUser,
    FormPost,
    read_request,
    redirect_with_flash,
    render,
)
from application import lookups
from application.app import LianpingApp
from application.usecases import participants, reviewing
from domain import ids
from domain.cycle import Cycle
from domain.errors import DomainError, NotFoundError
from domain.organization import Organization

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

MAX_COMMENT = 2000
#: After a rating, wait this long at most for 我的待办 (a read model) to show it.


@router.get("/cycles/{cycle_id}/review")
def review_page(cycle_id: str, request: Request, user: CurrentUser) -> Response:
    sheet = reviewing.review_sheet(application_of(request), read_request(user), cycle_id)
    rows = sheet["rows"]
    return render(
        request, "reviewing/sheet.html", sheet=sheet,
        to_rate=[r for r in rows if r["may_rate"] and not r["rating"]],
        done=[r for r in rows if r["may_rate"] and r["rating"]],
        recused=[r for r in rows if not r["may_rate"]],
    )


def _report(app: LianpingApp, user: ConsoleUser, cycle_id: str, org_code: str,
            version: int | None = None) -> tuple[dict[str, Any] | None, int]:
    """The report (the latest, or the version asked for; None when none was submitted) and
    the number of its latest version."""
    try:
        latest, _ = participants.get_report(app, read_request(user), cycle_id, org_code, None)
    except NotFoundError as missing:
        if missing.code == "report_not_found":
            return None, 0
        raise
    newest = int(latest["version"])
    if version is None or version == newest:
        return latest, newest
    chosen, _ = participants.get_report(app, read_request(user), cycle_id, org_code, version)
    return chosen, newest


def _names(app: LianpingApp, cycle_id: str, org_code: str) -> tuple[Cycle, str]:
    """The cycle (404 unless ``org_code`` takes part in it) and the org's name."""
    cycle = lookups.participant(app, cycle_id, org_code)
    org = app.find(Organization, ids.org_id(org_code), read_only=True)
    return cycle, org.name if org else org_code


@router.get("/cycles/{cycle_id}/participants/{org_code}")
def participant_page(
    cycle_id: str, org_code: str, request: Request, user: CurrentUser,
    version: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> Response:
    """The participant's 述职报告 (latest, or an earlier version)."""
    app = application_of(request)
    cycle, org_name = _names(app, cycle_id, org_code)
    report, versions = _report(app, user, cycle_id, org_code, version)
    return render(
        request, "reviewing/report.html", cycle_id=cycle_id, cycle_title=cycle.title,
        org_code=org_code, org_name=org_name, report=report, versions=versions,
        reviewer=cycle.is_panel_member(user.principal.account_id) and cycle.phase == "reviewing",
    )


def _rating_page(request: Request, user: ConsoleUser, cycle_id: str, org_code: str,
                 form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                 status_code: int = 200) -> Response:
    app = application_of(request)
    sheet = reviewing.review_sheet(app, read_request(user), cycle_id)
    row = next((r for r in sheet["rows"] if r["org_code"] == org_code), None)
    if row is None:
        raise NotFoundError("unknown_participant", f"{org_code} is not a participant")
    report, _ = _report(app, user, cycle_id, org_code)
    given = form if form is not None else {
        "rating": row["rating"] or "", "comment": row["comment"] or "", "reason": ""}
    return render(
        request, "reviewing/rate.html", status_code=status_code, sheet=sheet, row=row,
        report=report, form=given, errors=errors or {}, amending=bool(row["rating"]),
        grades=list(labels.GRADES.items()), cycle_id=cycle_id, org_code=org_code,
    )


@router.get("/cycles/{cycle_id}/participants/{org_code}/rate")
def rating_form(cycle_id: str, org_code: str, request: Request, user: CurrentUser) -> Response:
    return _rating_page(request, user, cycle_id, org_code)


@router.post("/cycles/{cycle_id}/participants/{org_code}/rate")
def rate(cycle_id: str, org_code: str, request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    form = {k: posted.get(k) for k in ("rating", "comment", "reason")}
    errors: dict[str, str] = {}
    if form["rating"] not in labels.GRADES:
        errors["rating"] = "请选择评议等次"
    if len(form["comment"]) > MAX_COMMENT:
        errors["comment"] = f"评议意见不超过 {MAX_COMMENT} 字"
    if not errors:
        try:
            outcome = app.execute(posted.request, participants.rate, cycle_id, org_code,
                                  form["rating"], posted.optional("comment"),
                                  posted.optional("reason"))
        except DomainError as refused:
            if refused.code in ("reason_required", "unknown_rating", "validation_error"):
                field = {"reason_required": "reason", "unknown_rating": "rating"}.get(
                    refused.code, "")
                errors[field] = labels.error_message(refused.code)
            else:
                raise
        else:
            done = labels.DONE["rated" if outcome.created else "rating_amended"]
            return redirect_with_flash(request, paths.review(cycle_id), done)
    return _rating_page(request, posted.user, cycle_id, org_code, form, errors, 422)
