"""Domain errors. Each carries a stable snake_case ``code`` that the API returns as is, and a
``kind``
that tells the edge which status family it belongs to (the mapping lives in api/errors.py)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    kind = "conflict"  # conflict | invalid | not_found | forbidden | unauthorized | precondition

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class RuleViolationError(DomainError):
    """A rule of DOMAIN.md refuses the command in its current state (phase, state, reason)."""

    kind = "conflict"


class ValidationError(DomainError):
    """The command's data is invalid (unknown indicator, points out of range, bad date ...)."""

    kind = "invalid"


class NotFoundError(DomainError):
    kind = "not_found"


class ForbiddenError(DomainError):
    kind = "forbidden"


class UnauthorizedError(DomainError):
    kind = "unauthorized"


class VersionMismatchError(DomainError):
    kind = "precondition"


class WriteConflictError(DomainError):
    """A concurrent write won the race and the command does not commute."""

    kind = "conflict"
