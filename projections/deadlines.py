"""红黄灯 on the read side: the finding read model stores every due date and whether the work is
done (cycles' report/review/plan deadlines, participants' reports, ratings, plans, plan items,
supervision orders) plus, here, each cycle's ``warn_days``; the light itself depends on today,
so it is derived when read (domain/deadlines.py), never stored."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from domain.deadlines import DEFAULT_WARN_DAYS, light
from projections.context import context
from projections.envelope import Envelope
from projections.tables import Change, Put, Rows, table
from projections.views import Reader

#: A cycle's warn_days once set (Cycle.WarnDaysSet); no row: DEFAULT_WARN_DAYS.
WARNINGS = table("cycle_warnings", "cycle_id warn_days", "cycle_id", "warn_days")


def fold_warnings(rows: Rows, e: Envelope) -> Iterator[Change]:
    if (e.aggregate_type, e.name) != ("Cycle", "WarnDaysSet"):
        return
    cycle_id, _ = context(rows, e)
    if cycle_id is not None:
        yield Put(WARNINGS, {"cycle_id": cycle_id, "warn_days": e.data["days"]})


def warn_days_of(r: Reader, cycle_ids: Iterable[str | None]) -> dict[str | None, int]:
    """{cycle_id: warn_days} for the cycles asked about (None, no cycle: the default)."""
    wanted = sorted({c for c in cycle_ids if c is not None})
    found: dict[str | None, int] = dict.fromkeys(wanted, DEFAULT_WARN_DAYS)
    found[None] = DEFAULT_WARN_DAYS
    if wanted:
        marks = ", ".join("?" for _ in wanted)
        for row in r.fetch(f"SELECT cycle_id, warn_days FROM {r.table(WARNINGS)} "
                           f"WHERE cycle_id IN ({marks})", tuple(wanted)):
            found[row["cycle_id"]] = int(row["warn_days"])
    return found


class Lights:
    """Lights as of ``today`` for work of several cycles (their warn_days fetched once each)."""

    def __init__(self, r: Reader, today: date) -> None:
        self.reader = r
        self.today = today
        self._warn: dict[str | None, int] = {None: DEFAULT_WARN_DAYS}

    def warn_days(self, cycle_id: str | None) -> int:
        if cycle_id not in self._warn:
            self._warn.update(warn_days_of(self.reader, [cycle_id]))
        return self._warn[cycle_id]

    def of(self, cycle_id: str | None, due: str | None, done: bool = False) -> str | None:
        return light(due, done, self.today, self.warn_days(cycle_id))
