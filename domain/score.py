"""考核: the points of one indicator for one participant; re-scoring is an amendment with a
reason."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import ValidationError
from domain.rules import require_reason


def check_points(points: Decimal, max_points: Decimal, indicator: str) -> Decimal:
    if not points.is_finite() or points < 0 or points > max_points:
        raise ValidationError(
            "points_out_of_range",
            f"points for {indicator} must lie within 0..{max_points}",
            [{"field": "points", "message": f"must be between 0 and {max_points}"}],
        )
    return points


class IndicatorScore(Aggregate):
    TOPIC = "lianping:IndicatorScore"

    @staticmethod
    def create_id(cycle_id: str, org_code: str, indicator: str) -> UUID:
        return ids.score_id(cycle_id, org_code, indicator)

    @event("Created", topic="lianping:IndicatorScore.Recorded")
    def __init__(
        self,
        cycle_id: str,
        org_code: str,
        indicator: str,
        points: Decimal,
        note: str | None,
        actor: str,
    ):
        self.cycle_id = cycle_id
        self.org_code = org_code
        self.indicator = indicator
        self.points = points
        self.note = note
        self.reason: str | None = None

    def amend(self, points: Decimal, note: str | None, reason: str | None, actor: str) -> None:
        reason = require_reason(reason, "re-scoring an indicator")
        self._amended(points=points, note=note, reason=reason, actor=actor)

    @event("Amended", topic="lianping:IndicatorScore.Amended")
    def _amended(self, points: Decimal, note: str | None, reason: str, actor: str) -> None:
        self.points = points
        self.note = note
        self.reason = reason
