"""The 大屏 hall screen ``/screen/{cycle_id}`` (1920×1080, large type, no outside assets): for the
signed-in organizer and inspectors, or — read-only, without signing in — for whoever holds a live
screen link (``?k=<key>``). The page is complete as served (a meta refresh every 10 s without
script); /static/screen.js fetches ``/screen/{id}/data`` every 2 s while the cycle is
``reviewing`` and updates the figures in place.

On the 民主测评 page the organizer reveals the tally (公布结果, once, confirmed by a check box)
and creates and revokes the read-only links."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from api.auth import application_of
from api.console import labels, paths
from api.console.ballot import base_url
from api.console.pages.ballots import error_status
from api.console.pages.ballots import page as ballots_page
from api.console.web import (
    SESSION_COOKIE,
    ConsoleRoute,
    FormPost,
    PasswordChangeRequired,
    SignInRequired,
    redirect_with_flash,
    render,
    set_cookie,
    signed_in_user,
)
from api.routers.screen import screen_answer
from application.app import LianpingApp
from application.usecases import screen as hall
from application.usecases import sessions
from domain.errors import DomainError
from domain.scheme import GRADES

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
WORDS = labels.SCREEN
#: Seconds between updates while the cycle is reviewing (the script), and without script.
LIVE_EVERY, QUIET_EVERY, NO_SCRIPT_EVERY = 2, 10, 10


def _viewer(request: Request, key: str | None) -> hall.Viewer:
    """A link's key, else the signed-in person (else the sign-in page)."""
    if key is not None:
        return hall.Viewer(key=key)
    user = signed_in_user(request)
    if user is None:
        raise SignInRequired()
    if user.must_change_password:
        raise PasswordChangeRequired()
    return hall.Viewer(principal=user.principal)


def _clock(app: LianpingApp) -> str:
    """The time of the figures, on the server's clock in the configured zone."""
    return app.now().astimezone(app.tz).strftime("%H:%M:%S")


def percent(rate: str | None) -> str:
    return "—" if rate is None else f"{float(rate) * 100:.1f}%"


@router.get("/screen/{cycle_id}")
def screen_page(cycle_id: str, request: Request, k: str | None = None) -> Response:
    app = application_of(request)
    data = screen_answer(app, _viewer(request, k), cycle_id)
    tally = data["tally"] or []
    widest = max([sum(row[g] for g in GRADES) for row in tally] or [0])
    return render(request, "screen/screen.html", data=data, W=WORDS, grades=GRADES,
                  percent=percent, widest=widest, source=paths.screen_data(cycle_id, k),
                  live_every=LIVE_EVERY, quiet_every=QUIET_EVERY,
                  no_script_every=NO_SCRIPT_EVERY,
                  updated=_clock(app))


@router.get("/screen/{cycle_id}/data")
def screen_json(cycle_id: str, request: Request, k: str | None = None) -> Response:
    app = application_of(request)
    viewer = _viewer(request, k)
    data = {**screen_answer(app, viewer, cycle_id), "updated": _clock(app)}
    response = JSONResponse(data, headers={"Cache-Control": "no-store"})
    user = signed_in_user(request) if k is None else None
    if user is not None:  # a screen left open keeps its session, as a page view does
        set_cookie(request, response, SESSION_COOKIE, user.session_id,
                   int(sessions.IDLE_TIMEOUT.total_seconds()))
    return response


# -- the organizer's controls (on the 民主测评 page) ----------------------------------------------


@router.post("/cycles/{cycle_id}/ballots/reveal")
def reveal(cycle_id: str, request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    url = paths.ballots(cycle_id) + "#screen"
    if not posted.get("confirm"):
        return redirect_with_flash(request, url, WORDS["reveal_confirm"], "error")
    try:
        app.execute(posted.request, hall.reveal_tally, cycle_id)
    except DomainError as error:
        return redirect_with_flash(request, url, labels.error_message(error.code), "error")
    return redirect_with_flash(request, url, WORDS["revealed"])


@router.post("/cycles/{cycle_id}/ballots/screen-links")
def create_link(cycle_id: str, request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    try:
        outcome = app.execute(posted.request, hall.create_link, cycle_id)
    except DomainError as error:
        return ballots_page(request, app, posted.user, cycle_id, error_status(error),
                            screen_error=labels.error_message(error.code))
    # The key exists in this answer only: shown once, never redirected through a URL.
    link = base_url(request, app) + paths.screen(cycle_id, outcome.body["key"])
    return ballots_page(request, app, posted.user, cycle_id, new_link=link)


@router.post("/cycles/{cycle_id}/ballots/screen-links/{link_id}/revoke")
def revoke_link(cycle_id: str, link_id: str, request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    url = paths.ballots(cycle_id) + "#screen"
    try:
        app.execute(posted.request, hall.revoke_link, cycle_id, link_id)
    except DomainError as error:
        return redirect_with_flash(request, url, labels.error_message(error.code), "error")
    return redirect_with_flash(request, url, WORDS["link_revoked"])
