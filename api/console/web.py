"""What every console page needs: ``render`` (templates in templating.py), the signed-in person
(``CurrentUser``), posted forms with their CSRF check (``Posted``), POST-redirect-GET with a
flash message (``redirect_with_flash``), session cookies, and ``ConsoleRoute``, which turns any
refusal into a Chinese error page with the right status (never a JSON body, never a 500)."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from eventsourcing.persistence import PersistenceError
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from api.auth import application_of
from api.console import labels, paths
from api.console.templating import ENV, format_date, format_datetime
from api.errors import STATUS_BY_KIND, ApiError
from api.routing import OneHopRoute
from application.app import Request as AppRequest
from application.principal import Principal
from application.usecases import sessions
from domain.errors import DomainError, UnauthorizedError
from projections.service import read_models
from projections.shape import ReadModelRebuildingError
from projections.store import SnapshotReader

STATIC = Path(__file__).parent / "static"

SESSION_COOKIE = "lianping_session"
#: Before sign-in there is no session to bind the sign-in form's CSRF token to: this random
#: value (its own cookie) stands in for it (double submit, derived like a session's token).
PRESESSION_COOKIE = "lianping_presession"
FLASH_COOKIE = "lianping_flash"
CSRF_FIELD = "csrf_token"


# -- who is signed in ----------------------------------------------------------------------------

class SignInRequired(Exception):
    """No valid session: the page redirects to the sign-in page (and back afterwards)."""


class PasswordChangeRequired(Exception):
    """A password set by an admin: the person must choose their own before anything else."""


class CsrfRejected(Exception):
    """A console POST without the CSRF token of its session."""


@dataclass(frozen=True)
class ConsoleUser:
    session_id: str
    principal: Principal
    must_change_password: bool
    csrf: str

    @property
    def name(self) -> str:
        return self.principal.name

    def has_role(self, *roles: str) -> bool:
        return any(self.principal.roles(role) for role in roles)

    @property
    def reads_audit(self) -> bool:
        return self.has_role("inspector", "organizer", "admin")


def _user(request: Request) -> ConsoleUser | None:
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if not session_id:
        return None
    # The first thing a signed-in page does: from here on, writes that arrive are not ones the
    # page has to show (fresh_view waits for the head as it is now, not as it is later). Not
    # for a POST: a view it reads after its own write waits for that write.
    if request.method in ("GET", "HEAD"):
        _catch_up_target(request)
    app = application_of(request)
    try:
        session = sessions.session_principal(app, session_id)
    except UnauthorizedError:
        return None
    user = ConsoleUser(session_id, session.principal, session.must_change_password,
                       sessions.csrf_token(app, session_id))
    request.state.console_user = user
    return user


def signed_in_user(request: Request) -> ConsoleUser | None:
    """The person, if any (for pages open to everyone, such as the sign-in page)."""
    found: ConsoleUser | None = getattr(request.state, "console_user", None)
    return found if found is not None else _user(request)


async def any_user(request: Request) -> ConsoleUser:
    """The signed-in person, even one who must still change the password."""
    user = await run_in_threadpool(_user, request)
    if user is None:
        raise SignInRequired()
    return user


async def current_user(user: Annotated[ConsoleUser, Depends(any_user)]) -> ConsoleUser:
    """The signed-in person (else a redirect to the sign-in page, or to 修改密码 first)."""
    if user.must_change_password:
        raise PasswordChangeRequired()
    return user


CurrentUser = Annotated[ConsoleUser, Depends(current_user)]


def app_request(request: Request, user: ConsoleUser) -> AppRequest:
    """The use cases' Request for a console write: the session is checked again inside the
    command, so a session ended meanwhile fails the write."""
    app = application_of(request)

    def authenticate() -> Principal:
        return sessions.session_principal(app, user.session_id).principal

    return AppRequest(principal=user.principal, authenticate=authenticate)


def read_request(user: ConsoleUser) -> AppRequest:
    return AppRequest(principal=user.principal)


# -- read models as of the request --------------------------------------------------------------

#: How long one page waits, at most, for its read models to catch up (then it shows them as
#: they are: a page a moment behind beats no page).
READ_MODEL_WAIT = 2.0


def _catch_up_target(request: Request) -> tuple[int, float]:
    """The log's head when this request began (read first thing by ``_user``, else when it
    first reads a view), and the request's wait deadline."""
    found: tuple[int, float] | None = getattr(request.state, "read_models_target", None)
    if found is None:
        head = application_of(request).recorder.max_notification_id() or 0
        found = (head, time.monotonic() + READ_MODEL_WAIT)
        request.state.read_models_target = found
    return found


@contextmanager
def fresh_view(request: Request, name: str) -> Iterator[SnapshotReader]:
    """The read model ``name`` once it accounts for every event recorded before this request
    (waiting up to ``READ_MODEL_WAIT`` per request). The one way console pages read views: the
    page after a POST-redirect-GET shows the write, and so does any page after a write made
    through the JSON API, with nothing carried from the write to the page. Writes recorded
    after the request began are not waited for: a view already past the request's head is
    read at once, in the snapshot that showed it so."""
    models = read_models(application_of(request))
    head, deadline = _catch_up_target(request)
    with models.read(name) as view:
        current = view.position >= head
        if current:
            yield view
    if not current:
        models.wait(name, head, max(0.0, deadline - time.monotonic()))
        with models.read(name) as view:
            yield view


# -- posted forms ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Posted:
    """A console form, its CSRF token checked: ``form`` has the fields (first value of each;
    ``getlist`` for repeated ones, e.g. check boxes); ``request`` is for the use cases."""

    user: ConsoleUser
    form: dict[str, str]
    data: FormData = field(repr=False)
    request: AppRequest = field(repr=False)

    def get(self, name: str, default: str = "") -> str:
        return self.form.get(name, default)

    def getlist(self, name: str) -> list[str]:
        return [v for v in self.data.getlist(name) if isinstance(v, str)]

    def optional(self, name: str) -> str | None:
        """The field stripped, or None when left empty."""
        value = self.form.get(name, "").strip()
        return value or None


#: Starlette refuses a form field over 1 MiB; the edge already limits every body (the import
#: page's confirm form carries a whole sheet in base64), so a field may be as large as its body.
MAX_FIELD_BYTES = 8 * 1024 * 1024


async def read_form(request: Request) -> FormData:
    try:
        return await request.form(max_part_size=MAX_FIELD_BYTES)
    except Exception as error:  # a body that is no form at all
        raise ApiError(400, "malformed_form", "the request body is not a form") from error


async def form_post(request: Request, user: CurrentUser) -> Posted:
    """The dependency of every console POST: the form, once its CSRF token matched the
    session's (missing or wrong → the 403 page)."""
    data = await read_form(request)
    token = data.get(CSRF_FIELD)
    if not isinstance(token, str) or not sessions.check_csrf(
        application_of(request), user.session_id, token
    ):
        raise CsrfRejected()
    first: dict[str, str] = {}
    for name, value in data.multi_items():
        if isinstance(value, str) and name != CSRF_FIELD:
            first.setdefault(name, value)
    return Posted(user, first, data, app_request(request, user))


FormPost = Annotated[Posted, Depends(form_post)]


# -- answers ---------------------------------------------------------------------------------------

def presession_token(request: Request) -> tuple[str, bool]:
    """The pre-sign-in stand-in for a session id: (value, whether it is new)."""
    value = request.cookies.get(PRESESSION_COOKIE, "")
    if value and len(value) <= 100:
        return value, False
    return secrets.token_urlsafe(32), True


def _flashes(request: Request) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        found = json.loads(unquote(raw))
        return [{"kind": str(f["kind"]), "text": str(f["text"])} for f in found][:5]
    except (ValueError, TypeError, KeyError):
        return []


def set_cookie(request: Request, response: Response, name: str, value: str,
               max_age: int | None = None) -> None:
    """Every console cookie: HttpOnly, SameSite=Strict, Path=/, Secure under HTTPS."""
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )


def delete_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")


def render(request: Request, template: str, status_code: int = 200,
           headers: Mapping[str, str] | None = None, **context: Any) -> HTMLResponse:
    """The page ``template`` (under api/console/templates) with ``context``; every page also
    gets ``user`` (or None), ``csrf`` (the token for its forms), ``flashes``, ``labels``,
    ``paths``, ``request``, and the filters ``when`` (date and time in the configured zone)
    and ``day``."""
    app = application_of(request)
    user = signed_in_user(request)
    new_presession = None
    if user is not None:
        csrf = user.csrf
    else:
        presession, is_new = presession_token(request)
        csrf = sessions.csrf_token(app, presession)
        new_presession = presession if is_new else None
    flashes = _flashes(request)
    body = ENV.get_template(template).render(
        request=request, user=user, csrf=csrf, csrf_field=CSRF_FIELD, flashes=flashes,
        when=partial(format_datetime, app), day=format_date, **context,
    )
    response = HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
    response.headers["Cache-Control"] = "no-store"
    if flashes:
        delete_cookie(request, response, FLASH_COOKIE)
    if new_presession is not None:
        set_cookie(request, response, PRESESSION_COOKIE, new_presession)
    if user is not None:  # the idle expiry starts again with each page, as the session's does
        set_cookie(request, response, SESSION_COOKIE, user.session_id,
                   int(sessions.IDLE_TIMEOUT.total_seconds()))
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def redirect_with_flash(request: Request, url: str, text: str, kind: str = "success"
                        ) -> RedirectResponse:
    """POST-redirect-GET: 303 to ``url``, which shows ``text`` once (kind: success, error,
    info)."""
    response = redirect(url)
    flashes = [*_flashes(request), {"kind": kind, "text": text}]
    set_cookie(request, response, FLASH_COOKIE,
               quote(json.dumps(flashes, ensure_ascii=False, separators=(",", ":"))))
    return response


def error_page(request: Request, status_code: int, code: str, message: str | None = None,
               headers: Mapping[str, str] | None = None) -> HTMLResponse:
    return render(request, "error.html", status_code=status_code, headers=headers,
                  status=status_code, code=code, message=message or labels.error_message(code))


def safe_next(target: str | None) -> str:
    """Only a path on this server (no scheme, no host, no //): else the home page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return paths.HOME
    return target


# -- errors as pages -------------------------------------------------------------------------------

def _sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = paths.HOME
    return redirect(paths.login(target))


def page_for_error(request: Request, error: Exception) -> Response | None:
    """The console's answer to a refusal, or None when it is not one of ours."""
    if isinstance(error, SignInRequired):
        return _sign_in_redirect(request)
    if isinstance(error, PasswordChangeRequired):
        return redirect(paths.PASSWORD)
    if isinstance(error, CsrfRejected):
        return error_page(request, 403, "csrf_failed")
    if isinstance(error, UnauthorizedError) and error.code == "session_expired":
        return _sign_in_redirect(request)
    if isinstance(error, DomainError):
        retry_after = getattr(error, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return error_page(request, STATUS_BY_KIND.get(error.kind, 409), error.code,
                          headers=headers)
    if isinstance(error, ApiError):
        return error_page(request, error.status, error.code, headers=error.headers)
    if isinstance(error, RequestValidationError):
        return error_page(request, 422, "validation_error")
    if isinstance(error, PersistenceError):
        return error_page(request, 503, "store_unavailable", headers={"Retry-After": "2"})
    if isinstance(error, ReadModelRebuildingError):
        return error_page(request, 503, "read_model_rebuilding", headers={"Retry-After": "2"})
    return None


class ConsoleRoute(OneHopRoute):
    """The route class of every console page: sync endpoints run in the thread pool (as
    ``OneHopRoute``), and refusals become Chinese pages (``page_for_error``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as error:
                page = await run_in_threadpool(page_for_error, request, error)
                if page is None:
                    raise
                return page

        return handle
