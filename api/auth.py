"""Bearer-token authentication: ``Authorization: Bearer <token>`` -> Principal.

Missing, malformed, unknown, revoked and expired tokens are all 401 with ``WWW-Authenticate``;
the exempt endpoints (/healthz, /readyz, /metrics, /openapi.json, /docs) simply do not depend on
this."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool

from application.app import LianpingApp
from application.principal import Principal
from application.usecases import directory
from domain.errors import UnauthorizedError

MAX_TOKEN_LENGTH = 512

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API token issued by POST /accounts/{account_id}/tokens",
)


def application_of(request: Request) -> LianpingApp:
    """The one Application of this process, built by create_app."""
    application: LianpingApp = request.app.state.lianping
    return application


async def get_application(request: Request) -> LianpingApp:
    """``application_of`` as a dependency; ``async`` because it does no I/O, so FastAPI calls it
    on the event loop instead of a worker thread (one thread hop less per request)."""
    return application_of(request)


Application = Annotated[LianpingApp, Depends(get_application)]


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    return _checked_token(None if credentials is None else credentials.credentials)


def bearer_token_of(request: Request) -> str:
    """The token of ``Authorization: Bearer <token>`` read from the request itself, exactly as
    ``bearer_scheme`` and ``bearer_token`` read it (one dependency instead of two)."""
    authorization = request.headers.get("authorization")
    scheme, credentials = get_authorization_scheme_param(authorization)
    bearer = bool(authorization and credentials) and scheme.lower() == "bearer"
    return _checked_token(credentials if bearer else None)


def _checked_token(credentials: str | None) -> str:
    if not credentials:
        raise UnauthorizedError(
            "missing_token", "send Authorization: Bearer <token> (see POST /accounts/{id}/tokens)"
        )
    token = credentials.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise UnauthorizedError("invalid_token", "the bearer token is unknown, revoked or expired")
    return token


def current_principal(application: Application, credentials: Credentials) -> Principal:
    return directory.authenticate(application, bearer_token(credentials))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


@dataclass(frozen=True)
class Writer:
    """Who writes: the principal as first found, and how the command authenticates again."""

    principal: Principal
    authenticate: Callable[[], Principal]


async def current_writer(application: Application, credentials: Credentials) -> Writer:
    return await writer_of(application, bearer_token(credentials))


async def writer_of(application: LianpingApp, token: str) -> Writer:
    """Writes authenticate inside their command (``Request.authenticate``: the token and
    account are then guarded by its save), so here the cache is enough when it knows the token:
    no thread hop and no round trip. Otherwise (or if the cached token is not valid) the store
    answers, as for reads, so an invalid token is 401 before anything else is checked."""
    principal = directory.authenticate_from_cache(application, token)
    if principal is None:
        principal = await run_in_threadpool(directory.authenticate, application, token)
    return Writer(principal, partial(directory.authenticate, application, token))


CurrentWriter = Annotated[Writer, Depends(current_writer)]
