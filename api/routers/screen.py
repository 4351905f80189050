"""The 大屏 hall screen of a cycle's 民主测评: its data (the organizer and inspectors with a token,
or anyone holding a live screen link's key `k`: read-only), revealing the per-participant tally
(once, recorded), and creating and revoking read-only screen links."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from api.auth import Application, Credentials, current_principal
from api.routers.deps import Writing, min_position, written
from api.routers.readmodels import view_position
from api.routing import OneHopRoute
from api.schemas.screen import RevealedOut, ScreenLinkOut, ScreenLinkRevokedOut, ScreenOut
from application.app import LianpingApp
from application.usecases import screen as hall
from projections import finding
from projections.screen import screen as screen_data
from projections.service import read_models

router = APIRouter(tags=["screen"], route_class=OneHopRoute)

#: X-Min-Position waits for the finding read model (the panel's progress comes from it).
FindingReached = Annotated[None, Depends(min_position(view_position(finding.NAME)))]
ScreenKey = Annotated[str | None, Query(
    max_length=100, description="a screen link's key: read-only, no token needed")]


def screen_answer(app: LianpingApp, viewer: hall.Viewer, cycle_id: str) -> dict[str, Any]:
    figures = hall.screen_figures(app, viewer, cycle_id)
    with read_models(app).read(finding.NAME) as view:
        return screen_data(view, figures, cycle_id)


@router.get("/cycles/{cycle_id}/screen", response_model=ScreenOut)
def get_screen(
    cycle_id: str, app: Application, credentials: Credentials, _: FindingReached,
    k: ScreenKey = None,
) -> dict[str, Any]:
    """The hall screen's data: 回收率 per ballot category, the panel's ratings recorded /
    expected, and — once revealed — the tally per participant (counts only). With `k` (a live
    screen link's key) no token is needed and the token is ignored; an unknown or revoked key
    is 404 `screen_link_not_found`."""
    viewer = hall.Viewer(key=k) if k is not None else hall.Viewer(
        principal=current_principal(app, credentials))
    return screen_answer(app, viewer, cycle_id)


@router.post("/cycles/{cycle_id}/tally-reveal", response_model=RevealedOut)
def reveal_tally(
    cycle_id: str, write: Writing, response: Response
) -> dict[str, Any]:
    """公布结果: show the per-participant tally on the hall screen (organizer; from `reviewing`
    on). Recorded once (`HallScreen.TallyRevealed`, with actor and time); again → 409
    `tally_revealed`."""
    return written(response, write.app.execute(write.request, hall.reveal_tally, cycle_id))


@router.post("/cycles/{cycle_id}/screen-links", status_code=201, response_model=ScreenLinkOut)
def create_screen_link(
    cycle_id: str, write: Writing, response: Response
) -> dict[str, Any]:
    """A read-only screen link for the hall's display (organizer): `path` opens the screen
    without signing in. The key is in this answer only: just its hash is stored."""
    return written(response, write.app.execute(write.request, hall.create_link, cycle_id))


@router.post("/cycles/{cycle_id}/screen-links/{link_id}/revocation",
             response_model=ScreenLinkRevokedOut)
def revoke_screen_link(
    cycle_id: str, link_id: str, write: Writing, response: Response
) -> dict[str, Any]:
    """Revoke a screen link (organizer): it opens nothing from now on."""
    return written(response, write.app.execute(write.request, hall.revoke_link, cycle_id, link_id))
