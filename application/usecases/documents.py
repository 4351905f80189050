"""What the documents print, taken from the same use cases as the JSON answers (the same access
rules, the same figures): the standings, a participant's feedback, a cycle's final results. This
module only adds the names and dates a letter needs, and refuses a document with nothing in it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from application import lookups
from application.app import LianpingApp, Request
from application.usecases import participants, standings
from domain import ids
from domain.errors import RuleViolationError
from domain.organization import Organization


def _org_name(app: LianpingApp, code: str) -> str | None:
    org = app.find(Organization, ids.org_id(code), read_only=True)
    return org.name if org else None


def moment_text(app: LianpingApp, moment: datetime) -> str:
    """A moment as a reader expects it, in the service's timezone: 2026年11月28日 10:00."""
    local = moment.astimezone(app.tz)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def standings_sheet(
    app: LianpingApp, request: Request, cycle_id: str, as_of: datetime | None
) -> dict[str, Any]:
    """``standings.get_standings`` (its access rule and rows) plus the cycle's title and the
    moment the figures stand at."""
    body = standings.get_standings(app, request, cycle_id, as_of)
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    return {**body, "title": cycle.title, "moment": moment_text(app, as_of or app.now())}


def cycle_title(app: LianpingApp, cycle_id: str) -> str:
    return lookups.cycle(app, cycle_id, read_only=True).title


def feedback_letter(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str
) -> dict[str, Any]:
    """The participant view (``participants.get_participant``: organizer, inspectors, its own
    secretary) reduced to the letter: who writes, to whom, the text, the problems, the date.
    No feedback yet → 409 ``feedback_not_issued``."""
    participant = participants.get_participant(app, request, cycle_id, org_code)
    feedback = participant["feedback"]
    if feedback is None:
        raise RuleViolationError(
            "feedback_not_issued", f"no feedback was issued to {org_code} in {cycle_id} yet"
        )
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    issued = datetime.fromisoformat(feedback["issued_at"]).astimezone(app.tz).date()
    return {
        "cycle_id": cycle_id,
        "title": cycle.title,
        "organizer_name": _org_name(app, cycle.organizer_org),
        "org_code": org_code,
        "org_name": _org_name(app, org_code),
        "secretary": participant["secretary"],
        "text": feedback["text"],
        "problems": feedback["problems"],
        "issued_on": issued,
    }


def bulletin(app: LianpingApp, request: Request, cycle_id: str) -> dict[str, Any]:
    """The frozen results (``standings.get_standings``: organizer, inspectors) for a 通报.
    Before finalization there is nothing to announce → 409 ``results_not_final``."""
    body = standings.get_standings(app, request, cycle_id, None)
    if body["provisional"]:
        raise RuleViolationError(
            "results_not_final", f"cycle {cycle_id} is not finalized: no results to announce yet"
        )
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    return {
        "cycle_id": cycle_id,
        "title": cycle.title,
        "organizer_name": _org_name(app, cycle.organizer_org),
        "rows": body["rows"],
        "issued_on": app.today(),
    }
