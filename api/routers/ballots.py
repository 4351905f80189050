"""Ballots (民主测评 by code and on paper): issue a batch of one-time codes, print their slips,
cast one (no bearer token: the code is the credential), void a batch, count them, and the paper
entry sheet and its import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.auth import Application, CurrentWriter
from api.console import ballot_sheet
from api.console.ballot import render_slips
from api.console.ballot_guard import guard_of
from api.errors import ApiError
from api.limits import limits_of
from api.routers.deps import ReadRequest, Writing, fingerprint, parse_if_match, written
from api.routing import OneHopRoute
from api.schemas.ballots import (
    BatchesOut,
    CastIn,
    CastOut,
    ImportedOut,
    IssueBallotsIn,
    IssuedOut,
    SheetIn,
    VoidedOut,
    VoidIn,
)
from api.schemas.common import Code
from application.app import Request as AppRequest
from application.usecases import ballots

router = APIRouter(tags=["ballots"], route_class=OneHopRoute)
_XLSX = {"content": {ballot_sheet.XLSX_MEDIA_TYPE: {
    "schema": {"type": "string", "format": "binary"}}}}


@router.post("/cycles/{cycle_id}/ballots", status_code=201, response_model=IssuedOut)
def issue_ballots(
    cycle_id: str, body: IssueBallotsIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Issue `count` one-time codes for a category (organizer; preparing, reporting or
    reviewing). The codes are in this answer only: just their hashes are stored."""
    outcome = write.app.execute(
        write.request, ballots.issue_ballots, cycle_id, body.category, body.count
    )
    return written(response, outcome)


@router.get("/cycles/{cycle_id}/ballots", response_model=BatchesOut)
def list_batches(cycle_id: str, request: ReadRequest, app: Application) -> dict[str, Any]:
    """Every batch with its counts (organizer, inspectors)."""
    return ballots.list_batches(app, request, cycle_id)


@router.get("/cycles/{cycle_id}/ballots/template.xlsx", response_class=Response,
            responses={200: _XLSX})
def paper_template(
    cycle_id: str, request: ReadRequest, app: Application,
    slips: Annotated[int, Query(ge=1, le=ballot_sheet.MAX_ROWS)] = 500,
) -> Response:
    """The paper-ballot entry sheet: one column per participant (name, code), one row per slip,
    cells 好/较好/一般/差 or blank."""
    found = ballots.paper_columns(app, request, cycle_id)
    content = ballot_sheet.template(found["cycle"].title, found["participants"], slips)
    return Response(content, media_type=ballot_sheet.XLSX_MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="ballots-{cycle_id}.xlsx"'})


async def xlsx_write_request(
    request: Request, writer: CurrentWriter
) -> tuple[AppRequest, bytes]:
    """Like the JSON writes, for a raw XLSX body."""
    limits_of(request.app).check_account(writer.principal.account_id)
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media not in (ballot_sheet.XLSX_MEDIA_TYPE, "application/octet-stream"):
        raise ApiError(
            415, "unsupported_media_type",
            f"send the filled sheet as {ballot_sheet.XLSX_MEDIA_TYPE}",
            {"content_type": request.headers.get("content-type")},
        )
    body = await request.body()
    return AppRequest(
        principal=writer.principal, idempotency_key=request.headers.get("idempotency-key"),
        fingerprint=fingerprint(request.method, str(request.url), body),
        if_match=parse_if_match(request.headers.get("if-match")),
        authenticate=writer.authenticate,
    ), body


@router.post("/cycles/{cycle_id}/ballots/import", status_code=201, response_model=ImportedOut,
             openapi_extra={"requestBody": {"required": True, **_XLSX}})
def import_paper(
    cycle_id: str, written_as: Annotated[tuple[AppRequest, bytes], Depends(xlsx_write_request)],
    app: Application, response: Response, category: Annotated[Code, Query()],
    dry_run: bool = False,
) -> dict[str, Any]:
    """Paper ballots from the filled sheet, all or nothing, one batch: any bad cell → 422
    `ballots_rejected` with `details.rejected: [{row, column, error}]` (row as the sheet shows
    it, column by letter); a file that is no such sheet → 422 `malformed_sheet`. Rows with no
    rating are ignored. `dry_run=true` checks and counts, and records nothing (200)."""
    request, raw = written_as
    outcome = app.execute(request, ballots.import_paper, cycle_id, category,
                          lambda: ballot_sheet.read_sheet(raw), dry_run)
    answer = written(response, outcome)
    if dry_run:
        response.status_code = 200
    return answer


@router.post("/cycles/{cycle_id}/ballots/{batch_id}/sheet", response_class=HTMLResponse)
def print_slips(
    cycle_id: str, batch_id: str, body: SheetIn, write: Writing, http: Request
) -> HTMLResponse:
    """Printable slips, one per code, each with its QR code linking to `/b/{code}` here."""
    found = ballots.check_sheet_codes(write.app, write.request, cycle_id, batch_id, body.codes)
    return render_slips(http, write.app, found)


@router.post("/cycles/{cycle_id}/ballots/{batch_id}/void", response_model=VoidedOut)
def void_batch(
    cycle_id: str, batch_id: str, body: VoidIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Void a batch with a reason before finalization: its ballots stop counting (flagged
    `ballots_voided`)."""
    outcome = write.app.execute(write.request, ballots.void_batch, cycle_id, batch_id, body.reason)
    return written(response, outcome)


@router.post("/ballots/{code}", status_code=201, response_model=CastOut)
def cast_ballot(
    code: str, body: CastIn, http: Request, app: Application, response: Response
) -> dict[str, Any]:
    """Cast a ballot (no bearer token: the code is the credential; only while `reviewing`).
    An unknown and a used code get the same 404 `ballot_not_found`; failed lookups are rate
    limited per client address (429 `rate_limited`)."""
    request = AppRequest(principal=ballots.BALLOT_PRINCIPAL)
    outcome = guard_of(http).run(
        http, lambda: app.execute(request, ballots.cast_ballot, code, body.ratings)
    )
    return written(response, outcome)
