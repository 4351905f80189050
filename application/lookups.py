"""Loading aggregates by their natural keys, with the error a caller expects when one is missing.

``where="path"`` gives 404 (an unknown id in the URL); ``where="body"`` gives 422 (an unknown code
inside a request body), as API.md asks."""

from __future__ import annotations

from typing import Literal

from application.app import LianpingApp
from domain import ids
from domain.account import Account
from domain.cycle import Cycle
from domain.errors import NotFoundError, ValidationError
from domain.organization import Organization

Where = Literal["path", "body"]


def _missing(where: Where, code: str, field: str, message: str) -> Exception:
    if where == "path":
        return NotFoundError(code, message)
    return ValidationError(code, message, [{"field": field, "message": message}])


def org(
    app: LianpingApp, code: str, where: Where = "path", field: str = "org_code"
) -> Organization:
    found = app.find(Organization, ids.org_id(code))
    if found is None:
        raise _missing(where, "unknown_org", field, f"no organization with code {code!r}")
    return found


def account(
    app: LianpingApp, account_id: str, where: Where = "path", field: str = "account_id"
) -> Account:
    found = app.find(Account, ids.account_id(account_id))
    if found is None:
        raise _missing(where, "unknown_account", field, f"no account {account_id!r}")
    return found


def cycle(
    app: LianpingApp,
    cycle_id: str,
    where: Where = "path",
    field: str = "cycle_id",
    *,
    read_only: bool = False,
) -> Cycle:
    found = app.find(Cycle, ids.cycle_id(cycle_id), read_only=read_only)
    if found is None:
        raise _missing(where, "unknown_cycle", field, f"no cycle {cycle_id!r}")
    return found


def ancestors(app: LianpingApp, code: str) -> list[str]:
    """Parent codes from the nearest up to the province. Orgs never move (no event changes a
    parent), so an org this process caches answers as cached: no read, and no read guard for a
    command to assert (a scope or conflict check up the chain costs no query per level)."""
    chain: list[str] = []
    current = _org_as_created(app, code)
    while current is not None and current.parent_code is not None:
        chain.append(current.parent_code)
        current = _org_as_created(app, current.parent_code)
    return chain


def _org_as_created(app: LianpingApp, code: str) -> Organization | None:
    org_id = ids.org_id(code)
    return app.cached(Organization, org_id) or app.find(Organization, org_id, read_only=True)


def participant(app: LianpingApp, cycle_id: str, org_code: str) -> Cycle:
    """The cycle, provided org_code is one of its participants (else 404: it is a path segment).
    For reading only (``LianpingApp.find(read_only=True)``): a participant's commands change
    their own aggregates, never the cycle."""
    found = cycle(app, cycle_id, read_only=True)
    if org_code not in found.participants:
        raise NotFoundError(
            "unknown_participant", f"{org_code} is not a participant of cycle {cycle_id}"
        )
    return found
