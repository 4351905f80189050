"""Small checks shared by the aggregates."""

from __future__ import annotations

from typing import Any

from domain.errors import RuleViolationError, ValidationError


def require_reason(reason: str | None, what: str) -> str:
    if reason is None or not reason.strip():
        raise RuleViolationError("reason_required", f"{what} needs a reason", {"field": "reason"})
    return reason.strip()


def require_text(value: Any, field: str, max_length: int = 100_000) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            "invalid_field",
            f"{field} must be non-empty text",
            [{"field": field, "message": "required"}],
        )
    if len(value) > max_length:
        raise ValidationError(
            "invalid_field",
            f"{field} is longer than {max_length} characters",
            [{"field": field, "message": f"at most {max_length} characters"}],
        )
    return value
