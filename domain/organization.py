"""Organizations: province > city > county > township, each with a history of secretaries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import RuleViolationError, ValidationError

LEVELS = ("province", "city", "county", "township")


def level_below(level: str) -> str | None:
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


def check_level(level: str, field: str = "level") -> str:
    if level not in LEVELS:
        raise ValidationError(
            "unknown_level",
            f"level must be one of {', '.join(LEVELS)}",
            [{"field": field, "message": f"unknown level {level!r}"}],
        )
    return level


class Organization(Aggregate):
    TOPIC = "lianping:Organization"

    @staticmethod
    def create_id(code: str) -> UUID:
        return ids.org_id(code)

    @classmethod
    def register(
        cls, code: str, name: str, level: str, parent: Organization | None, actor: str
    ) -> Organization:
        check_level(level)
        if level == "province":
            if parent is not None:
                raise ValidationError(
                    "invalid_parent",
                    "a province has no parent",
                    [{"field": "parent_code", "message": "must be null for a province"}],
                )
        elif parent is None:
            raise ValidationError(
                "parent_required",
                f"a {level} needs a parent one level up",
                [{"field": "parent_code", "message": "required"}],
            )
        elif level_below(parent.level) != level:
            expected = LEVELS[LEVELS.index(level) - 1]
            raise ValidationError(
                "invalid_parent",
                f"the parent of a {level} must be a {expected}, {parent.code} is a {parent.level}",
                [{"field": "parent_code", "message": f"must be a {expected}"}],
            )
        return cls(
            code=code,
            name=name,
            level=level,
            parent_code=parent.code if parent else None,
            actor=actor,
        )

    @event("Created", topic="lianping:Organization.Registered")
    def __init__(self, code: str, name: str, level: str, parent_code: str | None, actor: str):
        self.code = code
        self.name = name
        self.level = level
        self.parent_code = parent_code
        self.secretaries: list[dict[str, Any]] = []

    def appoint_secretary(self, name: str, account_id: str | None, since: date, actor: str) -> None:
        if self.secretaries and since.isoformat() < self.secretaries[-1]["since"]:
            raise RuleViolationError(
                "secretary_since_out_of_order",
                f"the current secretary took office on {self.secretaries[-1]['since']}; "
                "a successor cannot start earlier",
                {"field": "since"},
            )
        self._secretary_appointed(
            name=name, account_id=account_id, since=since.isoformat(), actor=actor
        )

    @event("SecretaryAppointed", topic="lianping:Organization.SecretaryAppointed")
    def _secretary_appointed(
        self, name: str, account_id: str | None, since: str, actor: str
    ) -> None:
        self.secretaries.append({"name": name, "account_id": account_id, "since": since})

    def secretary_on(self, moment: date | datetime | None = None) -> dict[str, Any] | None:
        """The secretary in office on that day (the latest appointment when no day is given)."""
        if moment is None:
            return self.secretaries[-1] if self.secretaries else None
        day = (moment.date() if isinstance(moment, datetime) else moment).isoformat()
        current = None
        for secretary in self.secretaries:
            if secretary["since"] <= day:
                current = secretary
        return current
