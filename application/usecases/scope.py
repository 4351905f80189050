"""Scope rules this feature needs beyond application/usecases/access.py (which it only calls):
an admin's scope (DOMAIN.md "Round 2": ``admin`` @org administers that org's subtree; ``admin``
@``*`` is the one global admin), and who may rate whom (the conflict-of-interest rule), as pure
functions of data so that read models can apply them too."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from application.app import LianpingApp
from application.principal import Principal, forbid, require_admin
from application.usecases.lookups import ancestors
from domain.account import Account

ANY_ORG = "*"


def is_global_admin(principal: Principal) -> bool:
    return principal.has("admin", ANY_ORG)


def admin_scopes(principal: Principal) -> list[str]:
    """The orgs whose subtrees the principal administers (``*``: everything)."""
    return principal.roles("admin")


def administers_org(app: LianpingApp, principal: Principal, org_code: str | None) -> bool:
    if is_global_admin(principal):
        return True
    scopes = set(admin_scopes(principal))
    if not scopes or org_code is None:
        return False
    return any(code in scopes for code in (org_code, *ancestors(app, org_code)))


def require_admin_of(app: LianpingApp, principal: Principal, account: Account) -> None:
    """An admin whose scope holds the account's org (accounts with no org: the global admin)."""
    require_admin(principal)
    if not administers_org(app, principal, account.org_code):
        raise forbid(
            f"account {account.account_id} lies outside your admin scope", "outside_admin_scope"
        )


def may_rate(
    reviewer: str,
    reviewer_orgs: Sequence[str],
    granted_orgs: Iterable[str],
    org_code: str,
    org_secretary_account: str | None,
    declared_conflict: bool,
) -> bool:
    """Whether a panel member may rate ``org_code`` (DOMAIN.md "Round 2", conflict of interest):
    never an org where they hold any grant, whose appointed secretary they are, or that contains
    their own account org (``reviewer_orgs``: their org and its ancestors); nor a declared
    conflict."""
    return not (
        declared_conflict
        or org_code in reviewer_orgs
        or org_code in set(granted_orgs)
        or (org_secretary_account is not None and org_secretary_account == reviewer)
    )
