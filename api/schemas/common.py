"""Field types shared by the request and response schemas: codes, texts, dates, decimal points,
and the one error shape."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from http import HTTPStatus
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic.json_schema import WithJsonSchema

CODE_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.:@-]*$"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DECIMAL = re.compile(r"^-?\d{1,12}(\.\d{1,12})?$")

#: Stable identifiers (org codes, account ids, cycle ids, indicator and problem codes).
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=CODE_PATTERN)]
#: A grant's scope: an org code, or ``*`` for an admin grant.
SCOPE_PATTERN = r"^(\*|" + CODE_PATTERN[1:-1] + ")$"
Scope = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=SCOPE_PATTERN)]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\t]")


def _printable(value: str) -> str:
    """Text keeps tabs and line breaks; other control characters (NUL above all, which
    PostgreSQL text columns refuse) are never meaningful in a report."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _one_line(value: str) -> str:
    if _LINE_BREAK.search(value):
        raise ValueError("must be a single line")
    return _printable(value)


#: Names and titles: one line of readable text.
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"\S"), AfterValidator(_one_line)
]
Title = Annotated[
    str, StringConstraints(min_length=1, max_length=500, pattern=r"\S"), AfterValidator(_one_line)
]
#: Long free text (report sections, feedback, evidence).
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=100_000, pattern=r"\S"),
    AfterValidator(_printable),
]
#: Notes, measures, problem descriptions.
Note = Annotated[
    str, StringConstraints(min_length=1, max_length=10_000, pattern=r"\S"),
    AfterValidator(_printable),
]
#: Reasons and comments. Optional at the schema: a missing reason is a rule (409), not a type.
Reason = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_printable)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a calendar date") from None


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "example": "2026-12-31"}),
]


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError("must be a JSON number or a decimal string")
    if isinstance(value, str):
        if not _DECIMAL.match(value.strip()):
            raise ValueError(f"{value[:40]!r} is not a decimal number like 18.5")
        return Decimal(value.strip())
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError("must be a finite number")
    if abs(number) >= Decimal(10) ** 12:
        raise ValueError("is out of range")
    return number


NUMBER_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": _DECIMAL.pattern},
    ],
}

#: Points and scheme numbers: a JSON number or a decimal string, never a boolean, NaN or inf.
Points = Annotated[
    Decimal, BeforeValidator(_decimal), WithJsonSchema({**NUMBER_SCHEMA, "example": "18.5"})
]


class ErrorBody(BaseModel):
    code: str = Field(examples=["wrong_phase"])
    message: str = Field(examples=["rating is not allowed while the cycle is preparing"])
    details: Any = None


class ErrorOut(BaseModel):
    """The one error shape of the API."""

    error: ErrorBody


ERROR_REF = "#/components/schemas/ErrorOut"


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error shape for these statuses, by reference: a ``model`` per status and route would
    make FastAPI build hundreds of response fields per app (api.main registers ErrorOut once)."""
    content = {"application/json": {"schema": {"$ref": ERROR_REF}}}
    return {status: {"description": HTTPStatus(status).phrase, "content": content}
            for status in statuses}


#: Every authenticated route may answer these.
COMMON_ERRORS = error_responses(400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 429, 503)


WRITE_HEADERS: dict[str, Any] = {
    "X-Event-Position": {"description": "position of the write's last event",
                         "schema": {"type": "integer"}},
    "ETag": {"description": 'version of the item written, e.g. "3"', "schema": {"type": "string"}},
    "Idempotent-Replayed": {"description": "true when this answers an Idempotency-Key retry",
                            "schema": {"type": "string", "enum": ["true"]}},
}


def document_conventions(openapi: dict[str, Any]) -> dict[str, Any]:
    """Add the error schema (routes refer to it by $ref) and the write headers of every POST."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas["ErrorOut"] = schema
    for operations in openapi.get("paths", {}).values():
        for status, response in operations.get("post", {}).get("responses", {}).items():
            if str(status).startswith("2"):
                response.setdefault("headers", {}).update(WRITE_HEADERS)
    return openapi
