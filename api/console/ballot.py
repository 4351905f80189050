"""The 民主测评 phone page ``/b/{code}`` (outside /api/v1: no sign-in, the code is the credential)
and the printable slips. Server-rendered, no script, every asset from this server; a form POST
to ``/b/{code}`` answers a result page, so it works without JavaScript."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

import segno
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.auth import Application
from api.console import labels
from api.console.ballot_guard import guard_of
from api.errors import ApiError
from api.routing import OneHopRoute
from application.app import LianpingApp
from application.app import Request as AppRequest
from application.usecases import ballots
from domain.errors import DomainError

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(route_class=OneHopRoute, include_in_schema=False)
CSS = "/static/ballot.css"


def base_url(request: Request, app: LianpingApp) -> str:
    """Where slips link to: ``public_base_url`` (behind a proxy), else this request's."""
    return (app.settings.public_base_url or str(request.base_url)).rstrip("/")


def _page(request: Request, name: str, status: int, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, name, {"t": labels.BALLOT, "css": CSS, **context}, status_code=status
    )
    # The edge's "no-referrer" makes a browser send "Origin: null" with the form; same-origin
    # keeps the code (in the URL) from other sites and lets the POST's Origin be checked.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _message(request: Request, status: int, heading: str, message: str, tone: str) -> HTMLResponse:
    return _page(request, "ballot/message.html", status, heading=heading, message=message,
                 tone=tone)


def _refusal(request: Request, error: Exception) -> HTMLResponse:
    """Every refusal as a page: the same text for an unknown and a used code."""
    t = labels.BALLOT
    code = getattr(error, "code", "")
    if code == "ballot_not_found":
        return _message(request, 404, t["not_found_title"], t["not_found"], "bad")
    if code == "wrong_phase":
        return _message(request, 409, t["closed_title"], t["closed"], "bad")
    if isinstance(error, ApiError) and error.status == 429:
        response = _message(request, 429, t["refused_title"], t["rate_limited"], "bad")
        response.headers.update(error.headers)
        return response
    status = error.status if isinstance(error, ApiError) else (
        409 if getattr(error, "kind", "") == "conflict" else 422)
    return _message(request, status, t["refused_title"], labels.error_message(code), "bad")


@router.get("/b/{code}", response_class=HTMLResponse)
def ballot_page(code: str, request: Request, app: Application) -> HTMLResponse:
    try:
        found = guard_of(request).run(request, lambda: ballots.open_ballot(app, code))
    except (DomainError, ApiError) as refused:
        return _refusal(request, refused)
    rehearsal = labels.REHEARSAL["screen_note"] if found.cycle.rehearsal else None
    return _page(request, "ballot/form.html", 200, cycle_title=found.cycle.title,
                 rehearsal=rehearsal, participants=found.participants, grades=labels.GRADES,
                 action=f"/b/{ballots.normalize_code(code)}")


def _same_origin(request: Request, app: LianpingApp) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":  # absent or opaque: nothing to judge by
        return True
    allowed = {_origin(str(request.base_url))}
    if app.settings.public_base_url:
        allowed.add(_origin(app.settings.public_base_url))
    return _origin(origin) in allowed


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def form_body(request: Request) -> bytes:
    return await request.body()


@router.post("/b/{code}", response_class=HTMLResponse)
def cast_from_page(
    code: str, request: Request, app: Application, raw: Annotated[bytes, Depends(form_body)]
) -> HTMLResponse:
    t = labels.BALLOT
    if not _same_origin(request, app):
        return _message(request, 403, t["refused_title"], t["bad_origin"], "bad")
    ratings = {key[2:]: value for key, value in parse_qsl(raw.decode("utf-8", "replace"))
               if key.startswith("r_")}
    asked = AppRequest(principal=ballots.BALLOT_PRINCIPAL)
    try:
        guard_of(request).run(
            request, lambda: app.execute(asked, ballots.cast_ballot, code, ratings)
        )
    except (DomainError, ApiError) as refused:
        return _refusal(request, refused)
    return _message(request, 201, t["done_title"], t["done"], "ok")


def render_slips(request: Request, app: LianpingApp, found: dict[str, Any]) -> HTMLResponse:
    root = base_url(request, app)
    slips = []
    for code in found["codes"]:
        url = f"{root}/b/{code}"
        svg = segno.make(url, error="m").svg_inline(scale=4, omitsize=False)
        slips.append({"code": code, "url": url, "svg": svg})
    rehearsal = found["cycle"].rehearsal  # 演练: a slip must never pass for a real ballot
    return _page(request, "ballot/slips.html", 200, slips=slips,
                 mark=labels.REHEARSAL["document_mark"] if rehearsal else "",
                 rehearsal=labels.REHEARSAL["screen_note"] if rehearsal else None,
                 cycle_title=found["cycle"].title, category_name=found["category_name"])


_CODE_IN_PATH = re.compile(r"(/b/|/ballots/)[^/?\s]+")
#: A hall screen link's key (``/screen/{id}?k=…``) is a credential too.
_SCREEN_KEY = re.compile(r"([?&]k=)[^&\s]+")


def _redacted(line: str) -> str:
    return _SCREEN_KEY.sub(r"\1***", _CODE_IN_PATH.sub(r"\1***", line))


class RedactBallotCodes(logging.Filter):
    """The access log would pair a client address with a ballot code, and the code's hash names
    the cast ballot: the code (and a screen link's key) is replaced before the line is
    written."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _redacted(a) if isinstance(a, str) else a for a in record.args
            )
        return True


def _redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactBallotCodes) for f in access.filters):
        access.addFilter(RedactBallotCodes())


def install_ballot_pages(app: FastAPI) -> None:
    """The phone page and the slips (their stylesheet is served with the console's assets)."""
    _redact_access_log()
    app.include_router(router)
