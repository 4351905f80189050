"""Rehearsals (模拟测评 / 演练): a cycle that runs the whole flow before the real vote and never
counts. It claims no organizer-level-year slot, takes an id of its own, is never a previous
cycle, and its organizer may end it from any phase (it is then closed)."""

from __future__ import annotations

import itertools

from application import lookups
from application.app import LianpingApp, Outcome, Request
from application.principal import require_organizer
from domain import ids
from domain.cycle import Cycle
from domain.errors import ValidationError


def rehearsal_id(app: LianpingApp, given: str | None, organizer_org: str, year: int) -> str:
    """The id given, else the first of ``<org>-<year>-rehearsal``, ``…-rehearsal-2``, … not
    taken yet; never the id the real cycle gets by default (``<org>-<year>``)."""
    if given == f"{organizer_org}-{year}":
        raise ValidationError(
            "cycle_id_reserved",
            f"{given} is the real cycle's default id: a rehearsal takes another",
            [{"field": "cycle_id", "message": "reserved for the real cycle"}],
        )
    if given is not None:
        return given
    for n in itertools.count(1):
        candidate = f"{organizer_org}-{year}-rehearsal" + (f"-{n}" if n > 1 else "")
        if app.find(Cycle, ids.cycle_id(candidate), read_only=True) is None:
            return candidate
    raise AssertionError("unreachable")


def refuse_rehearsal_as_previous(previous: Cycle) -> None:
    """Movement and carry-over read the previous cycle: a rehearsal is never one."""
    if previous.rehearsal:
        raise ValidationError(
            "previous_cycle_is_rehearsal",
            f"{previous.cycle_id} is a rehearsal (演练): it never counts as a previous cycle",
            [{"field": "previous_cycle_id", "message": "a rehearsal, not a real cycle"}],
        )


def end_rehearsal(
    app: LianpingApp, request: Request, cycle_id: str, reason: str | None
) -> Outcome:
    cycle = lookups.cycle(app, cycle_id)
    require_organizer(request.principal, cycle.organizer_org)
    request.check_version(cycle)
    cycle.end_rehearsal(reason, request.actor)
    body = {"phase": cycle.phase, "rehearsal_ended": cycle.rehearsal_ended}
    return app.commit(request, cycle, item=cycle, body=body)
