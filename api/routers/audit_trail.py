"""督查: the audit trail (filtered, paged, exported), inspection flags, inspection notes, any
aggregate at an earlier version or moment, and the raw event feed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse
from pydantic_core import to_json

from api.auth import Application
from api.documents import XLSX, attachment, sheets
from api.routers.deps import MAX_POSITION, ReadRequest, Writing, reader, written
from api.routers.readmodels import view_position
from api.routers.standings import AsOf
from api.routing import OneHopRoute
from api.schemas.audit_trail import (
    EventsOut,
    FlagsOut,
    HistoryOut,
    NoteIn,
    NoteOut,
)
from application import lookups
from application.access.reviewers import ReviewerMask
from application.access.scope import trail_scope
from application.access.supervision import require_subtree_flags_reader
from application.app import Request as AppRequest
from application.paging import cap_page
from application.principal import Principal
from application.usecases import audit as access
from application.usecases import notes
from domain.errors import ValidationError
from projections import audit, flags
from projections.lists import Window
from projections.service import read_models

router = APIRouter(tags=["audit"], route_class=OneHopRoute)

AuditReader = Annotated[AppRequest, Depends(reader(view_position(audit.NAME)))]
FlagsReader = Annotated[AppRequest, Depends(reader(view_position(flags.NAME)))]
After = Annotated[
    int, Query(ge=0, le=MAX_POSITION, description="Cursor: the position after which to list")
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Page size (default 100, max 1000)")]
EXPORT_PAGE = 1000


def _filters(
    cycle_id: str | None = None, org_code: str | None = None, actor: str | None = None,
    type: Annotated[list[str] | None, Query(description="Event type(s), e.g. "  # noqa: A002
                                                         "lianping:Cycle.Reopened")] = None,
    since: AsOf = None, until: AsOf = None,
) -> audit.Filters:
    return audit.Filters(cycle_id, org_code, actor, tuple(type or ()), since, until)


Filters = Annotated[audit.Filters, Depends(_filters)]


def _scope(principal: Principal, *, organizers: bool = True) -> audit.Scope:
    access.require_auditor(principal)
    scope = trail_scope(principal, organizers=organizers)
    return audit.Scope(scope.everything, scope.subtree_orgs, scope.organizer_orgs)


def _shown(app: Any, principal: Principal, actor: str | None = None) -> audit.Shown:
    """Rows as this reader may see them: reviewers by pseudonym outside their knowledge."""
    mask = ReviewerMask(app, principal)
    return lambda rows: mask.events(rows, actor)


@router.get("/audit/events", response_model=EventsOut)
def get_audit_events(
    request: AuditReader, app: Application, filters: Filters, after: After = 0, limit: Limit = 100
) -> dict[str, Any]:
    """Every event by position with who, when, org, cycle, reason, data and its chain hash:
    inspectors see their subtree, organizers their cycles, admins everything."""
    scope = _scope(request.principal)
    shown = _shown(app, request.principal, filters.actor)
    with read_models(app).read(audit.NAME) as view:
        return audit.page(
            view, filters, scope, after, limit, app.settings.max_page_bytes, shown
        )


@router.get("/events", response_model=EventsOut)
def get_event_feed(
    request: AuditReader, app: Application, after: After = 0, limit: Limit = 100
) -> dict[str, Any]:
    """The raw event feed in log order (admins; inspectors within their scope)."""
    access.require_feed_reader(request.principal)
    scope = _scope(request.principal, organizers=False)
    shown = _shown(app, request.principal)
    with read_models(app).read(audit.NAME) as view:
        return audit.page(
            view, audit.Filters(), scope, after, limit, app.settings.max_page_bytes, shown
        )


@router.get(
    "/audit/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}, XLSX: {}}}},
)
def export_audit_events(
    request: AuditReader, app: Application, filters: Filters,
    format: Literal["jsonl", "csv", "xlsx"] = "jsonl",  # noqa: A002
) -> Response:
    """The audit trail as a file, streamed: JSON lines, or CSV with a UTF-8 BOM (Excel shows the
    Chinese text). Same filters and rows as /audit/events, up to the position at the start."""
    scope = _scope(request.principal)
    models = read_models(app)
    upto = models.position(audit.NAME)
    shown = _shown(app, request.principal, filters.actor)
    pages = map(shown, _pages(models, filters, scope, upto))
    body = _csv(pages) if format == "csv" else _jsonl(pages)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    disposition = f'attachment; filename="audit-events-{upto}.{format}"'
    if format == "xlsx":  # a sheet is written whole (its rows streamed into the file)
        return _xlsx(sheets.audit_workbook(pages), upto)
    return StreamingResponse(
        body, media_type=media,
        headers={"Content-Disposition": disposition, "X-Audit-Position": str(upto)},
    )


def _xlsx(content: bytes, upto: int) -> Response:
    response = attachment(content, XLSX, f"审计日志-{upto}.xlsx", f"audit-events-{upto}.xlsx")
    response.headers["X-Audit-Position"] = str(upto)
    return response


def _pages(models: Any, filters: audit.Filters, scope: audit.Scope, upto: int) -> Iterator[list]:
    after = 0
    while True:
        with models.read(audit.NAME) as view:
            rows = audit.select(view, filters, scope, after, EXPORT_PAGE, upto=upto)
        if not rows:
            return
        yield rows
        after = rows[-1]["position"]


def _jsonl(pages: Iterator[list[dict[str, Any]]]) -> Iterator[bytes]:
    for rows in pages:
        yield "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A text that Excel would run as a formula (=HYPERLINK(…) in a reason) gets a leading
    apostrophe (OWASP's CSV-injection advice); the JSONL export keeps every value as recorded."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv(pages: Iterator[list[dict[str, Any]]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(audit.EXPORT_COLUMNS)
    for rows in pages:
        for row in rows:
            writer.writerow([
                json.dumps(row["data"], ensure_ascii=False) if column == "data"
                else _cell(row[column])
                for column in audit.EXPORT_COLUMNS
            ])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


@router.get("/audit/flags", response_model=FlagsOut)
def get_flags(
    request: FlagsReader, app: Application,
    cycle_id: Annotated[str | None, Query(description="The cycle whose flags to list")] = None,
    org_code: Annotated[str | None, Query(
        min_length=1, max_length=64,
        description="Without cycle_id: the flags about orgs in this org's subtree, over every "
        "cycle (each flag names its cycle_id)")] = None,
    after: After = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size (default and max 1000)")]
    = 1000,
) -> Response:
    """督查提示 of a cycle: late_submission, amendment, rescoring, amendment_after_finalization,
    reopening, veto, returned_report, returned_plan, overdue_extension (a deadline extended after
    it had passed), deadline_changed (a cycle deadline moved once its phase had begun), and
    overdue_item, talk_not_held (30 days after finalization, a participant graded 一般/差
    without a held talk) and overdue_order (a 督办 order tied to the cycle, past due and not
    closed), not_submitted (a report after report_due, or a plan after plan_due, that does not
    exist yet), these four as of today. With `org_code=` and no `cycle_id`: a subtree's flags
    (inspectors, organizers and admins whose scope contains it)."""
    window = Window(after, limit)
    if cycle_id is None:
        if org_code is None:
            raise ValidationError("invalid_query", "give cycle_id or org_code", [
                {"field": "cycle_id", "message": "cycle_id or org_code is required"}])
        lookups.org(app, org_code)
        require_subtree_flags_reader(app, request.principal, org_code)
        with read_models(app).read(flags.NAME) as view:
            body = flags.subtree_flags(view, org_code, app.today(), app.tz, window)
        inside = body.pop("inside")
        visible = access.subtree_flags_in_scope(app, request.principal, org_code,
                                                body["flags"], inside)
        body = {**body, "cycle_id": None}
    else:
        cycle = access.check_flags_reader(app, request.principal, cycle_id)
        with read_models(app).read(flags.NAME) as view:
            body = flags.cycle_flags(view, cycle_id, app.today(), app.tz, window)
        visible = access.flags_in_scope(app, request.principal, cycle, body["flags"])
    # The read stopped at complete_to when a source had more than a page: the next page starts
    # after it even if none of the flags read were this reader's to see.
    complete_to = body.pop("complete_to")
    page, more = cap_page(visible, limit, app.settings.max_page_bytes,
                          cursor=lambda flag: flag["position"])
    next_after = page[-1]["position"] if more else complete_to
    # The rows carry exactly FlagOut's fields: answered as they are, since validating a page of
    # 1,000 against the model cost more than reading it (tests check answers equal the model's).
    return Response(to_json({
        "cycle_id": body["cycle_id"], "org_code": body.get("org_code"),
        "position": body["position"], "flags": page, "next_after": next_after,
    }), media_type="application/json")


@router.post("/audit/notes", status_code=201, response_model=NoteOut)
def record_note(
    body: NoteIn, write: Writing, response: Response
) -> dict[str, Any]:
    """An inspector's note (督查记录) about an event position or an aggregate; itself an event."""
    outcome = write.app.execute(
        write.request, notes.record_note, body.note, body.subject_position, body.aggregate_id
    )
    return written(response, outcome)


@router.get("/audit/aggregates/{aggregate_id}", response_model=HistoryOut)
def get_aggregate_history(
    aggregate_id: str, request: ReadRequest, app: Application,
    version: Annotated[int | None, Query(ge=1)] = None, as_of: AsOf = None,
) -> dict[str, Any]:
    """Any report, plan, cycle, account … as it was at `version` or `as_of` (latest by default),
    with its events up to there: inspectors of its org's subtree, organizers of its cycle,
    admins."""
    return access.get_aggregate_history(app, request.principal, aggregate_id, version, as_of)
