"""模拟测评（演练）: the organizer's 结束演练 on a rehearsal's cycle page (with a reason). The
create form's checkbox and the 演练 badges live with the pages they are on."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.console import paths
from api.console.pages.organizing import _act
from api.console.web import ConsoleRoute, FormPost
from application.usecases import rehearsals

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.post("/cycles/{cycle_id}/end-rehearsal")
def end_rehearsal(cycle_id: str, request: Request, posted: FormPost) -> Response:
    return _act(request, posted, paths.cycle(cycle_id), "rehearsal_ended",
                rehearsals.end_rehearsal, cycle_id, posted.optional("reason"))
