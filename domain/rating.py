"""评议: one aggregate per (cycle, participant, reviewer), so reviewers never contend."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.rules import require_reason


class Rating(Aggregate):
    TOPIC = "lianping:Rating"

    @staticmethod
    def create_id(cycle_id: str, org_code: str, reviewer: str) -> UUID:
        return ids.rating_id(cycle_id, org_code, reviewer)

    @event("Created", topic="lianping:Rating.Recorded")
    def __init__(
        self,
        cycle_id: str,
        org_code: str,
        reviewer: str,
        rating: str,
        comment: str | None,
        actor: str,
    ):
        self.cycle_id = cycle_id
        self.org_code = org_code
        self.reviewer = reviewer
        self.rating = rating
        self.comment = comment
        self.reason: str | None = None

    class Amended(Aggregate.Event):
        """v2 also records the grade it replaces (``previous_rating``), so an inspector reading
        one amendment sees what changed. Amendments recorded by v1 did not: None."""

        TOPIC = "lianping:Rating.Amended"
        class_version = 2

        rating: str
        comment: str | None
        reason: str
        actor: str
        previous_rating: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["previous_rating"] = None

    def amend(self, rating: str, comment: str | None, reason: str | None, actor: str) -> None:
        reason = require_reason(reason, "amending a rating")
        self._amended(rating=rating, comment=comment, reason=reason, actor=actor,
                      previous_rating=self.rating)

    @event(Amended)
    def _amended(
        self, rating: str, comment: str | None, reason: str, actor: str,
        previous_rating: str | None,
    ) -> None:
        self.rating = rating
        self.comment = comment
        self.reason = reason
