"""A cycle's 红黄灯 reminders for its organizer and inspectors: those pending (with their retries)
and those that failed, with the last error — linked from the cycle's page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.auth import application_of
from api.console import paths
from api.console.web import ConsoleRoute, CurrentUser, render
from application.store.reminders import reminder_store
from application.usecases import audit as access

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get(f"{paths.CYCLES}/{{cycle_id}}/reminders")
def reminders_page(cycle_id: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    cycle = access.check_board_reader(app, user.principal, cycle_id)
    store = reminder_store(app.recorder)
    return render(request, "cycles/reminders.html", cycle=cycle,
                  reminders=store.of_cycle(cycle_id, ("failed", "pending")),
                  counts=store.counts(cycle_id))
