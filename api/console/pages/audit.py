"""审计日志 (the inspector's pages): the audit trail with filters (cycle, org, actor, type, time
range) and paging; one event with its data, position and hash, and the inspection notes on it;
an item's history with two versions side by side; a cycle's 督查提示; the signed checkpoints and
the **核验** button; exports. The same use cases and read models as /api/v1/audit/…"""

from __future__ import annotations

import inspect
import json
import typing
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError as SchemaError
from starlette.responses import Response

from api.auth import application_of
from api.console import forms, labels, paths
from api.console.pages.standings import parse_as_of
from api.console.web import (
    ConsoleRoute,
    ConsoleUser,
    CurrentUser,
    FormPost,
    fresh_view,
    read_request,
    redirect_with_flash,
    render,
)
from api.limits import limits_of
from api.routers import audit_trail
from api.routers.audit_trail import NoteIn
from api.schemas.finding import Cursor
from application.app import LianpingApp
from application.usecases import audit as access
from application.usecases import integrity, notes
from domain.errors import NotFoundError, ValidationError
from projections import audit, finding, flags, lists

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

PAGE_SIZE = 50
NOTE_TYPE = "lianping:InspectionNote.Recorded"
Text = Annotated[str | None, Query(max_length=200)]
#: The formats /audit/export offers (xlsx joins jsonl and csv where the documents are built).
EXPORT_FORMATS: tuple[str, ...] = typing.get_args(
    inspect.signature(audit_trail.export_audit_events).parameters["format"].annotation
) or ("jsonl", "csv")


def _moment(app: LianpingApp, value: str | None, name: str, errors: dict[str, str]
            ) -> datetime | None:
    try:
        return parse_as_of(app, value)
    except ValueError:
        errors[name] = labels.error_message("invalid_as_of")
        return None


def _filters(app: LianpingApp, query: dict[str, str], errors: dict[str, str]) -> audit.Filters:
    return audit.Filters(
        query.get("cycle_id") or None, query.get("org_code") or None,
        query.get("actor") or None, (query["type"],) if query.get("type") else (),
        _moment(app, query.get("since"), "since", errors),
        _moment(app, query.get("until"), "until", errors),
    )


def _events(request: Request, user: ConsoleUser, filters: audit.Filters, after: int,
            limit: int) -> dict[str, Any]:
    app = application_of(request)
    scope = audit_trail._scope(user.principal)
    shown = audit_trail._shown(app, user.principal, filters.actor)
    with fresh_view(request, audit.NAME) as view:
        return audit.page(view, filters, scope, after, limit, app.settings.max_page_bytes, shown)


def _cycles(request: Request, user: ConsoleUser) -> list[dict[str, Any]]:
    app = application_of(request)
    with fresh_view(request, finding.NAME) as view:
        found: list[dict[str, Any]] = lists.cycles(view, app, user.principal, limit=100)["cycles"]
    return found


@router.get(paths.AUDIT)
def trail(
    request: Request, user: CurrentUser,
    cycle_id: Text = None, org_code: Text = None, actor: Text = None, type: Text = None,  # noqa: A002
    since: Text = None, until: Text = None,
    after: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    app = application_of(request)
    access.require_auditor(user.principal)
    query = {k: (v or "").strip() for k, v in (("cycle_id", cycle_id), ("org_code", org_code),
             ("actor", actor), ("type", type), ("since", since), ("until", until))}
    errors: dict[str, str] = {}
    filters = _filters(app, query, errors)
    found = _events(request, user, filters, after, PAGE_SIZE)
    exports = [(fmt.upper(), paths.with_query(paths.AUDIT_EXPORT, format=fmt, **query))
               for fmt in EXPORT_FORMATS]
    return render(
        request, "audit/trail.html", status_code=422 if errors else 200, errors=errors,
        query=query, events=found["events"], position=found["position"],
        next_page=paths.with_query(paths.AUDIT, after=found["next_after"], **query)
        if found["next_after"] else None,
        first_page=paths.with_query(paths.AUDIT, **query) if after else None,
        exports=exports,
        cycles=_cycles(request, user),
    )


@router.get(paths.AUDIT_EXPORT)
def export(
    request: Request, user: CurrentUser,
    cycle_id: Text = None, org_code: Text = None, actor: Text = None, type: Text = None,  # noqa: A002
    since: Text = None, until: Text = None, format: Text = "jsonl",  # noqa: A002
) -> Response:
    """The trail as a file: the JSON API's own export with the console's session."""
    app = application_of(request)
    errors: dict[str, str] = {}
    query = {"cycle_id": cycle_id, "org_code": org_code, "actor": actor, "type": type,
             "since": since, "until": until}
    filters = _filters(app, {k: (v or "").strip() for k, v in query.items()}, errors)
    if errors or format not in EXPORT_FORMATS:
        raise ValidationError("validation_error", "bad export filters", [])
    answer: Response = audit_trail.export_audit_events(
        read_request(user), app, filters, format)  # type: ignore[arg-type]
    return answer


def _notes_on(request: Request, user: ConsoleUser, position: int | None,
              aggregate_id: str | None) -> list[dict[str, Any]]:
    """The inspection notes about an event position or an aggregate (newest last)."""
    found = _events(request, user, audit.Filters(types=(NOTE_TYPE,)), 0, 1000)["events"]
    return [e for e in found
            if (position is not None and e["data"].get("subject_position") == position)
            or (aggregate_id is not None and e["data"].get("subject_aggregate_id") == aggregate_id)]


@router.get("/audit/events/{position}")
def event_page(position: int, request: Request, user: CurrentUser) -> Response:
    access.require_auditor(user.principal)
    found = _events(request, user, audit.Filters(), max(position - 1, 0), 1)["events"]
    event = found[0] if found and found[0]["position"] == position else None
    if event is None:
        raise NotFoundError("unknown_event", f"no event at {position} for you")
    return render(
        request, "audit/event.html", event=event,
        data=json.dumps(event["data"], ensure_ascii=False, indent=2),
        notes=_notes_on(request, user, position, None), may_note=user.has_role("inspector"),
        errors={}, note="",
    )


@router.get("/audit/aggregates/{aggregate_id}")
def history_page(
    aggregate_id: str, request: Request, user: CurrentUser,
    left: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    right: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    app = application_of(request)
    found = access.get_aggregate_history(app, user.principal, aggregate_id, None, None)
    events = found["events"]
    # By default the two latest events carrying content (a report's or a plan's last two
    # versions), else the two latest events.
    rich = [e for e in events if "title" in e["data"] or "items" in e["data"]] or events
    chosen = [e["version"] for e in rich[-2:]]
    versions = {e["version"]: e for e in events}
    pick_left = left if left in versions else chosen[0]
    pick_right = right if right in versions else chosen[-1]
    a, b = versions[pick_left]["data"], versions[pick_right]["data"]
    keys = list(dict.fromkeys([*a, *b]))
    compare = [{"key": k, "left": _shown(a.get(k)), "right": _shown(b.get(k)),
                "changed": a.get(k) != b.get(k)} for k in keys]
    return render(
        request, "audit/history.html", history=found, events=events, compare=compare,
        left=pick_left, right=pick_right, aggregate_id=aggregate_id,
        state=json.dumps(found["state"], ensure_ascii=False, indent=2),
        notes=_notes_on(request, user, None, found["aggregate_id"]) if user.reads_audit else [],
        may_note=user.has_role("inspector"), errors={}, note="",
    )


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1)


@router.post(paths.AUDIT_NOTES)
def record_note(request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    position = posted.get("subject_position").strip()
    aggregate_id = posted.optional("aggregate_id")
    back = paths.audit_event(int(position)) if position.isdigit() else (
        paths.audit_history(aggregate_id) if aggregate_id else paths.AUDIT)
    try:
        body = NoteIn.model_validate({
            "note": forms.text(posted.get("note")),
            "subject_position": int(position) if position.isdigit() else None,
            "aggregate_id": aggregate_id if not position.isdigit() else None})
    except SchemaError:
        return redirect_with_flash(request, back, labels.error_message("validation_error"),
                                   "error")
    app.execute(posted.request, notes.record_note, body.note, body.subject_position,
                          body.aggregate_id)
    return redirect_with_flash(request, back, labels.DONE["note_recorded"])


@router.get("/audit/flags")
def flags_page(
    request: Request, user: CurrentUser, cycle_id: Annotated[str, Query(max_length=64)],
    after: Cursor = None,
) -> Response:
    app = application_of(request)
    cycle = access.check_flags_reader(app, user.principal, cycle_id)
    with fresh_view(request, flags.NAME) as view:
        body = flags.cycle_flags(view, cycle_id, app.today(), app.tz)
    visible = access.flags_in_scope(app, user.principal, cycle, body["flags"])
    return render(request, "audit/flags.html", cycle_id=cycle_id, cycle_title=cycle.title,
                  flags=visible)


@router.get(paths.AUDIT_CHECKPOINTS)
def checkpoints_page(request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    found = integrity.list_checkpoints(app, read_request(user), 50, None)
    return render(request, "audit/checkpoints.html", checkpoints=found["checkpoints"],
                  public_key=found["public_key"], result=None)


@router.post(paths.AUDIT_VERIFY)
def verify(request: Request, posted: FormPost) -> Response:
    """核验: recompute the whole hash chain (POST /audit/verify's use case); the answer is shown
    on the checkpoints page."""
    app = application_of(request)
    with limits_of(request.app).verify_slot():
        outcome = app.execute(posted.request, integrity.verify, None)
    result = outcome.body
    if result.get("ok"):
        text = f"{labels.AUDIT['verified']}（{labels.AUDIT['verified_through']} " \
               f"{result.get('verified_through')}）"
        return redirect_with_flash(request, paths.AUDIT_CHECKPOINTS, text)
    text = f"{labels.AUDIT['verify_failed']}：{labels.AUDIT['first_bad_position']} " \
           f"{result.get('first_bad_position')}"
    return redirect_with_flash(request, paths.AUDIT_CHECKPOINTS, text, "error")

