"""Who reads a cycle and its participants, and who sees its reviewers by name."""

from __future__ import annotations

from application.access.scope import inspects_org
from application.app import LianpingApp
from application.principal import Principal
from domain.cycle import Cycle


def is_organizer(principal: Principal, cycle: Cycle) -> bool:
    return principal.has("organizer", cycle.organizer_org)


def oversees_cycle(app: LianpingApp, principal: Principal, cycle: Cycle) -> bool:
    """The cycle's organizer and inspectors whose scope contains the organizer org: they read
    the whole cycle (standings, board, flags) by name."""
    return is_organizer(principal, cycle) or inspects_org(app, principal, cycle.organizer_org)


def sees_reviewers(app: LianpingApp, principal: Principal, cycle: Cycle) -> bool:
    """Reviewers are known to the organizer, inspectors over it and the global admin;
    anonymous (pseudonyms) to everyone else."""
    return principal.is_global_admin or oversees_cycle(app, principal, cycle)


def can_read_cycle(app: LianpingApp, principal: Principal, cycle: Cycle) -> bool:
    return (
        oversees_cycle(app, principal, cycle)
        or cycle.is_panel_member(principal.account_id)
        or any(can_read_participant(app, principal, cycle, org) for org in cycle.participants)
    )


def can_read_participant(app: LianpingApp, principal: Principal, cycle: Cycle, org: str) -> bool:
    return (
        is_organizer(principal, cycle)
        or principal.has("secretary", org)
        or inspects_org(app, principal, org)
    )


def can_read_report(app: LianpingApp, principal: Principal, cycle: Cycle, org: str) -> bool:
    return can_read_participant(app, principal, cycle, org) or cycle.is_panel_member(
        principal.account_id
    )
