"""Standings of a cycle (organizer, inspectors): provisional until finalized, frozen after;
``as_of`` any past moment."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BeforeValidator

from api.auth import Application
from api.routers.deps import ReadRequest
from api.routing import OneHopRoute
from api.schemas.cycles import StandingsOut
from application.usecases import standings

router = APIRouter(tags=["read models"], route_class=OneHopRoute)
_SPACE_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")


def _plus_sign(value: object) -> object:
    """An unencoded ``+08:00`` arrives as `` 08:00`` (form decoding): take it back."""
    if isinstance(value, str):
        return _SPACE_OFFSET.sub(r"+\1", value)
    return value


AsOf = Annotated[
    AwareDatetime | None,
    BeforeValidator(_plus_sign),
    Query(description="ISO 8601 with offset or Z, e.g. 2026-11-28T10:00:00+08:00"),
]


@router.get("/cycles/{cycle_id}/standings", response_model=StandingsOut)
def get_standings(
    cycle_id: str, request: ReadRequest, app: Application, as_of: AsOf = None
) -> dict[str, Any]:
    return standings.get_standings(app, request, cycle_id, as_of)
