"""Read models served from projections: a cycle's rectification board and an org's record.
X-Min-Position waits for the view's own tracking position; bodies carry that position."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from api.auth import Application, application_of
from api.routers.deps import PositionSource, reader
from api.routing import OneHopRoute
from api.schemas.readmodels import BoardOut, RecordOut
from application.app import Request as AppRequest
from application.usecases import audit as access
from projections import records, rectification
from projections.service import read_models

router = APIRouter(tags=["read models"], route_class=OneHopRoute)


def view_position(name: str) -> PositionSource:
    """The position a read model reflects (for ``reader``'s X-Min-Position wait)."""

    def position(request: Request) -> int:
        return read_models(application_of(request)).position(name)

    return position


BoardReader = Annotated[AppRequest, Depends(reader(view_position(rectification.NAME)))]
RecordReader = Annotated[AppRequest, Depends(reader(view_position(records.NAME)))]


@router.get("/cycles/{cycle_id}/rectification", response_model=BoardOut)
def get_rectification_board(
    cycle_id: str, request: BoardReader, app: Application
) -> dict[str, Any]:
    """整改 board (organizer, inspectors): every item of the approved plans, `overdue` as of
    today in the service's timezone, and per org (every participant that received feedback
    problems, with or without a plan) its name, plan status and the share verified (销号).
    Each item's `light` (红黄灯): red overdue, yellow due within the cycle's warn_days, else
    green (verified items stay green)."""
    cycle = access.check_board_reader(app, request.principal, cycle_id)
    with read_models(app).read(rectification.NAME) as view:
        return rectification.board(view, cycle_id, app.today(), cycle.warn_days)


@router.get("/organizations/{code}/record", response_model=RecordOut)
def get_org_record(code: str, request: RecordReader, app: Application) -> dict[str, Any]:
    """An org's record over the cycles it took part in (admins, inspectors of its subtree, the
    organizer of its parent, its own secretary): frozen total, grade, rank, rectification."""
    access.check_record_reader(app, request.principal, code)
    with read_models(app).read(records.NAME) as view:
        return records.record(view, code)
