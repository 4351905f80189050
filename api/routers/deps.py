"""What every route needs besides its schema: who asks (and how, for writes), read-your-writes
waiting on X-Min-Position, and turning an Outcome into status + headers."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import StringConstraints, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from api.auth import (
    CurrentPrincipal,
    application_of,
    bearer_scheme,
    bearer_token_of,
    writer_of,
)
from api.errors import ApiError
from api.limits import limits_of
from api.routing import documented_by
from application.app import LianpingApp, Outcome
from application.app import Request as AppRequest

MAX_IDEMPOTENCY_KEY = 200
DEFAULT_MIN_POSITION_WAIT = 5.0
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,18})"?$')

PositionSource = Callable[[Request], int]

# Positions are 64-bit signed integers in both stores; larger cursors are invalid input, not a 500.
MAX_POSITION = 2**63 - 1


# -- writes --------------------------------------------------------------------------------------

def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def parse_if_match(value: str | None) -> int | None:
    """``"3"``, ``3`` and ``W/"3"`` all mean version 3; anything else is refused."""
    if value is None:
        return None
    match = _ETAG.match(value.strip())
    if match is None:
        raise ApiError(
            400, "invalid_if_match", 'If-Match must name one version, e.g. If-Match: "3"',
            [{"field": "If-Match", "in": "header", "message": f"not a version: {value[:40]!r}"}],
        )
    return int(match.group(1))


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


_IDEMPOTENCY_KEY: TypeAdapter[str] = TypeAdapter(
    Annotated[str, StringConstraints(min_length=1, max_length=MAX_IDEMPOTENCY_KEY)]
)
_IDEMPOTENCY_DESCRIPTION = "Retry-safe key (≤ 200 chars), scoped to the calling account"
_IF_MATCH_DESCRIPTION = 'Conditional write: "<version>" of the item written'

#: What write_of reads from the request itself, as the OpenAPI document shows it.
WRITE_OPENAPI: dict[str, Any] = {
    "parameters": [
        {"name": "idempotency-key", "in": "header", "required": False,
         "description": _IDEMPOTENCY_DESCRIPTION,
         "schema": {"anyOf": [{"type": "string", "minLength": 1,
                               "maxLength": MAX_IDEMPOTENCY_KEY}, {"type": "null"}],
                    "title": "Idempotency-Key", "description": _IDEMPOTENCY_DESCRIPTION}},
        {"name": "if-match", "in": "header", "required": False,
         "description": _IF_MATCH_DESCRIPTION,
         "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "If-Match",
                    "description": _IF_MATCH_DESCRIPTION}},
    ],
    "security": [{bearer_scheme.scheme_name: []}],
}


def idempotency_key_of(request: Request) -> str | None:
    """The Idempotency-Key header; an empty or over-long one is a 422 validation_error of the
    header, in the same shape as a refused body field."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    try:
        return _IDEMPOTENCY_KEY.validate_python(key)
    except ValidationError as error:
        raise RequestValidationError([
            {**e, "loc": ("header", "idempotency-key")} for e in error.errors()
        ]) from None


@dataclass(frozen=True)
class Write:
    """What a write route needs: the application and the command's Request."""

    app: LianpingApp
    request: AppRequest


@documented_by(WRITE_OPENAPI)
async def write_of(request: Request) -> Write:
    """The one dependency of a JSON write, reading the request itself (one call per request, not
    a tree of dependencies): the bearer token (401), Idempotency-Key (422), the account's write
    rate (429), the media type (415) and If-Match (400), in that order. The application comes
    with it, so the route needs no ``Application`` (FastAPI solves every dependency anew on each
    request, that one too)."""
    app = application_of(request)
    writer = await writer_of(app, bearer_token_of(request))
    idempotency_key = idempotency_key_of(request)
    limits_of(request.app).check_account(writer.principal.account_id)
    body = await request.body()  # already read (and size-checked) before routing
    if body and not _is_json(request.headers.get("content-type")):
        raise ApiError(
            415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)",
            {"content_type": request.headers.get("content-type")},
        )
    return Write(app, AppRequest(
        principal=writer.principal,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint(request.method, request.url.path, body),
        if_match=parse_if_match(request.headers.get("if-match")),
        authenticate=writer.authenticate,
    ))


Writing = Annotated[Write, Depends(write_of)]


def written(response: Response, outcome: Outcome) -> dict[str, Any]:
    """201 when the write created its item, else 200; the position and version as headers."""
    response.status_code = 201 if outcome.created else 200
    response.headers["X-Event-Position"] = str(outcome.position)
    response.headers["ETag"] = f'"{outcome.version}"'
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return outcome.body


def etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


# -- reads ---------------------------------------------------------------------------------------

def store_position(request: Request) -> int:
    """Reads computed from the event store are as fresh as its last notification id."""
    return application_of(request).recorder.max_notification_id() or 0


def min_position(source: PositionSource) -> Callable[..., Awaitable[None]]:
    """A dependency honouring ``X-Min-Position: n``: a position the log has not reached is
    refused at once (422 position_not_reached); else wait (polling ``source``, backing off, up to
    ``app.state.min_position_wait`` seconds) until it reaches n, else 503 read_model_behind."""

    async def wait_for_position(
        request: Request,
        x_min_position: Annotated[
            int | None,
            Header(ge=0, le=MAX_POSITION,
                   description="Answer only once events up to this position are reflected; "
                   "beyond the log's head: 422 position_not_reached"),
        ] = None,
    ) -> None:
        if x_min_position is None:
            return
        reached = await run_in_threadpool(source, request)
        if reached >= x_min_position:
            return
        head = reached if source is store_position else await run_in_threadpool(
            store_position, request
        )
        if x_min_position > head:
            raise ApiError(
                422, "position_not_reached",
                f"the event log ends at position {head}: position {x_min_position} was never "
                "written",
                {"position": head, "wanted": x_min_position},
            )
        budget = getattr(request.app.state, "min_position_wait", DEFAULT_MIN_POSITION_WAIT)
        deadline = time.monotonic() + budget
        delay = 0.01
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ApiError(
                    503, "read_model_behind",
                    f"the answer reflects position {reached}, not yet {x_min_position}; retry",
                    {"position": reached, "wanted": x_min_position},
                    {"Retry-After": "1"},
                )
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.25)
            reached = await run_in_threadpool(source, request)
            if reached >= x_min_position:
                return

    return wait_for_position


def reader(source: PositionSource = store_position) -> Callable[..., Awaitable[AppRequest]]:
    """The read dependency: authenticate, then honour X-Min-Position against ``source``.
    Projection-backed routers pass their own view's position here."""

    waited = Depends(min_position(source))

    # The wait is a default, not an annotation: annotations here are strings (PEP 563) and
    # FastAPI resolves them in module scope, where ``source`` does not exist.
    async def read_request(principal: CurrentPrincipal, _: None = waited) -> AppRequest:
        return AppRequest(principal=principal)

    return read_request


ReadRequest = Annotated[AppRequest, Depends(reader())]
