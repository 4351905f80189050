"""排名: a cycle's standings (the same use case as GET /cycles/{id}/standings) as a table, a bar
chart of the totals and the grade distribution, as of any moment (截至时间, read in the
configured time zone)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.auth import application_of
from api.console import charts, labels
from api.console.web import ConsoleRoute, CurrentUser, read_request, render
from application import lookups
from application.app import LianpingApp
from application.usecases import standings

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

AS_OF_FORMAT = "%Y-%m-%dT%H:%M"


def parse_as_of(app: LianpingApp, value: str | None) -> datetime | None:
    """A ``datetime-local`` value (``2026-11-28T10:00``) in the configured time zone; an ISO
    moment with an offset is taken as it is. Raises ValueError when it is neither."""
    if not value or not value.strip():
        return None
    moment = datetime.fromisoformat(value.strip())
    return moment.replace(tzinfo=app.tz) if moment.tzinfo is None else moment


@router.get("/cycles/{cycle_id}/standings")
def standings_page(
    cycle_id: str, request: Request, user: CurrentUser,
    as_of: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    app = application_of(request)
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    errors: dict[str, str] = {}
    try:
        moment = parse_as_of(app, as_of)
    except ValueError:
        moment = None
        errors["as_of"] = labels.error_message("invalid_as_of")
    found = standings.get_standings(app, read_request(user), cycle_id, moment)
    rows = found["rows"]
    return render(
        request, "standings.html", status_code=422 if errors else 200, errors=errors,
        cycle_id=cycle_id, title=cycle.title, standings=found, rows=rows,
        is_rehearsal=cycle.rehearsal, rehearsal_ended=cycle.rehearsal_ended is not None,
        as_of_value=moment.astimezone(app.tz).strftime(AS_OF_FORMAT) if moment else (as_of or ""),
        totals=charts.totals_chart(rows), distribution=charts.grade_distribution(rows),
    )
