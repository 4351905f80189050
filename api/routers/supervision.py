"""After the results: 约谈 (talks), 督办 (supervision orders) and feedback amendments."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Application
from api.routers.deps import Writing, reader, written
from api.routers.readmodels import view_position
from api.routing import OneHopRoute
from api.schemas.common import Code, IsoDate, Name, Note, Reason, Strict, Text, Title
from api.schemas.finding import FilterCode, Limit
from api.schemas.participants import FeedbackOut, ProblemIn
from application import lookups
from application.access.supervision import (
    order_readers_scope,
    person_record_filter,
    require_coverage_reader,
)
from application.app import Request as AppRequest
from application.paging import cap_page
from application.usecases import supervision
from projections import coverage, finding, records
from projections.service import read_models
from projections.supervision import list_orders

router = APIRouter(tags=["supervision"], route_class=OneHopRoute)
PARTICIPANT = "/cycles/{cycle_id}/participants/{org_code}"

OrdersReader = Annotated[AppRequest, Depends(reader(view_position(finding.NAME)))]
RecordReader = Annotated[AppRequest, Depends(reader(view_position(records.NAME)))]


class TalkIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"scheduled_for": "2027-01-10", "with_name": "丙县书记", "reason": "年度考核等次为一般"},
    ]})
    scheduled_for: IsoDate
    with_name: Name
    reason: Reason | None = None


class TalkOut(BaseModel):
    talk_id: str


class TalkRecordIn(Strict):
    held_on: IsoDate
    held_by: Name
    notes: Text


class TalkRecordOut(BaseModel):
    talk_id: str
    held_on: str


class AmendmentIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"problems": [{"code": "P1", "description": "软弱涣散村党组织整顿不到位"}],
         "reason": "问题表述有误，予以更正"},
    ]})
    text: Text | None = None
    problems: list[ProblemIn] | None = Field(default=None, max_length=200)
    reason: Reason | None = None


class OrderIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "org_code": "jz-yc", "cycle_id": "jz-2026", "subject": "整改事项逾期督办",
        "requirement": "请于期限内完成整改并书面报告", "due_date": "2027-02-01",
    }]})
    org_code: Code
    cycle_id: Code | None = None
    subject: Title
    requirement: Text
    due_date: IsoDate


class OrderCreatedOut(BaseModel):
    order_id: str


class ResponseIn(Strict):
    text: Text


class ClosureIn(Strict):
    accepted: bool
    note: Note | None = None


class OrderStatusOut(BaseModel):
    order_id: str
    status: str


class OrderResponseOut(BaseModel):
    text: str
    at: str
    by: str | None


class OrderOut(BaseModel):
    order_id: str
    org_code: str
    cycle_id: str | None
    issuer_org: str
    subject: str
    due_date: str
    status: Literal["open", "answered", "closed"]
    overdue: bool
    light: Literal["green", "yellow", "red"] = Field(
        default="green", description="红黄灯 as of today (closed orders stay green)")
    responses: list[OrderResponseOut]


class OrdersOut(BaseModel):
    position: int
    orders: list[OrderOut]
    next_after: int | None


@router.post(PARTICIPANT + "/talks", status_code=201, response_model=TalkOut)
def schedule_talk(
    cycle_id: str, org_code: str, body: TalkIn, write: Writing, response: Response
) -> dict[str, Any]:
    """约谈 a participant graded 一般/差 in a finalized cycle (organizer, or an inspector over the
    organizer org). 409 `results_not_final` before finalization, `talk_not_required` for
    好/较好, `reason_required` without a reason."""
    outcome = write.app.execute(
        write.request, supervision.schedule_talk, cycle_id, org_code,
        body.scheduled_for.isoformat(), body.with_name, body.reason,
    )
    return written(response, outcome)


@router.post(PARTICIPANT + "/talks/{talk_id}/record", response_model=TalkRecordOut)
def record_talk(
    cycle_id: str, org_code: str, talk_id: str, body: TalkRecordIn, write: Writing,
    response: Response,
) -> dict[str, Any]:
    """Record that the talk was held (date not in the future, by whom, notes); once."""
    outcome = write.app.execute(
        write.request, supervision.record_talk, cycle_id, org_code, talk_id,
        body.held_on.isoformat(), body.held_by, body.notes,
    )
    return written(response, outcome)


@router.post(PARTICIPANT + "/feedback/amendment", response_model=FeedbackOut)
def amend_feedback(
    cycle_id: str, org_code: str, body: AmendmentIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Amend the 书面反馈 (organizer, with a reason) until the participant's plan is approved
    (409 `plan_already_approved`); removing a problem a submitted plan cites → 409
    `problem_in_use` (return the plan first)."""
    problems = None if body.problems is None else [p.model_dump() for p in body.problems]
    outcome = write.app.execute(
        write.request, supervision.amend_feedback, cycle_id, org_code, body.text, problems,
        body.reason,
    )
    return written(response, outcome)


@router.post("/supervision/orders", status_code=201, response_model=OrderCreatedOut)
def issue_order(
    body: OrderIn, write: Writing, response: Response
) -> dict[str, Any]:
    """督办 (an inspector, to an org in their scope; the due date not in the past)."""
    outcome = write.app.execute(
        write.request, supervision.issue_order, body.org_code, body.cycle_id, body.subject,
        body.requirement, body.due_date.isoformat(),
    )
    return written(response, outcome)


@router.post("/supervision/orders/{order_id}/response", response_model=OrderStatusOut)
def respond_to_order(
    order_id: str, body: ResponseIn, write: Writing, response: Response
) -> dict[str, Any]:
    """The org's secretary answers an open order (409 `order_not_open` otherwise)."""
    outcome = write.app.execute(write.request, supervision.respond_to_order, order_id, body.text)
    return written(response, outcome)


@router.post("/supervision/orders/{order_id}/closure", response_model=OrderStatusOut)
def close_order(
    order_id: str, body: ClosureIn, write: Writing, response: Response
) -> dict[str, Any]:
    """An inspector whose scope contains the issuer's org closes an answered order
    (`accepted: true`) or sends it back (`accepted: false`, a note required): open again."""
    outcome = write.app.execute(
        write.request, supervision.close_order, order_id, body.accepted, body.note
    )
    return written(response, outcome)


@router.get("/supervision/orders", response_model=OrdersOut)
def get_orders(
    request: OrdersReader, app: Application,
    org_code: FilterCode = None,
    status: Annotated[Literal["open", "answered", "closed"] | None, Query()] = None,
    after: Annotated[int, Query(ge=0, description="next_after of the previous page")] = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    """督办 orders within the caller's scope (inspectors and admins: their subtrees; secretaries:
    their own org's), in issue order; `org_code` narrows to that org's subtree; `overdue` as of
    today (past due and not closed)."""
    everything, subtrees, own = order_readers_scope(request.principal)
    with read_models(app).read(finding.NAME) as view:
        rows = list_orders(view, everything, subtrees, own, org_code, status, after, limit,
                           app.today())
        position = view.position
    page, more = cap_page(rows, limit, app.settings.max_page_bytes)
    return {
        "position": position,
        "orders": page,
        "next_after": page[-1]["position"] if more else None,
    }


class PersonCycleOut(BaseModel):
    cycle_id: str
    year: int
    org_code: str
    org_name: str | None
    total: str | None
    grade: str | None
    grade_label: str | None
    rank: int | None
    rectification_completion: str | None


class PersonRecordOut(BaseModel):
    account_id: str
    name: str
    position: int
    cycles: list[PersonCycleOut]


@router.get("/people/{account_id}/record", response_model=PersonRecordOut, tags=["read models"])
def get_person_record(account_id: str, request: RecordReader, app: Application) -> dict[str, Any]:
    """A person's record (考核档案): every cycle where they reported as the appointed secretary,
    across orgs and years, with the frozen total, grade, rank and rectification completion.
    For the person, the global admin, and inspectors and admins (the rows of orgs in their
    subtrees; the rest is left out)."""
    shows = person_record_filter(app, request.principal, account_id)
    account = lookups.account(app, account_id)
    with read_models(app).read(records.NAME) as view:
        cycles = records.person_cycles(view, account_id)
        position = view.position
    return {
        "account_id": account_id, "name": account.name, "position": position,
        "cycles": [row for row in cycles if shows(row["org_code"])],
    }


class Counts(BaseModel):
    submitted: int
    expected: int


class PlanCounts(BaseModel):
    approved: int
    expected: int = Field(description="participants that received feedback problems")


class CoverageChildOut(BaseModel):
    code: str
    name: str
    cycle_id: str | None = Field(description="the child's own cycle that year; null: none run")
    phase: str | None
    reports: Counts
    finalized: bool
    plans: PlanCounts
    items_overdue: int


class CoverageOut(BaseModel):
    org_code: str
    year: int
    position: int
    children: list[CoverageChildOut]


@router.get("/organizations/{code}/coverage", response_model=CoverageOut,
            tags=["read models"])
def get_coverage(
    code: str, request: OrdersReader, app: Application,
    year: Annotated[int, Query(ge=1900, le=9999)],
) -> dict[str, Any]:
    """一级抓一级: for each direct child of the org, whether it ran its own cycle for its
    children in `year`, its phase, reports submitted (current, not returned) / expected
    (participants), finalized, plans approved / expected (participants given feedback
    problems) and overdue items (as of today). Organizers and inspectors whose scope contains
    the org, its admins."""
    lookups.org(app, code)
    require_coverage_reader(app, request.principal, code)
    with read_models(app).read(finding.NAME) as view:
        return coverage.coverage(view, code, year, app.today())
