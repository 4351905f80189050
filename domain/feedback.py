"""书面反馈: the organizer's written feedback with its list of problems (问题清单)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import RuleViolationError, ValidationError
from domain.rules import require_reason, require_text


class Feedback(Aggregate):
    TOPIC = "lianping:Feedback"

    @staticmethod
    def create_id(cycle_id: str, org_code: str) -> UUID:
        return ids.feedback_id(cycle_id, org_code)

    @staticmethod
    def check_problems(problems: list[dict[str, str]]) -> None:
        codes = [p["code"] for p in problems]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValidationError(
                "duplicate_problem_code",
                f"problem codes must be unique: {', '.join(duplicates)}",
                [{"field": "problems", "message": f"duplicate code {c}"} for c in duplicates],
            )

    @classmethod
    def issue(
        cls, cycle_id: str, org_code: str, text: str, problems: list[dict[str, str]], actor: str
    ) -> Feedback:
        cls.check_problems(problems)
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

    def amend(
        self,
        text: str | None,
        problems: list[dict[str, str]] | None,
        reason: str | None,
        plan_status: str | None,
        cited_codes: set[str],
        actor: str,
    ) -> None:
        """Amended with a reason until the participant's plan is approved; a plan (not yet
        approved) citing a problem the amendment removes must be returned first."""
        reason = require_reason(reason, "amending feedback")
        if plan_status == "approved":
            raise RuleViolationError(
                "plan_already_approved",
                "feedback can be amended only until the rectification plan is approved",
            )
        if text is None and problems is None:
            raise ValidationError(
                "invalid_field", "an amendment changes text, problems or both",
                [{"field": "text", "message": "give text or problems"}],
            )
        if text is not None:
            text = require_text(text, "text")
        if problems is not None:
            self.check_problems(problems)
            removed = set(self.problem_codes) - {p["code"] for p in problems}
            in_use = sorted(removed & cited_codes) if plan_status == "submitted" else []
            if in_use:
                raise RuleViolationError(
                    "problem_in_use",
                    f"the submitted plan cites {', '.join(in_use)}: return the plan first",
                    {"problem_codes": in_use},
                )
        self._amended(
            text=self.text if text is None else text,
            problems=self.problems if problems is None else problems,
            reason=reason, actor=actor,
        )

    @event("Amended", topic="lianping:Feedback.Amended")
    def _amended(
        self, text: str, problems: list[dict[str, Any]], reason: str, actor: str
    ) -> None:
        self.text = text
        self.problems = problems
