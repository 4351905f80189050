"""书面反馈: the organizer's written feedback with its list of problems (问题清单)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import ValidationError


class Feedback(Aggregate):
    TOPIC = "lianping:Feedback"

    @staticmethod
    def create_id(cycle_id: str, org_code: str) -> UUID:
        return ids.feedback_id(cycle_id, org_code)

    @classmethod
    def issue(
        cls, cycle_id: str, org_code: str, text: str, problems: list[dict[str, str]], actor: str
    ) -> Feedback:
        codes = [p["code"] for p in problems]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValidationError(
                "duplicate_problem_code",
                f"problem codes must be unique: {', '.join(duplicates)}",
                [{"field": "problems", "message": f"duplicate code {c}"} for c in duplicates],
            )
        return cls(cycle_id=cycle_id, org_code=org_code, text=text, problems=problems, actor=actor)

    @event("Created", topic="lianping:Feedback.Issued")
    def __init__(
        self, cycle_id: str, org_code: str, text: str, problems: list[dict[str, Any]], actor: str
    ):
        self.cycle_id = cycle_id
        self.org_code = org_code
        self.text = text
        self.problems = problems

    @property
    def problem_codes(self) -> list[str]:
        return [p["code"] for p in self.problems]
