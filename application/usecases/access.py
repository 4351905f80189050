"""Read access: who may see a cycle, a participant, a report, and who sees reviewer identities."""

from __future__ import annotations

from functools import partial

from application.app import LianpingApp
from application.principal import Principal, inspects
from application.usecases.lookups import ancestors
from domain.cycle import Cycle


def is_organizer(principal: Principal, cycle: Cycle) -> bool:
    return principal.has("organizer", cycle.organizer_org)


def inspects_org(app: LianpingApp, principal: Principal, org_code: str) -> bool:
    return inspects(principal, org_code, partial(ancestors, app))


def sees_reviewers(app: LianpingApp, principal: Principal, cycle: Cycle) -> bool:
    """Reviewers are known to the organizer and to inspectors, anonymous to everyone else."""
    return is_organizer(principal, cycle) or inspects_org(app, principal, cycle.organizer_org)


def can_read_cycle(app: LianpingApp, principal: Principal, cycle: Cycle) -> bool:
    return (
        sees_reviewers(app, principal, cycle)
        or cycle.is_panel_member(principal.account_id)
        or any(principal.has("secretary", org) for org in cycle.participants)
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
