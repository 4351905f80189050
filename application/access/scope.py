"""Scope: a grant at an org reaches that org's subtree; ``admin@*`` (``GLOBAL_SCOPE``) reaches
everything. Who administers, inspects or reads the audit trail of an org."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from application.app import LianpingApp
from application.lookups import ancestors
from application.principal import GLOBAL_SCOPE, Principal, forbid, inspects, within


def in_scope(app: LianpingApp, scopes: Iterable[str], org_code: str | None) -> bool:
    """Whether ``org_code`` lies in the subtree of one of ``scopes`` (``*``: everywhere)."""
    wanted = set(scopes)
    if GLOBAL_SCOPE in wanted:
        return True
    if org_code is None or not wanted:
        return False
    # The org itself in scope: no need to climb its ancestors (one lookup per level).
    return org_code in wanted or within(org_code, wanted, ancestors(app, org_code))


def administers(app: LianpingApp, principal: Principal, org_code: str | None) -> bool:
    """Admin @org reaches its subtree; an org-less account or a province's parent (None) is for
    the global admin only."""
    return in_scope(app, principal.roles("admin"), org_code)


def administers_new_org(
    app: LianpingApp,
    principal: Principal,
    org_code: str,
    parent_code: str | None,
    *,
    parent_in_scope: bool | None = None,
) -> bool:
    """Whether an org not yet registered would lie in the admin's scope: when its parent does
    (a province, with no parent: the global admin only), or when it is itself the org of an
    admin grant. ``parent_in_scope``: already decided by the caller (a parent that is new too,
    e.g. earlier in the same import file)."""
    if org_code in principal.roles("admin"):
        return True
    if parent_in_scope is None:
        parent_in_scope = administers(app, principal, parent_code)
    return parent_in_scope


def require_admin_of(app: LianpingApp, principal: Principal, *org_codes: str | None) -> None:
    if not principal.is_admin:
        raise forbid("only an admin may do this", "admin_required")
    for org_code in org_codes:
        if not administers(app, principal, org_code):
            where = "the whole system" if org_code is None else org_code
            raise forbid(
                f"your admin grants do not reach {where} (an admin administers its org's "
                "subtree; only the global admin reaches beyond)",
                "outside_scope",
            )


def inspects_org(app: LianpingApp, principal: Principal, org_code: str) -> bool:
    return inspects(principal, org_code, partial(ancestors, app))


def reads_subtree(app: LianpingApp, principal: Principal, org_code: str | None) -> bool:
    """Subtree readers of the audit trail: inspectors and admins (the global admin: all)."""
    if principal.is_global_admin:
        return True
    if org_code is None:
        return False
    scopes = principal.scoped_roles("inspector") + principal.scoped_roles("admin")
    return in_scope(app, scopes, org_code)


@dataclass(frozen=True)
class TrailScope:
    """What one reader may see of the audit trail and feed: everything (the global admin), the
    subtrees of ``subtree_orgs`` (inspectors, admins), and the cycles organized by
    ``organizer_orgs`` (without inspection notes)."""

    everything: bool = False
    subtree_orgs: tuple[str, ...] = ()
    organizer_orgs: tuple[str, ...] = ()


def trail_scope(principal: Principal, *, organizers: bool = True) -> TrailScope:
    return TrailScope(
        everything=principal.is_global_admin,
        subtree_orgs=tuple(
            dict.fromkeys(principal.scoped_roles("inspector") + principal.scoped_roles("admin"))
        ),
        organizer_orgs=tuple(principal.roles("organizer")) if organizers else (),
    )
