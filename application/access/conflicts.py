"""Conflicts of interest: a panel member never rates, and an organizer never acts on, a
participant they are tied to (the pure rating rule: ``domain/conflicts.py``)."""

from __future__ import annotations

from application.access.cycles import is_organizer
from application.app import LianpingApp
from application.lookups import ancestors
from application.principal import Principal, forbid
from domain import ids
from domain.conflicts import rating_conflicts
from domain.cycle import Cycle
from domain.organization import Organization


def organizer_conflicts(
    principal: Principal, org_code: str, appointed_secretary: str | None
) -> list[str]:
    """Why an organizer may not act on participant ``org_code`` (empty: no conflict). Pure."""
    why = []
    if principal.has("secretary", org_code):
        why.append("secretary_grant")
    if appointed_secretary is not None and appointed_secretary == principal.account_id:
        why.append("appointed_secretary")
    return why


def appointed_secretary(app: LianpingApp, org_code: str) -> str | None:
    org = app.find(Organization, ids.org_id(org_code), read_only=True)
    secretary = org.secretary_on(app.today()) if org else None
    return secretary.get("account_id") if secretary else None


def _conflict(who: str, org_code: str, why: list[str]) -> Exception:
    return forbid(
        f"{who} may not act on {org_code} (conflict of interest: {', '.join(why)})",
        "conflict_of_interest",
    )


def require_reviewer(app: LianpingApp, principal: Principal, cycle: Cycle, org_code: str) -> None:
    """A panel member of the cycle without a conflict with ``org_code``."""
    reviewer = principal.account_id
    if not cycle.is_panel_member(reviewer):
        raise forbid(f"{reviewer} is not on the panel of this cycle", "not_panel_member")
    own = principal.org_code
    why = rating_conflicts(
        reviewer,
        org_code,
        (org for _, org in principal.grants),
        [] if own is None else [own, *ancestors(app, own)],
        appointed_secretary(app, org_code),
        cycle.has_conflict(reviewer, org_code),
    )
    if why:
        raise _conflict(reviewer, org_code, why)


def require_organizer_of(
    app: LianpingApp, principal: Principal, cycle: Cycle, org_code: str
) -> None:
    """The cycle's organizer, acting on one participant it has no conflict with."""
    if not is_organizer(principal, cycle):
        raise forbid(
            f"only an organizer of {cycle.organizer_org} may do this", "organizer_required"
        )
    why = organizer_conflicts(principal, org_code, appointed_secretary(app, org_code))
    if why:
        raise _conflict(principal.account_id, org_code, why)
