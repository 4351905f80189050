"""Reading a cycle: the whole of it for organizers and inspectors, with pseudonyms and only
one's own veto for everyone else; now or as it was at a moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from application import lookups
from application.access import (
    can_read_cycle,
    can_read_participant,
    pseudonym,
    sees_reviewers,
)
from application.app import LianpingApp, Request
from application.principal import forbid
from application.usecases.history import state_at
from application.usecases.standings import previous_cycle
from domain.cycle import Cycle
from domain.errors import NotFoundError


def cycle_view(
    cycle: Cycle, *, show_reviewers: bool = True, own_orgs: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The whole cycle for organizers and inspectors; for secretaries and reviewers, reviewers are
    pseudonyms and only their own org's veto is shown."""
    return {
        "cycle_id": cycle.cycle_id,
        "organizer_org": cycle.organizer_org,
        "level": cycle.level,
        "year": cycle.year,
        "title": cycle.title,
        "phase": cycle.phase,
        "scheme": cycle.scheme,
        "scheme_version": cycle.scheme_version,
        "participants": list(cycle.participants),
        "panel": list(cycle.panel) if show_reviewers else pseudonyms(cycle),
        "panel_categories": dict(cycle.panel_categories) if show_reviewers else {},
        "previous_cycle_id": cycle.previous_cycle_id,
        "deadlines": cycle.deadlines,
        "warn_days": cycle.warn_days,
        "vetoes": [
            {"org_code": o, "reason": r}
            for o, r in cycle.vetoes.items()
            if show_reviewers or o in own_orgs
        ],
        "conflicts": list(cycle.conflicts) if show_reviewers else [],
        "rehearsal": cycle.rehearsal,
        "rehearsal_ended": cycle.rehearsal_ended,
        "version": cycle.version,
    }


def pseudonyms(cycle: Cycle) -> list[str]:
    return [pseudonym(cycle, member) for member in cycle.panel]


def get_cycle(
    app: LianpingApp, request: Request, cycle_id: str, as_of: datetime | None = None
) -> dict[str, Any]:
    """The cycle now, or as it was at a moment (its deadlines then, its participants then …)."""
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    if not can_read_cycle(app, request.principal, cycle):
        raise forbid(f"you may not read cycle {cycle_id}")
    if as_of is not None:
        then = state_at(app, Cycle, cycle.id, as_of)
        if then is None:
            raise NotFoundError("not_yet_recorded", f"cycle {cycle_id} did not exist at {as_of}")
        cycle = then
    previous = previous_cycle(app, cycle, as_of)
    return {
        **cycle_view(
            cycle,
            show_reviewers=sees_reviewers(app, request.principal, cycle),
            own_orgs=tuple(
                org for org in cycle.participants
                if can_read_participant(app, request.principal, cycle, org)
            ),
        ),
        "previous_cycle_in_effect": previous.cycle_id if previous else None,
    }
