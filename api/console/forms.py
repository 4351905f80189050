"""Posted form fields checked with the JSON API's own request schemas (the same bounds on both
edges), and refusals turned into messages beside their fields."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as SchemaError

from api.console import labels
from domain.errors import DomainError

Model = TypeVar("Model", bound=BaseModel)

#: What a person reads for a schema's complaint about a field, by pydantic's error type.
SCHEMA_MESSAGES: dict[str, str] = {
    "missing": "必填",
    "string_too_short": "必填",
    "string_pattern_mismatch": "必填",
    "string_too_long": "内容过长",
    "int_parsing": "请填写整数",
    "int_type": "请填写整数",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "date_from_datetime_parsing": "请填写日期",
}


def text(value: str) -> str:
    """A textarea's value as the API would get it (browsers post CRLF line breaks)."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def check(model: type[Model], data: dict[str, Any]) -> tuple[Model | None, dict[str, str]]:
    """``data`` as ``model`` (None when refused) and a message per refused field."""
    try:
        return model.model_validate(data), {}
    except SchemaError as refused:
        errors: dict[str, str] = {}
        for error in refused.errors():
            name = ".".join(str(part) for part in error["loc"]) or ""
            errors.setdefault(name, SCHEMA_MESSAGES.get(error["type"], "填写的内容有误"))
        return None, errors


def refusal(error: DomainError) -> str:
    return labels.error_message(error.code)


def day(value: str, field: str, errors: dict[str, str]) -> date | None:
    """A date field (blank: None); a malformed one is noted in ``errors`` beside its field."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = "日期格式不正确"
        return None
