"""Supervision (约谈, 督办): who holds talks, issues, answers and closes orders, and reads
coverage, subtree flags and a person's record."""

from __future__ import annotations

from collections.abc import Callable

from application.access.cycles import oversees_cycle
from application.access.scope import administers, in_scope, inspects_org, reads_subtree
from application.app import LianpingApp
from application.lookups import ancestors
from application.principal import Principal, forbid
from domain.cycle import Cycle


def require_talk_holder(app: LianpingApp, principal: Principal, cycle: Cycle) -> None:
    """Talks are scheduled and recorded by the organizer or an inspector over the organizer."""
    if not oversees_cycle(app, principal, cycle):
        raise forbid(
            f"only an organizer of {cycle.organizer_org} or an inspector over it may do this",
            "talk_holder_required",
        )


def issuing_scope(app: LianpingApp, principal: Principal, org_code: str) -> str:
    """The org of the caller's inspector grant whose subtree holds ``org_code`` (the order's
    issuer org, nearest first): an order goes to an org in the issuer's scope."""
    scopes = principal.scoped_roles("inspector")
    if not scopes:
        raise forbid("only an inspector may issue a supervision order", "inspector_required")
    chain = [org_code, *ancestors(app, org_code)]
    for org in chain:
        if org in scopes:
            return org
    raise forbid(f"{org_code} lies outside your inspection scope", "outside_scope")


def require_order_closer(app: LianpingApp, principal: Principal, issuer_org: str) -> None:
    if not inspects_org(app, principal, issuer_org):
        raise forbid(
            f"only an inspector whose scope contains {issuer_org} (the issuer's org) may close "
            "or send back this order", "inspector_required",
        )


def require_order_answerer(principal: Principal, org_code: str) -> None:
    if not principal.has("secretary", org_code):
        raise forbid(f"only the secretary of {org_code} may answer this order",
                     "secretary_required")


def order_readers_scope(principal: Principal) -> tuple[bool, list[str], list[str]]:
    """(everything, subtree orgs, own orgs): orders a caller may list — the global admin all,
    inspectors and admins their subtrees, secretaries their own org's."""
    subtrees = list(dict.fromkeys(
        principal.scoped_roles("inspector") + principal.scoped_roles("admin")
    ))
    return principal.is_global_admin, subtrees, principal.roles("secretary")


def person_record_filter(
    app: LianpingApp, principal: Principal, account_id: str
) -> Callable[[str], bool]:
    """Which rows of a person's record the caller reads: all of them for the person and the
    global admin; for inspectors and admins, the rows of orgs in their subtrees (the rest left
    out). Anyone else is refused."""
    if principal.account_id == account_id or principal.is_global_admin:
        return lambda org_code: True
    if not (principal.scoped_roles("inspector") or principal.scoped_roles("admin")):
        raise forbid(
            "a person's record is for the person, admins and inspectors", "record_forbidden"
        )
    return lambda org_code: reads_subtree(app, principal, org_code)


def require_coverage_reader(app: LianpingApp, principal: Principal, org_code: str) -> None:
    """Coverage of the level below (一级抓一级): organizers and inspectors whose scope contains
    the org, and admins of it."""
    scopes = principal.scoped_roles("organizer") + principal.scoped_roles("inspector")
    if not (in_scope(app, scopes, org_code) or administers(app, principal, org_code)):
        raise forbid(
            f"coverage of {org_code} is for organizers and inspectors whose scope contains it, "
            "and its admins", "outside_scope",
        )


def require_subtree_flags_reader(app: LianpingApp, principal: Principal, org_code: str) -> None:
    """A subtree's flags: inspectors and admins whose scope contains the org, and organizers
    of the org itself or above it."""
    if not (reads_subtree(app, principal, org_code)
            or in_scope(app, principal.scoped_roles("organizer"), org_code)):
        raise forbid(
            f"the flags of {org_code}'s subtree are for inspectors, organizers and admins whose "
            "scope contains it", "outside_scope",
        )
