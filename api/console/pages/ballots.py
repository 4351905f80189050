"""民主测评 (the organizer's ballots page of a cycle): the batches with their counts; issue codes
for a category (shown once, with a button to print their slips); void a batch with a reason;
paper ballots: the entry sheet to download and the filled sheet to upload (all or nothing, the
rejected cells listed by row and column). The same use cases as the JSON API's ballot routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from api.auth import application_of
from api.console import ballot_sheet, labels, paths
from api.console.ballot import render_slips
from api.console.web import (
    ConsoleRoute,
    ConsoleUser,
    CurrentUser,
    FormPost,
    Posted,
    read_request,
    redirect_with_flash,
    render,
)
from api.documents import attachment
from application import lookups
from application.access.cycles import is_organizer
from application.app import LianpingApp
from application.usecases import ballots, screen
from domain.errors import DomainError
from domain.scheme import Scheme

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

WORDS = labels.BALLOTS
#: The largest sheet accepted (a full 500-row template is well under 1 MB).
MAX_UPLOAD = 5 * 1024 * 1024


def page(request: Request, app: LianpingApp, user: ConsoleUser, cycle_id: str,
          status_code: int = 200, **extra: Any) -> Response:
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    found = ballots.list_batches(app, read_request(user), cycle_id)
    categories = [(c.code, c.name) for c in Scheme.from_dict(cycle.scheme).ballot_categories]
    names = dict(categories)
    context: dict[str, Any] = {"form": {}, "errors": {}, "issued": None, "rejected": None,
                               "imported": None, "paper_form": {}, "paper_errors": {},
                               "new_link": None, "screen_error": None}
    context.update(extra)
    organizer = is_organizer(user.principal, cycle)
    hall_screen = screen.controls(app, read_request(user), cycle_id) if organizer else None
    return render(request, "ballots/ballots.html", status_code=status_code, cycle=cycle,
                  batches=found["batches"], categories=categories, category_names=names,
                  organizer=organizer, hall_screen=hall_screen, **context)


@router.get("/cycles/{cycle_id}/ballots")
def ballots_page(cycle_id: str, request: Request, user: CurrentUser) -> Response:
    return page(request, application_of(request), user, cycle_id)


@router.post("/cycles/{cycle_id}/ballots/issue")
def issue(cycle_id: str, request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    form = {"category": posted.get("category"), "count": posted.get("count")}
    try:
        count = int(posted.get("count").strip())
    except ValueError:
        return page(request, app, posted.user, cycle_id, 422, form=form,
                     errors={"count": labels.error_message("invalid_count")})
    try:
        outcome = app.execute(posted.request, ballots.issue_ballots, cycle_id,
                              posted.get("category"), count)
    except DomainError as error:
        field = "count" if error.code == "invalid_count" else "category" \
            if error.code in ("unknown_category", "no_ballot_categories") else ""
        return page(request, app, posted.user, cycle_id, error_status(error), form=form,
                     errors={field: labels.error_message(error.code)})
    # The codes exist in this answer only: shown once, never redirected through a URL.
    return page(request, app, posted.user, cycle_id, issued=outcome.body)


def error_status(error: DomainError) -> int:
    return {"invalid": 422, "not_found": 404, "forbidden": 403}.get(error.kind, 409)


@router.post("/cycles/{cycle_id}/ballots/{batch_id}/sheet")
def print_slips(cycle_id: str, batch_id: str, request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    codes = posted.get("codes").split()
    found = ballots.check_sheet_codes(app, posted.request, cycle_id, batch_id, codes)
    return render_slips(request, app, found)


@router.post("/cycles/{cycle_id}/ballots/{batch_id}/void")
def void(cycle_id: str, batch_id: str, request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    url = paths.ballots(cycle_id)
    try:
        app.execute(posted.request, ballots.void_batch, cycle_id, batch_id,
                    posted.optional("reason"))
    except DomainError as error:
        return redirect_with_flash(request, url, labels.error_message(error.code), "error")
    return redirect_with_flash(request, url, WORDS["voided"])


@router.get("/cycles/{cycle_id}/ballots/template.xlsx")
def template(cycle_id: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    found = ballots.paper_columns(app, read_request(user), cycle_id)
    content = ballot_sheet.template(found["cycle"].title, found["participants"],
                                    ballot_sheet.MAX_ROWS)
    return attachment(content, ballot_sheet.XLSX_MEDIA_TYPE,
                      f"{found['cycle'].title}纸质测评票录入表.xlsx", f"ballots-{cycle_id}.xlsx")


def _upload(posted: Posted) -> bytes | None:
    upload = posted.data.get("file")
    if not isinstance(upload, UploadFile):
        return None
    raw = upload.file.read(MAX_UPLOAD + 1)
    return raw or None


@router.post("/cycles/{cycle_id}/ballots/import")
def import_sheet(cycle_id: str, request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    form = {"paper_category": posted.get("paper_category"), "dry_run": posted.get("dry_run")}
    raw = _upload(posted)
    if raw is None or len(raw) > MAX_UPLOAD:
        message = WORDS["no_file"] if raw is None else WORDS["file_too_large"]
        return page(request, app, posted.user, cycle_id, 422, paper_form=form,
                     paper_errors={"file": message})
    dry_run = bool(posted.get("dry_run"))
    try:
        outcome = app.execute(posted.request, ballots.import_paper, cycle_id,
                              posted.get("paper_category"), lambda: ballot_sheet.read_sheet(raw),
                              dry_run)
    except DomainError as error:
        details = error.details if isinstance(error.details, dict) else {}
        rejected = details.get("rejected") or None
        field = "paper_category" if error.code in ("unknown_category", "no_ballot_categories") \
            else "file" if error.code == "malformed_sheet" else ""
        text = labels.error_message(error.code)
        if error.code == "malformed_sheet":
            text = f"{text}：{error.message}"
        return page(request, app, posted.user, cycle_id, error_status(error),
                     paper_form=form, paper_errors={field: text}, rejected=rejected)
    return page(request, app, posted.user, cycle_id, paper_form=form, imported=outcome.body)
