"""考核组织者 (the organizer; creating a cycle is pages/new_cycle.py): on the cycle page the
participants, panel, deadlines and phase changes; per participant the report's return,
scoring, veto, feedback, the plan's approval and the items' 销号 and extension; 定档 after a
confirmation page with the provisional results; the 整改台账 and the cycle's 督查提示.

Every write calls the use case the JSON API calls, then redirects (POST-redirect-GET)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.auth import application_of
from api.console import forms, labels, paths
from api.console.web import (
    ConsoleRoute,
    ConsoleUser,
    CurrentUser,
    FormPost,
    Posted,
    fresh_view,
    read_request,
    redirect,
    redirect_with_flash,
    render,
)
from application import lookups
from application.access import is_organizer, oversees_cycle
from application.app import LianpingApp, Outcome
from application.usecases import cycle_reading, cycles, participants, rectification
from application.usecases.audit import flags_in_scope
from application.usecases.standings import standings_rows
from domain import ids
from domain.cycle import PHASES, Cycle
from domain.deadlines import MAX_WARN_DAYS
from domain.errors import DomainError, ForbiddenError, ValidationError
from domain.organization import Organization
from domain.scheme import Scheme
from projections import finding, flags, lists
from projections import rectification as board_model
from projections.store import SnapshotReader

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

#: Problem rows of the feedback form.
PROBLEM_ROWS = 6
WORDS = labels.ORGANIZER


def _done(request: Request, app: LianpingApp, outcome: Outcome, url: str, key: str) -> Response:
    return redirect_with_flash(request, url, labels.DONE[key])


def _refused(request: Request, url: str, error: DomainError) -> Response:
    """A refused action from a small form on a bigger page: back to the page with the reason."""
    return redirect_with_flash(request, url, labels.error_message(error.code), "error")


# -- the cycle page's organizer tools --------------------------------------------------------

def cycle_tools(request: Request, user: ConsoleUser, cycle: Cycle,
                view: SnapshotReader | None = None) -> dict[str, Any]:
    """What the cycle page shows its organizer (empty for everyone else); ``view``: the finding
    read model the page already reads (else it is read here)."""
    if not is_organizer(user.principal, cycle):
        return {"organizing": None}
    if view is None:
        with fresh_view(request, finding.NAME) as found:
            return cycle_tools(request, user, cycle, found)
    children = lists.organizations(view, user.principal, parent_code=cycle.organizer_org,
                                   limit=500)["organizations"]
    names = {row["code"]: row["name"] for row in children}
    index = PHASES.index(cycle.phase)
    return {"organizing": {
        "candidates": [(r["code"], r["name"]) for r in children
                       if r["code"] not in cycle.participants],
        "participants": [(code, names.get(code, code)) for code in cycle.participants],
        "panel": list(cycle.panel),
        "next_phase": PHASES[index + 1] if index + 1 < len(PHASES) else None,
        "previous_phase": PHASES[index - 1] if index > 0 and not cycle.rehearsal_ended else None,
        "preparing": cycle.phase == "preparing",
        "deadlines": dict(cycle.deadlines),
        "warn_days": cycle.warn_days,
    }}


def _back(cycle_id: str) -> str:
    return paths.cycle(cycle_id)


def _act(request: Request, posted: Posted, url: str, key: str, usecase: Any,
         *args: Any) -> Response:
    app = application_of(request)
    try:
        outcome = app.execute(posted.request, usecase, *args)
    except DomainError as refused:
        if refused.kind in ("invalid", "conflict"):
            return _refused(request, url, refused)
        raise
    return _done(request, app, outcome, url, key)


@router.post("/cycles/{cycle_id}/participants")
def add_participant(cycle_id: str, request: Request, posted: FormPost) -> Response:
    return _act(request, posted, _back(cycle_id), "participant_added",
                cycles.add_participant, cycle_id, posted.get("org_code"))


@router.post("/cycles/{cycle_id}/participants/children")
def add_all_children(cycle_id: str, request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    with fresh_view(request, finding.NAME) as view:
        children = lists.organizations(view, posted.user.principal,
                                       parent_code=cycle.organizer_org, limit=500)
    codes = [row["code"] for row in children["organizations"]]
    return _act(request, posted, _back(cycle_id), "participants_added",
                cycles.add_participants, cycle_id, codes)


@router.post("/cycles/{cycle_id}/participants/{org_code}/removal")
def remove_participant(cycle_id: str, org_code: str, request: Request,
                       posted: FormPost) -> Response:
    return _act(request, posted, _back(cycle_id), "participant_removed",
                cycles.remove_participant, cycle_id, org_code, posted.optional("reason"))


@router.post("/cycles/{cycle_id}/panel")
def add_panel_member(cycle_id: str, request: Request, posted: FormPost) -> Response:
    return _act(request, posted, _back(cycle_id), "panel_added",
                cycles.add_panel_member, cycle_id, posted.get("account_id").strip())


@router.post("/cycles/{cycle_id}/panel/{account_id}/removal")
def remove_panel_member(cycle_id: str, account_id: str, request: Request,
                        posted: FormPost) -> Response:
    return _act(request, posted, _back(cycle_id), "panel_removed",
                cycles.remove_panel_member, cycle_id, account_id, posted.optional("reason"))


@router.post("/cycles/{cycle_id}/copy-from-previous")
def copy_from_previous(cycle_id: str, request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    url = _back(cycle_id)
    try:
        outcome = app.execute(posted.request, cycles.copy_from_previous, cycle_id,
                              bool(posted.get("participants")), bool(posted.get("panel")))
    except DomainError as refused:
        if refused.kind in ("invalid", "conflict"):
            return _refused(request, url, refused)
        raise
    left = "；".join(f"{x['code_or_account']}（{x['why_label']}）"
                    for x in outcome.body.get("left_out", []))
    text = labels.DONE["copied"] + (f"。{WORDS['left_out']}：{left}" if left else "")
    return redirect_with_flash(request, url, text)


@router.post("/cycles/{cycle_id}/deadlines")
def set_deadlines(cycle_id: str, request: Request, posted: FormPost) -> Response:
    errors: dict[str, str] = {}
    given = {k: forms.day(posted.get(k), k, errors) for k in labels.DEADLINES}
    warn = (posted.optional("warn_days") or "").strip()
    if warn and not (warn.isdigit() and int(warn) <= MAX_WARN_DAYS):
        errors["warn_days"] = labels.error_message("invalid_warn_days")
    if errors:
        return redirect_with_flash(request, _back(cycle_id), next(iter(errors.values())),
                                   "error")
    return _act(request, posted, _back(cycle_id), "deadlines_set", cycles.set_deadlines,
                cycle_id, {k: v for k, v in given.items() if v is not None},
                posted.optional("reason"), int(warn) if warn else None)


@router.get("/cycles/{cycle_id}/advance")
def confirm_advance(cycle_id: str, to: str, request: Request, user: CurrentUser) -> Response:
    cycle = cycle_reading.get_cycle(application_of(request), read_request(user), cycle_id)
    if to not in labels.PHASES:
        raise ValidationError("validation_error", "unknown phase")
    going_back = PHASES.index(to) < PHASES.index(cycle["phase"])
    return render(request, "organizing/advance.html", cycle=cycle, to=to,
                  going_back=going_back)


@router.post("/cycles/{cycle_id}/advance")
def advance(cycle_id: str, request: Request, posted: FormPost) -> Response:
    if posted.get("to") == "finalized":  # 定档 has its own confirmation with the results
        return redirect_with_flash(request, paths.finalize(cycle_id), WORDS["finalize_notice"],
                                   "info")
    return _act(request, posted, _back(cycle_id), "advanced", cycles.advance, cycle_id,
                posted.get("to"), posted.optional("reason"))


@router.get("/cycles/{cycle_id}/finalize")
def confirm_finalize(cycle_id: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    aggregate = lookups.cycle(app, cycle_id, read_only=True)
    if not is_organizer(user.principal, aggregate):
        raise ForbiddenError("organizer_required", "only the organizer finalizes")
    rows = standings_rows(app, aggregate, as_of=None)
    names = _org_names(app, [r["org_code"] for r in rows])
    return render(request, "organizing/finalize.html", cycle=aggregate, rows=rows,
                  names=names)


@router.post("/cycles/{cycle_id}/finalize")
def finalize(cycle_id: str, request: Request, posted: FormPost) -> Response:
    return _act(request, posted, paths.standings(cycle_id), "finalized", cycles.finalize,
                cycle_id)


def _org_names(app: LianpingApp, codes: list[str]) -> dict[str, str]:
    names = {}
    for code in codes:
        org = app.find(Organization, ids.org_id(code), read_only=True)
        names[code] = org.name if org else code
    return names


# -- one participant -------------------------------------------------------------------------------

@router.get("/cycles/{cycle_id}/participants/{org_code}/manage")
def manage_participant(cycle_id: str, org_code: str, request: Request,
                       user: CurrentUser) -> Response:
    app = application_of(request)
    cycle = lookups.participant(app, cycle_id, org_code)
    if not is_organizer(user.principal, cycle):
        raise ForbiddenError("organizer_required", "only the organizer manages a participant")
    found = participants.get_participant(app, read_request(user), cycle_id, org_code)
    scheme = Scheme.from_dict(cycle.scheme)
    scores = {s["indicator"]: s for s in found["scores"]}
    return render(
        request, "organizing/participant.html", cycle=cycle, p=found,
        org_name=_org_names(app, [org_code])[org_code], org_code=org_code,
        indicators=scheme.indicators, scores=scores, problem_rows=range(PROBLEM_ROWS),
        today=app.today().isoformat(),
    )


def _manage(cycle_id: str, org_code: str) -> str:
    return paths.manage(cycle_id, org_code)


@router.get("/cycles/{cycle_id}/participants/{org_code}/score")
def score_task(cycle_id: str, org_code: str, user: CurrentUser) -> Response:
    """我的待办's 考核评分 task: the scoring form on the participant's page."""
    return redirect(f"{_manage(cycle_id, org_code)}#scoring")


@router.get("/cycles/{cycle_id}/participants/{org_code}/feedback")
def feedback_task(cycle_id: str, org_code: str, user: CurrentUser) -> Response:
    """我的待办's 书面反馈 task: the feedback form on the participant's page."""
    return redirect(f"{_manage(cycle_id, org_code)}#feedback")


@router.post("/cycles/{cycle_id}/participants/{org_code}/return")
def return_report(cycle_id: str, org_code: str, request: Request, posted: FormPost) -> Response:
    return _act(request, posted, _manage(cycle_id, org_code), "report_returned",
                participants.return_report, cycle_id, org_code, posted.optional("reason"))


@router.post("/cycles/{cycle_id}/participants/{org_code}/score")
def score(cycle_id: str, org_code: str, request: Request, posted: FormPost) -> Response:
    try:
        points = Decimal(posted.get("points").strip())
    except InvalidOperation:
        return redirect_with_flash(request, _manage(cycle_id, org_code),
                                   labels.SCHEME_PROBLEMS["must be a number"], "error")
    return _act(request, posted, _manage(cycle_id, org_code), "scored", participants.score,
                cycle_id, org_code, posted.get("indicator"), points, posted.optional("note"),
                posted.optional("reason"))


@router.post("/cycles/{cycle_id}/participants/{org_code}/veto")
def veto(cycle_id: str, org_code: str, request: Request, posted: FormPost) -> Response:
    return _act(request, posted, _manage(cycle_id, org_code), "vetoed", cycles.veto, cycle_id,
                org_code, posted.optional("reason"))


@router.post("/cycles/{cycle_id}/participants/{org_code}/feedback")
def issue_feedback(cycle_id: str, org_code: str, request: Request,
                   posted: FormPost) -> Response:
    problems = []
    for index in range(PROBLEM_ROWS):
        code = posted.get(f"problem_code_{index}").strip()
        text = posted.get(f"problem_text_{index}").strip()
        if code or text:
            problems.append({"code": code, "description": text})
    if any(not p["code"] or not p["description"] for p in problems) or not posted.optional(
            "text"):
        return redirect_with_flash(request, _manage(cycle_id, org_code),
                                   labels.error_message("validation_error"), "error")
    return _act(request, posted, _manage(cycle_id, org_code), "feedback_issued",
                participants.issue_feedback, cycle_id, org_code, posted.get("text").strip(),
                problems)


@router.post("/cycles/{cycle_id}/participants/{org_code}/plan/approval")
def approve_plan(cycle_id: str, org_code: str, request: Request, posted: FormPost) -> Response:
    return _act(request, posted, _manage(cycle_id, org_code), "plan_approved",
                rectification.approve_plan, cycle_id, org_code)


@router.post("/cycles/{cycle_id}/participants/{org_code}/plan/return")
def return_plan(cycle_id: str, org_code: str, request: Request, posted: FormPost) -> Response:
    return _act(request, posted, _manage(cycle_id, org_code), "plan_returned",
                rectification.return_plan, cycle_id, org_code, posted.optional("reason"))


@router.post("/cycles/{cycle_id}/participants/{org_code}/plan/items/{item_id}/verification")
def verify_item(cycle_id: str, org_code: str, item_id: str, request: Request,
                posted: FormPost) -> Response:
    return _act(request, posted, _manage(cycle_id, org_code), "item_verified",
                rectification.verify_item, cycle_id, org_code, item_id,
                posted.get("accepted") == "yes", posted.get("note").strip())


@router.post("/cycles/{cycle_id}/participants/{org_code}/plan/items/{item_id}/extension")
def extend_item(cycle_id: str, org_code: str, item_id: str, request: Request,
                posted: FormPost) -> Response:
    errors: dict[str, str] = {}
    due = forms.day(posted.get("due_date"), "due_date", errors)
    if due is None:
        return redirect_with_flash(request, _manage(cycle_id, org_code),
                                   errors.get("due_date", labels.error_message(
                                       "validation_error")), "error")
    return _act(request, posted, _manage(cycle_id, org_code), "item_extended",
                rectification.extend_deadline, cycle_id, org_code, item_id, due,
                posted.optional("reason"))


# -- 整改台账 and 督查提示 ------------------------------------------------------------------

def _overseen(app: LianpingApp, user: ConsoleUser, cycle_id: str) -> Cycle:
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    if not oversees_cycle(app, user.principal, cycle):
        raise ForbiddenError("organizer_or_inspector", "organizers and inspectors only")
    return cycle


@router.get("/cycles/{cycle_id}/board")
def rectification_board(cycle_id: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    cycle = _overseen(app, user, cycle_id)
    with fresh_view(request, board_model.NAME) as view:
        board = board_model.board(view, cycle_id, app.today())
    return render(request, "organizing/board.html", cycle=cycle, board=board,
                  organizer=is_organizer(user.principal, cycle))


@router.get("/cycles/{cycle_id}/flags")
def cycle_flags(cycle_id: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    cycle = _overseen(app, user, cycle_id)
    with fresh_view(request, flags.NAME) as view:
        found = flags.cycle_flags(view, cycle_id, app.today(), app.tz)["flags"]
    found = flags_in_scope(app, user.principal, cycle, found)
    return render(request, "organizing/flags.html", cycle=cycle, flags=found)
