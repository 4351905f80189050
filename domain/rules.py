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


def check_version_cap(what: str, versions: int, max_versions: int) -> None:
    """One more version of a report or plan, unless it already has ``max_versions`` (0: no cap)."""
    if max_versions and versions >= max_versions:
        raise RuleViolationError(
            "too_many_versions",
            f"该{'述职报告' if what == 'report' else '整改方案'}已提交 {versions} 个版本，达到上限 "
            f"(the {what} already has {versions} versions, the most one participant may submit)",
            {"versions": versions, "max_versions": max_versions},
        )
