"""整改: a participant's rectification plan and its items."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.routers.deps import Writing, written
from api.routing import OneHopRoute
from api.schemas.cycles import EmptyIn
from api.schemas.participants import (
    CompletionIn,
    ExtensionIn,
    PlanIn,
    PlanWrittenOut,
    ProgressIn,
    ReasonIn,
    VerificationIn,
)
from application.usecases import rectification

router = APIRouter(
    prefix="/cycles/{cycle_id}/participants/{org_code}/rectification", tags=["rectification"],
    route_class=OneHopRoute,
)


@router.post("/plan", status_code=201, response_model=PlanWrittenOut)
def submit_plan(
    cycle_id: str, org_code: str, body: PlanIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Submit (or resubmit) the 整改方案 (secretary); due dates must not lie in the past."""
    items = [item.model_dump(mode="json") for item in body.items]
    outcome = write.app.execute(write.request, rectification.submit_plan, cycle_id, org_code, items)
    return written(response, outcome)


@router.post("/plan/approve", response_model=PlanWrittenOut)
def approve_plan(
    cycle_id: str, org_code: str, write: Writing, response: Response,
    body: EmptyIn | None = None,
) -> dict[str, Any]:
    return written(
        response, write.app.execute(write.request, rectification.approve_plan, cycle_id, org_code)
    )


@router.post("/plan/return", response_model=PlanWrittenOut)
def return_plan(
    cycle_id: str, org_code: str, body: ReasonIn, write: Writing, response: Response
) -> dict[str, Any]:
    outcome = write.app.execute(
        write.request, rectification.return_plan, cycle_id, org_code, body.reason
    )
    return written(response, outcome)


@router.post("/items/{item_id}/progress", response_model=PlanWrittenOut)
def report_progress(
    cycle_id: str, org_code: str, item_id: str, body: ProgressIn, write: Writing, response: Response
) -> dict[str, Any]:
    outcome = write.app.execute(
        write.request, rectification.report_progress, cycle_id, org_code, item_id, body.note,
        body.percent,
    )
    return written(response, outcome)


@router.post("/items/{item_id}/completion", response_model=PlanWrittenOut)
def claim_completion(
    cycle_id: str, org_code: str, item_id: str, body: CompletionIn, write: Writing,
    response: Response,
) -> dict[str, Any]:
    outcome = write.app.execute(
        write.request, rectification.claim_completion, cycle_id, org_code, item_id, body.evidence
    )
    return written(response, outcome)


@router.post("/items/{item_id}/verification", response_model=PlanWrittenOut)
def verify_item(
    cycle_id: str, org_code: str, item_id: str, body: VerificationIn, write: Writing,
    response: Response,
) -> dict[str, Any]:
    """销号 (accepted) or reject the completion claim (organizer)."""
    outcome = write.app.execute(
        write.request, rectification.verify_item, cycle_id, org_code, item_id, body.accepted,
        body.note,
    )
    return written(response, outcome)


@router.post("/items/{item_id}/extension", response_model=PlanWrittenOut)
def extend_deadline(
    cycle_id: str, org_code: str, item_id: str, body: ExtensionIn, write: Writing,
    response: Response,
) -> dict[str, Any]:
    """Move an item's deadline later (organizer, with a reason)."""
    outcome = write.app.execute(
        write.request, rectification.extend_deadline, cycle_id, org_code, item_id, body.due_date,
        body.reason,
    )
    return written(response, outcome)
