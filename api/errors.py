"""One error shape, mapped in one place: ``{"error": {"code", "message", "details"}}``.

Domain errors carry their own stable code and a ``kind`` that picks the status; everything the edge
refuses itself (415, 413, a bad If-Match, a lagging read side) is an ``ApiError``; store outages
are 503 with Retry-After; anything else is a logged 500 in the same shape."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import IntegrityError, PersistenceError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from domain.errors import DomainError
from projections.shape import ReadModelRebuildingError

log = logging.getLogger("api.errors")

STATUS_BY_KIND = {
    "conflict": 409,
    "invalid": 422,
    "not_found": 404,
    "forbidden": 403,
    "unauthorized": 401,
    "precondition": 412,
    "rate_limited": 429,
}
STORE_RETRY_AFTER = "2"


class ApiError(Exception):
    """A refusal decided at the HTTP edge (not by a domain rule)."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})


def error_response(
    status: int, code: str, message: str, details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}
    all_headers = dict(headers or {})
    if status == 401:
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(body, status_code=status, headers=all_headers)  # UTF-8, unescaped


def _count_store_error(request: Request, exc: Exception) -> None:
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.store_errors.labels(type(exc).__name__).inc()


# -- handlers ------------------------------------------------------------------------------------

async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = STATUS_BY_KIND.get(exc.kind, 409)
    headers = None
    if status == 401 and exc.code != "missing_token":
        headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers = {"Retry-After": str(retry_after)}
    return error_response(status, exc.code, exc.message, exc.details, headers)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


def field_path(loc: Sequence[str | int]) -> tuple[str, str]:
    """``("body", "items", 0, "due_date")`` -> ``("body", "items[0].due_date")``."""
    where = str(loc[0]) if loc else "body"
    path = ""
    for part in loc[1:]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return where, path or where


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        reason = next(
            (e.get("ctx", {}).get("error") for e in errors if e.get("type") == "json_invalid"), ""
        )
        return error_response(
            400, "malformed_json", f"the request body is not valid JSON: {reason}".rstrip(": ")
        )
    details = []
    for error in errors:
        where, path = field_path(tuple(error.get("loc", ())))
        details.append({"field": path, "in": where, "message": error.get("msg", ""),
                        "type": error.get("type", "")})
    fields = ", ".join(d["field"] for d in details)
    return error_response(422, "validation_error", f"invalid request: {fields}", details)


_HTTP_CODES = {
    # FastAPI raises a bare 400 when the body cannot even be decoded (e.g. not UTF-8)
    400: "malformed_json", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 413: "body_too_large",
    415: "unsupported_media_type",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals: no such route (404), wrong method (405), undecodable body."""
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    message = str(exc.detail)
    if exc.status_code == 404 and exc.detail == "Not Found":
        message = f"no route {request.url.path}"
    elif exc.status_code == 405 and exc.detail == "Method Not Allowed":
        message = f"{request.method} is not allowed on {request.url.path}"
    return error_response(exc.status_code, code, message, None, exc.headers)


async def _store_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, IntegrityError):
        # The command runner retries lost races; one that still escapes is a write conflict.
        return error_response(409, "write_conflict", "a concurrent write won; retry")
    _count_store_error(request, exc)
    log.warning("store unavailable on %s %s: %r", request.method, request.url.path, exc)
    return error_response(
        503, "store_unavailable", "the event store is unavailable; retry shortly", None,
        {"Retry-After": STORE_RETRY_AFTER},
    )


async def _read_model_rebuilding(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ReadModelRebuildingError)
    return error_response(
        503, "read_model_rebuilding", str(exc), {"read_model": exc.name},
        {"Retry-After": STORE_RETRY_AFTER},
    )


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "an internal error occurred")


def install_error_handlers(app: FastAPI) -> None:
    """The handlers are ``async`` (they do no I/O): Starlette runs a sync handler in the thread
    pool, one hop per refused request."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ReadModelRebuildingError, _read_model_rebuilding)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for store_error in (PersistenceError, psycopg.Error, sqlite3.Error):
        app.add_exception_handler(store_error, _store_error)
    app.add_exception_handler(Exception, _internal_error)
