"""红黄灯: the pure rule, at its boundaries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.deadlines import check_warn_days, light
from domain.errors import ValidationError

TODAY = date(2027, 3, 10)


def due_in(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(("days", "expected"), [
    (-30, "red"), (-1, "red"), (0, "yellow"), (1, "yellow"), (3, "yellow"), (4, "green"),
    (400, "green"),
])
def test_red_past_due_yellow_within_warn_days_inclusive_else_green(days: int, expected: str):
    assert light(due_in(days), False, TODAY) == expected


def test_done_work_stays_green_even_past_due():
    assert light(due_in(-5), True, TODAY) == "green"
    assert light(due_in(1), True, TODAY) == "green"


def test_no_due_date_no_light():
    assert light(None, False, TODAY) is None
    assert light("", True, TODAY) is None


def test_warn_days_per_cycle_and_zero_means_on_the_day_only():
    assert light(due_in(7), False, TODAY, warn_days=7) == "yellow"
    assert light(due_in(8), False, TODAY, warn_days=7) == "green"
    assert light(due_in(0), False, TODAY, warn_days=0) == "yellow"
    assert light(due_in(1), False, TODAY, warn_days=0) == "green"


def test_dates_and_timestamps_are_read_as_days():
    assert light(TODAY, False, TODAY) == "yellow"
    assert light(f"{due_in(-1)}T23:59:59+08:00", False, TODAY) == "red"


@pytest.mark.parametrize("bad", [-1, 61, True, "3", 2.5])
def test_warn_days_out_of_range_are_refused(bad: object):
    with pytest.raises(ValidationError) as refused:
        check_warn_days(bad)  # type: ignore[arg-type]
    assert refused.value.code == "invalid_warn_days"
