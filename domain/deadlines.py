"""红黄灯: how near a deadline is, as of a day. A deadline is the last day on which the work is
on time (as ``domain.plan.is_overdue``): 红灯 ``red`` once that day has passed and the work is
not done, 黄灯 ``yellow`` from ``warn_days`` days before it up to the day itself, else 绿灯
``green`` — and work that is done stays green."""

from __future__ import annotations

from datetime import date

from domain.errors import ValidationError

LIGHTS = ("green", "yellow", "red")
DEFAULT_WARN_DAYS = 3
MAX_WARN_DAYS = 60


def light(due: str | date | None, done: bool, today: date,
          warn_days: int = DEFAULT_WARN_DAYS) -> str | None:
    """The light of work due on ``due`` (an ISO date or a date) as of ``today``; None: no
    deadline, so no light."""
    if due is None or due == "":
        return None
    if done:
        return "green"
    day = due if isinstance(due, date) else date.fromisoformat(str(due)[:10])
    if day < today:
        return "red"
    if (day - today).days <= warn_days:
        return "yellow"
    return "green"


def check_warn_days(days: int) -> int:
    """How many days ahead a cycle turns its deadlines yellow: 0 (on the day only) to 60."""
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_WARN_DAYS:
        raise ValidationError(
            "invalid_warn_days", f"warn_days must be a whole number from 0 to {MAX_WARN_DAYS}",
            [{"field": "warn_days", "message": f"0 to {MAX_WARN_DAYS}"}],
        )
    return days
