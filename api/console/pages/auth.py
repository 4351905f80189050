"""Signing in and out, and 修改密码 (forced at first sign-in after an admin set the password)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.auth import application_of
from api.console import labels, paths
from api.console.web import (
    CSRF_FIELD,
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    ConsoleRoute,
    ConsoleUser,
    CsrfRejected,
    FormPost,
    any_user,
    delete_cookie,
    read_form,
    redirect,
    redirect_with_flash,
    render,
    safe_next,
    set_cookie,
    signed_in_user,
)
from application.usecases import sessions
from domain.errors import DomainError

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

MAX_FIELD = 1000  # nobody types a longer account id or password: refuse before hashing it


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _session_cookie(request: Request, response: Response, session: sessions.Session) -> None:
    set_cookie(request, response, SESSION_COOKIE, session.session_id,
               int(sessions.IDLE_TIMEOUT.total_seconds()))


@router.get(paths.LOGIN)
def sign_in_page(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    if signed_in_user(request) is not None:
        return redirect(safe_next(next))
    return render(request, "login.html", next=safe_next(next), account_id="", errors={})


@router.post(paths.LOGIN)
async def sign_in(request: Request) -> Response:
    data = await read_form(request)
    form = {k: v for k, v in data.items() if isinstance(v, str)}
    app = application_of(request)
    presession = request.cookies.get(PRESESSION_COOKIE, "")
    if not presession or not sessions.check_csrf(app, presession, form.get(CSRF_FIELD, "")):
        raise CsrfRejected()
    account_id = form.get("account_id", "").strip()[:MAX_FIELD]
    password = form.get("password", "")[:MAX_FIELD]
    target = safe_next(form.get("next"))
    if not account_id or not password:
        return render(request, "login.html", status_code=422, next=target,
                      account_id=account_id, errors={"": "请输入账号和密码"})
    try:
        session = await _sign_in(request, account_id, password)
    except DomainError as refused:
        status = 429 if refused.code == "rate_limited" else 401
        retry_after = getattr(refused, "retry_after", None)
        return render(request, "login.html", status_code=status,
                      headers={"Retry-After": str(retry_after)} if retry_after else None,
                      next=target, account_id=account_id,
                      errors={"": labels.error_message(refused.code)})
    response = redirect_with_flash(
        request, paths.PASSWORD if session.must_change_password else target,
        labels.DONE["signed_in"])
    _session_cookie(request, response, session)
    delete_cookie(request, response, PRESESSION_COOKIE)
    return response


async def _sign_in(request: Request, account_id: str, password: str) -> sessions.Session:
    return await run_in_threadpool(sessions.sign_in, application_of(request), account_id,
                                   password, _client(request))


@router.post(paths.LOGOUT)
def sign_out(request: Request, posted: FormPost) -> Response:
    sessions.sign_out(application_of(request), posted.user.session_id)
    response = redirect_with_flash(request, paths.LOGIN, labels.DONE["signed_out"], "info")
    delete_cookie(request, response, SESSION_COOKIE)
    return response


AnyUser = Annotated[ConsoleUser, Depends(any_user)]


@router.get(paths.PASSWORD)
def password_page(request: Request, user: AnyUser) -> Response:
    return render(request, "password.html", errors={})


@router.post(paths.PASSWORD)
async def change_password(request: Request, user: AnyUser) -> Response:
    # any_user, not FormPost: a person who must change the password may post only this form
    data = await read_form(request)
    form = {k: v for k, v in data.items() if isinstance(v, str)}
    app = application_of(request)
    if not sessions.check_csrf(app, user.session_id, form.get(CSRF_FIELD, "")):
        raise CsrfRejected()
    current = form.get("current_password", "")[:MAX_FIELD]
    new = form.get("new_password", "")[:MAX_FIELD]
    if new != form.get("new_password_again", ""):
        return render(request, "password.html", status_code=422,
                      errors={"new_password_again": labels.error_message("passwords_differ")})
    try:
        session = await run_in_threadpool(sessions.change_password, app, user.session_id,
                                          current, new, _client(request))
    except DomainError as refused:
        if refused.code == "session_expired":
            raise
        field = "current_password" if refused.code in ("invalid_credentials",) else (
            "new_password" if refused.code.startswith("password") or
            refused.code in ("invalid_password", "validation_error") else "")
        status = 429 if refused.code == "rate_limited" else 422
        return render(request, "password.html", status_code=status,
                      errors={field: labels.error_message(refused.code)})
    response = redirect_with_flash(request, paths.HOME, labels.DONE["password_changed"])
    _session_cookie(request, response, session)
    return response
