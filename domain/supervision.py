"""After the results: 约谈 (talks with the secretaries graded 一般/差) and 督办 (supervision
orders an inspector issues to an org in their scope, answered by its secretary, closed or sent
back by an inspector over the issuer's org)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolationError, ValidationError
from domain.rules import require_reason, require_text

TALK_GRADES = ("average", "poor")
ORDER_STATUSES = ("open", "answered", "closed")


def parse_day(value: Any, field: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise ValidationError(
            "invalid_field", f"{field} must be a YYYY-MM-DD date",
            [{"field": field, "message": "not a YYYY-MM-DD date"}],
        ) from None


def require_talk_grade(grade: str | None, finalized: bool) -> None:
    """Talks are for participants graded 一般/差 in a cycle whose results stand."""
    if not finalized or grade is None:
        raise RuleViolationError(
            "results_not_final",
            "talks (约谈) follow the frozen results: the cycle is not finalized",
        )
    if grade not in TALK_GRADES:
        raise RuleViolationError(
            "talk_not_required",
            f"only participants graded 一般/差 are called to a talk; this one is {grade}",
            {"grade": grade},
        )


class Talk(Aggregate):
    """约谈 of one participant's secretary: scheduled, then recorded as held."""

    TOPIC = "lianping:Talk"

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @classmethod
    def schedule(
        cls, cycle_id: str, org_code: str, scheduled_for: str, with_name: str,
        reason: str | None, actor: str,
    ) -> Talk:
        return cls(
            cycle_id=cycle_id, org_code=org_code,
            scheduled_for=parse_day(scheduled_for, "scheduled_for"),
            with_name=require_text(with_name, "with_name", 200),
            reason=require_reason(reason, "scheduling a talk (约谈)"), actor=actor,
        )

    @event("Created", topic="lianping:Talk.Scheduled")
    def __init__(
        self, cycle_id: str, org_code: str, scheduled_for: str, with_name: str, reason: str,
        actor: str,
    ):
        self.cycle_id = cycle_id
        self.org_code = org_code
        self.scheduled_for = scheduled_for
        self.with_name = with_name
        self.reason = reason
        self.held: dict[str, Any] | None = None

    def record(self, held_on: str, held_by: str, notes: str, today: date, actor: str) -> None:
        if self.held is not None:
            raise RuleViolationError("talk_already_recorded", "this talk was already recorded")
        day = parse_day(held_on, "held_on")
        if date.fromisoformat(day) > today:
            raise ValidationError(
                "invalid_field", "held_on lies in the future",
                [{"field": "held_on", "message": "a talk is recorded once it was held"}],
            )
        self._recorded(
            held_on=day, held_by=require_text(held_by, "held_by", 200),
            notes=require_text(notes, "notes"), actor=actor,
        )

    @event("Recorded", topic="lianping:Talk.Recorded")
    def _recorded(self, held_on: str, held_by: str, notes: str, actor: str) -> None:
        self.held = {"held_on": held_on, "held_by": held_by, "notes": notes}


class SupervisionOrder(Aggregate):
    """督办: open → answered (the org's secretary responds) → closed (accepted), or sent back
    (open again, with the inspector's note)."""

    TOPIC = "lianping:SupervisionOrder"

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @classmethod
    def issue(
        cls, org_code: str, cycle_id: str | None, issuer_org: str, subject: str,
        requirement: str, due_date: str, today: date, actor: str,
    ) -> SupervisionOrder:
        due = parse_day(due_date, "due_date")
        if date.fromisoformat(due) < today:
            raise ValidationError(
                "invalid_field", "due_date lies in the past",
                [{"field": "due_date", "message": "lies in the past"}],
            )
        return cls(
            org_code=org_code, cycle_id=cycle_id, issuer_org=issuer_org,
            subject=require_text(subject, "subject", 200),
            requirement=require_text(requirement, "requirement"), due_date=due, actor=actor,
        )

    @event("Created", topic="lianping:SupervisionOrder.Issued")
    def __init__(
        self, org_code: str, cycle_id: str | None, issuer_org: str, subject: str,
        requirement: str, due_date: str, actor: str,
    ):
        self.org_code = org_code
        self.cycle_id = cycle_id
        self.issuer_org = issuer_org
        self.subject = subject
        self.requirement = requirement
        self.due_date = due_date
        self.status = "open"
        self.responses: list[dict[str, Any]] = []

    def respond(self, text: str, actor: str) -> None:
        if self.status != "open":
            raise RuleViolationError(
                "order_not_open",
                f"only an open order can be answered; this one is {self.status}",
                {"status": self.status},
            )
        self._responded(text=require_text(text, "text"), actor=actor)

    @event("Responded", topic="lianping:SupervisionOrder.Responded")
    def _responded(self, text: str, actor: str) -> None:
        self.status = "answered"

    def close(self, accepted: bool, note: str | None, actor: str) -> None:
        if self.status != "answered":
            raise RuleViolationError(
                "order_not_answered",
                f"an order is closed or sent back once answered; this one is {self.status}",
                {"status": self.status},
            )
        if accepted:
            self._closed(note=(note or "").strip() or None, actor=actor)
        else:
            self._sent_back(note=require_reason(note, "sending an order back"), actor=actor)

    @event("Closed", topic="lianping:SupervisionOrder.Closed")
    def _closed(self, note: str | None, actor: str) -> None:
        self.status = "closed"

    @event("SentBack", topic="lianping:SupervisionOrder.SentBack")
    def _sent_back(self, note: str, actor: str) -> None:
        self.status = "open"
