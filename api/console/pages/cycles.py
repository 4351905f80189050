"""考核周期: the cycles the person may read (each linked by its title) and a cycle's page (phase,
deadlines, scheme summary, participants with the dashboard columns, a link 排名 to the
standings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.auth import application_of
from api.console import labels
from api.console.pages import organizing
from api.console.web import ConsoleRoute, CurrentUser, fresh_view, read_request, render
from api.schemas.finding import Cursor
from application import lookups
from application.access.cycles import oversees_cycle
from application.store.reminders import reminder_store
from application.usecases import cycle_reading
from domain import ids
from domain.organization import Organization
from projections import dashboard, finding, lists

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

PAGE_SIZE = 50


@router.get("/cycles")
def cycle_list(
    request: Request, user: CurrentUser,
    year: Annotated[str | None, Query(max_length=4)] = None,
    phase: Annotated[str | None, Query(max_length=20)] = None,
    after: Cursor = None,
) -> Response:
    app = application_of(request)
    chosen_year = int(year) if year and year.isdigit() else None
    chosen_phase = phase if phase in labels.PHASES else None
    with fresh_view(request, finding.NAME) as view:
        found = lists.cycles(view, app, user.principal, year=chosen_year, phase=chosen_phase,
                             limit=PAGE_SIZE, after=after)
    return render(request, "cycles/list.html", cycles=found["cycles"],
                  next_after=found["next_after"], year=chosen_year or "",
                  phase=chosen_phase or "")


def percent(value: Any) -> str:
    share = Decimal(str(value)) * 100
    return f"{share.normalize():f}%"


@router.get("/cycles/{cycle_id}")
def cycle_page(cycle_id: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    cycle = cycle_reading.get_cycle(app, read_request(user), cycle_id)
    aggregate = lookups.cycle(app, cycle_id, read_only=True)
    with fresh_view(request, finding.NAME) as view:
        board = dashboard.dashboard(view, app, user.principal, cycle_id)["participants"]
        tools = organizing.cycle_tools(request, user, aggregate, view)
    organizer = app.find(Organization, ids.org_id(cycle["organizer_org"]), read_only=True)
    return render(
        request, "cycles/cycle.html", cycle=cycle, board=board,
        oversees=oversees_cycle(app, user.principal, aggregate),
        panel_member=aggregate.is_panel_member(user.principal.account_id),
        organizer_name=organizer.name if organizer else cycle["organizer_org"],
        full_board=any("ratings" in row for row in board), percent=percent,
        reminders=reminder_store(app.recorder).counts(cycle_id)
        if oversees_cycle(app, user.principal, aggregate) else None,
        **tools,
    )
