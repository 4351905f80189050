"""督查督办: the inspectors' 督办 board (orders in scope, filters, issuing, 通过 / 退回), the
secretaries' orders to answer, 一级抓一级 coverage of an org's children for a year, 约谈 with a
participant (schedule and record), and a person's 考核档案.

Every write calls the use case the JSON API calls, then redirects (POST-redirect-GET)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.auth import application_of
from api.console import labels, paths
from api.console.web import (
    ConsoleRoute,
    ConsoleUser,
    CurrentUser,
    FormPost,
    Posted,
    fresh_view,
    read_request,
    redirect_with_flash,
    render,
)
from application import lookups
from application.access.scope import in_scope, inspects_org
from application.access.supervision import (
    order_readers_scope,
    person_record_filter,
    require_coverage_reader,
    require_talk_holder,
)
from application.app import LianpingApp, Outcome
from application.usecases import supervision
from domain import ids
from domain.errors import DomainError, ForbiddenError, NotFoundError
from domain.organization import Organization
from domain.supervision import SupervisionOrder, Talk
from projections import coverage, finding, lists, records
from projections import supervision as orders_model

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

BOARD_LIMIT = 200
STATUSES = ("open", "answered", "closed")


def _done(request: Request, app: LianpingApp, outcome: Outcome, url: str, key: str) -> Response:
    return redirect_with_flash(request, url, labels.DONE[key])


def _act(request: Request, posted: Posted, url: str, key: str, usecase: Any,
         *args: Any) -> Response:
    """A small form's write: a refusal of the input or the state goes back to ``url`` with its
    reason; a refusal of the person is the error page."""
    app = application_of(request)
    try:
        outcome = app.execute(posted.request, usecase, *args)
    except DomainError as refused:
        if refused.kind in ("invalid", "conflict"):
            return redirect_with_flash(request, url, labels.error_message(refused.code), "error")
        raise
    return _done(request, app, outcome, url, key)


def _names(app: LianpingApp, codes: list[str]) -> dict[str, str]:
    names = {}
    for code in dict.fromkeys(codes):
        org = app.find(Organization, ids.org_id(code), read_only=True)
        names[code] = org.name if org else code
    return names


# -- the 督办 board ----------------------------------------------------------------------------

def _issuable_orgs(request: Request, user: ConsoleUser) -> list[tuple[str, str]]:
    """The orgs an inspector may send an order to: their scopes and everything below."""
    app = application_of(request)
    scopes = user.principal.scoped_roles("inspector")
    if not scopes:
        return []
    with fresh_view(request, finding.NAME) as view:
        found = lists.organizations(view, user.principal, limit=500)["organizations"]
    return [(row["code"], row["name"]) for row in found if in_scope(app, scopes, row["code"])]


def _cycles(request: Request, user: ConsoleUser) -> list[tuple[str, str]]:
    app = application_of(request)
    with fresh_view(request, finding.NAME) as view:
        found = lists.cycles(view, app, user.principal, limit=100, after=None)["cycles"]
    return [(c["cycle_id"], f"{c['title']}（{c['year']}）") for c in found]


@router.get(paths.SUPERVISION)
def board(request: Request, user: CurrentUser, org_code: str = "",
          status: str = "") -> Response:
    app = application_of(request)
    everything, subtrees, own = order_readers_scope(user.principal)
    if not (everything or subtrees or own):
        raise ForbiddenError("inspector_required", "orders are for inspectors and secretaries")
    wanted = status if status in STATUSES else None
    with fresh_view(request, finding.NAME) as view:
        rows = orders_model.list_orders(view, everything, subtrees, own, org_code or None,
                                        wanted, 0, BOARD_LIMIT, app.today())
    rows = rows[:BOARD_LIMIT]
    issuable = _issuable_orgs(request, user)
    names = _names(app, [r["org_code"] for r in rows] + [r["issuer_org"] for r in rows])
    names.update(dict(issuable))
    return render(
        request, "supervision/board.html", orders=rows, names=names, issuable=issuable,
        cycles=_cycles(request, user) if issuable else [], org_code=org_code, status=wanted or "",
        statuses=[(s, labels.ORDER_STATUSES[s]) for s in STATUSES],
        to_answer=[r for r in rows if r["org_code"] in own and r["status"] == "open"],
        today=app.today().isoformat(), year=app.today().year, form={}, errors={},
    )


@router.post(paths.ORDERS)
def issue_order(request: Request, posted: FormPost) -> Response:
    errors: dict[str, str] = {}
    for field in ("org_code", "subject", "requirement", "due_date"):
        if not posted.optional(field):
            errors[field] = labels.error_message("validation_error")
    due = posted.get("due_date").strip()
    try:
        date.fromisoformat(due)
    except ValueError:
        errors.setdefault("due_date", "日期格式不正确")
    if errors:
        return redirect_with_flash(request, paths.SUPERVISION, next(iter(errors.values())),
                                   "error")
    app = application_of(request)
    try:
        outcome = app.execute(
            posted.request, supervision.issue_order, posted.get("org_code").strip(),
            posted.optional("cycle_id"), posted.get("subject").strip(),
            posted.get("requirement").strip(), due,
        )
    except DomainError as refused:
        if refused.kind in ("invalid", "conflict", "not_found"):
            return redirect_with_flash(request, paths.SUPERVISION,
                                       labels.error_message(refused.code), "error")
        raise
    return _done(request, app, outcome, paths.order(outcome.body["order_id"]), "order_issued")


# -- one order -------------------------------------------------------------------------------

def _readable_order(app: LianpingApp, user: ConsoleUser, order_id: str) -> SupervisionOrder:
    try:
        found = app.find(SupervisionOrder, UUID(order_id), read_only=True)
    except ValueError:
        found = None
    if found is None:
        raise NotFoundError("unknown_order", f"no supervision order {order_id!r}")
    everything, subtrees, own = order_readers_scope(user.principal)
    if not (everything or found.org_code in own or in_scope(app, subtrees, found.org_code)):
        raise ForbiddenError("outside_scope", "this order is outside the caller's scope")
    return found


@router.get(paths.ORDERS + "/{order_id}")
def order_page(order_id: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    order = _readable_order(app, user, order_id)
    with fresh_view(request, finding.NAME) as view:
        row = orders_model.order_row(view, order_id, app.today())
    responses = row["responses"] if row else []
    return render(
        request, "supervision/order.html", order=order, order_id=order_id,
        overdue=bool(row and row["overdue"]), responses=responses,
        names=_names(app, [order.org_code, order.issuer_org]),
        answers=user.principal.has("secretary", order.org_code),
        closes=inspects_org(app, user.principal, order.issuer_org),
    )


@router.get(paths.ORDERS + "/{order_id}/response")
def answer_task(order_id: str, request: Request, user: CurrentUser) -> Response:
    """我的待办's 答复督办 task (its API path): the order's page."""
    return order_page(order_id, request, user)


@router.post(paths.ORDERS + "/{order_id}/response")
def respond(order_id: str, request: Request, posted: FormPost) -> Response:
    url = paths.order(order_id)
    text = posted.get("text").strip()
    if not text:
        return redirect_with_flash(request, url, labels.error_message("validation_error"),
                                   "error")
    return _act(request, posted, url, "order_answered", supervision.respond_to_order,
                order_id, text)


@router.post(paths.ORDERS + "/{order_id}/closure")
def close(order_id: str, request: Request, posted: FormPost) -> Response:
    accepted = posted.get("accepted") == "yes"
    return _act(request, posted, paths.order(order_id),
                "order_closed" if accepted else "order_sent_back", supervision.close_order,
                order_id, accepted, posted.optional("note"))


# -- 一级抓一级 ------------------------------------------------------------------------------

@router.get("/organizations/{code}/coverage")
def coverage_page(code: str, request: Request, user: CurrentUser,
                  year: int | None = None) -> Response:
    app = application_of(request)
    org = lookups.org(app, code)
    require_coverage_reader(app, user.principal, code)
    shown = year if year is not None and 1900 <= year <= 9999 else app.today().year
    with fresh_view(request, finding.NAME) as view:
        found = coverage.coverage(view, code, shown, app.today())
    return render(request, "supervision/coverage.html", org=org, code=code, year=shown,
                  children=found["children"])


# -- 约谈 -----------------------------------------------------------------------------------

@router.get("/cycles/{cycle_id}/participants/{org_code}/talks")
def talks_page(cycle_id: str, org_code: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    cycle = lookups.participant(app, cycle_id, org_code)
    require_talk_holder(app, user.principal, cycle)
    with fresh_view(request, finding.NAME) as view:
        rows = orders_model.participant_talks(view, cycle_id, org_code)
    talks = []
    for row in rows:
        talk = app.find(Talk, UUID(row["talk_id"]), read_only=True)
        talks.append({**row, "with_name": talk.with_name if talk else "",
                      "reason": talk.reason if talk else None,
                      "held": talk.held if talk else None})
    return render(request, "supervision/talks.html", cycle=cycle, org_code=org_code,
                  org_name=_names(app, [org_code])[org_code], talks=talks,
                  today=app.today().isoformat())


@router.post("/cycles/{cycle_id}/participants/{org_code}/talks")
def schedule_talk(cycle_id: str, org_code: str, request: Request, posted: FormPost) -> Response:
    url = paths.talks(cycle_id, org_code)
    when, with_name = posted.get("scheduled_for").strip(), posted.get("with_name").strip()
    try:
        date.fromisoformat(when)
    except ValueError:
        return redirect_with_flash(request, url, "日期格式不正确", "error")
    if not with_name:
        return redirect_with_flash(request, url, labels.error_message("validation_error"),
                                   "error")
    return _act(request, posted, url, "talk_scheduled", supervision.schedule_talk, cycle_id,
                org_code, when, with_name, posted.optional("reason"))


@router.post("/cycles/{cycle_id}/participants/{org_code}/talks/{talk_id}/record")
def record_talk(cycle_id: str, org_code: str, talk_id: str, request: Request,
                posted: FormPost) -> Response:
    url = paths.talks(cycle_id, org_code)
    held_on = posted.get("held_on").strip()
    try:
        date.fromisoformat(held_on)
    except ValueError:
        return redirect_with_flash(request, url, "日期格式不正确", "error")
    if not posted.optional("held_by") or not posted.optional("notes"):
        return redirect_with_flash(request, url, labels.error_message("validation_error"),
                                   "error")
    return _act(request, posted, url, "talk_recorded", supervision.record_talk, cycle_id,
                org_code, talk_id, held_on, posted.get("held_by").strip(),
                posted.get("notes").strip())


# -- 考核档案 --------------------------------------------------------------------------------

@router.get("/people/{account_id}")
def person_page(account_id: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    shows = person_record_filter(app, read_request(user).principal, account_id)
    account = lookups.account(app, account_id)
    with fresh_view(request, records.NAME) as view:
        rows = [r for r in records.person_cycles(view, account_id) if shows(r["org_code"])]
    return render(request, "supervision/person.html", account_id=account_id,
                  name=account.name, cycles=rows)
