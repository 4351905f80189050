"""One participant of a cycle: its overview, report (述), reviews (评), scores (考), feedback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from api.auth import Application
from api.routers.deps import ReadRequest, Writing, etag, written
from api.routing import OneHopRoute
from api.schemas.common import error_responses
from api.schemas.participants import (
    FeedbackIn,
    FeedbackOut,
    ParticipantOut,
    ReasonIn,
    ReportIn,
    ReportOut,
    ReportReturnedOut,
    ReportVersionOut,
    ReviewIn,
    ReviewOut,
    ScoreIn,
    ScoreOut,
)
from application.usecases import participants

router = APIRouter(
    prefix="/cycles/{cycle_id}/participants/{org_code}", tags=["participants"],
    route_class=OneHopRoute,
)


def amended(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": "an amendment (the first one answers 201)"}}


@router.get("", response_model=ParticipantOut)
def get_participant(
    cycle_id: str, org_code: str, request: ReadRequest, app: Application
) -> dict[str, Any]:
    """Organizer, inspectors and the org's own secretary; the secretary sees reviewers as
    评议人1, 评议人2 …"""
    return participants.get_participant(app, request, cycle_id, org_code)


@router.post("/report", status_code=201, response_model=ReportVersionOut)
def submit_report(
    cycle_id: str, org_code: str, body: ReportIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Submit the 述职报告 (secretary); every submission is a new version."""
    outcome = write.app.execute(
        write.request, participants.submit_report, cycle_id, org_code, body.model_dump()
    )
    return written(response, outcome)


@router.get("/report", response_model=ReportOut, responses=error_responses(404))
def get_report(
    cycle_id: str, org_code: str, request: ReadRequest, app: Application, response: Response,
    version: Annotated[int | None, Query(ge=1, description="latest when omitted")] = None,
) -> dict[str, Any]:
    view, item_version = participants.get_report(app, request, cycle_id, org_code, version)
    etag(response, item_version)
    return view


@router.post("/report/return", response_model=ReportReturnedOut)
def return_report(
    cycle_id: str, org_code: str, body: ReasonIn, write: Writing, response: Response
) -> dict[str, Any]:
    """退回修改 (organizer, with a reason)."""
    outcome = write.app.execute(
        write.request, participants.return_report, cycle_id, org_code, body.reason
    )
    return written(response, outcome)


@router.post("/reviews", status_code=201, response_model=ReviewOut, responses=amended(ReviewOut))
def review(
    cycle_id: str, org_code: str, body: ReviewIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Rate the participant (panel member); a second rating amends the first and needs a reason."""
    outcome = write.app.execute(
        write.request, participants.rate, cycle_id, org_code, body.rating, body.comment,
        body.reason,
    )
    return written(response, outcome)


@router.post("/scores", status_code=201, response_model=ScoreOut, responses=amended(ScoreOut))
def score(
    cycle_id: str, org_code: str, body: ScoreIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Score one indicator (organizer); re-scoring amends it and needs a reason."""
    outcome = write.app.execute(
        write.request, participants.score, cycle_id, org_code, body.indicator, body.points,
        body.note, body.reason,
    )
    return written(response, outcome)


@router.post("/feedback", status_code=201, response_model=FeedbackOut)
def issue_feedback(
    cycle_id: str, org_code: str, body: FeedbackIn, write: Writing, response: Response
) -> dict[str, Any]:
    """书面反馈 with its 问题清单 (organizer, once finalized)."""
    problems = [problem.model_dump() for problem in body.problems]
    outcome = write.app.execute(
        write.request, participants.issue_feedback, cycle_id, org_code, body.text, problems
    )
    return written(response, outcome)
