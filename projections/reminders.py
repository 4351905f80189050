"""Who must be reminded of what, as of today: every person's 我的待办 (projections/tasks.py,
the same rules as GET /me/tasks) whose light is yellow or red. Each becomes one outbox row per
(person, item, due date, light): a second evaluation finds the same keys, so nothing repeats,
while an extended deadline (a new due date) may warn again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from zoneinfo import ZoneInfo

from application.principal import Principal
from application.store.reminders import Reminder
from projections.finding import ACCOUNTS, CYCLES, GRANTS, PANEL
from projections.tasks import tasks
from projections.views import Reader

REMINDED = ("yellow", "red")


def people_with_tasks(r: Reader) -> list[Principal]:
    """Accounts that can have tasks: secretaries, organizers, panel members of cycles in review
    (inspectors' and admins' work has no deadlines here)."""
    found = r.fetch(
        f"SELECT account_id, name, org_code, grants FROM {r.table(ACCOUNTS)} WHERE account_id IN "
        f"(SELECT account_id FROM {r.table(GRANTS)} WHERE role IN ('secretary', 'organizer')) "
        f"OR account_id IN (SELECT m.account_id FROM {r.table(PANEL)} m "
        f"JOIN {r.table(CYCLES)} c ON c.cycle_id = m.cycle_id WHERE c.phase = 'reviewing') "
        "ORDER BY account_id",
    )
    return [Principal(row["account_id"], row["name"], row["org_code"],
                      tuple((str(g[0]), str(g[1])) for g in json.loads(row["grants"])))
            for row in found]


def reminder_key(account_id: str, path: str, due: str, light: str) -> str:
    return f"{account_id}|{path}|{due}|{light}"


def lit_tasks(r: Reader, today: date, tz: ZoneInfo) -> Iterator[Reminder]:
    """A reminder for each yellow or red task of each person, as of ``today``."""
    for person in people_with_tasks(r):
        for task in tasks(r, person, today, tz)["tasks"]:
            if task["light"] not in REMINDED:
                continue
            yield Reminder(
                key=reminder_key(person.account_id, task["path"], task["due"], task["light"]),
                account_id=person.account_id, cycle_id=task["cycle_id"],
                org_code=task["org_code"], item_id=task.get("item_id"), kind=task["kind"],
                light=task["light"], due=task["due"], title=task["title"],
                org_name=task["org_name"], path=task["path"],
            )
