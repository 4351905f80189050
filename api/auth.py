"""Bearer-token authentication: ``Authorization: Bearer <token>`` -> Principal.

Missing, malformed, unknown, revoked and expired tokens are all 401 with ``WWW-Authenticate``;
the exempt endpoints (/healthz, /readyz, /metrics, /openapi.json, /docs) simply do not depend on
this."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


def current_principal(
    application: Application,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise UnauthorizedError(
            "missing_token", "send Authorization: Bearer <token> (see POST /accounts/{id}/tokens)"
        )
    token = credentials.credentials.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise UnauthorizedError("invalid_token", "the bearer token is unknown, revoked or expired")
    return directory.authenticate(application, token)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
