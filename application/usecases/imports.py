"""Bulk import (admin) of organizations and accounts from a table (``tables.read_table``).

All or nothing: every row is decided first, through the aggregates' own rules
(``Organization.register``, ``appoint_secretary``, ``Account.grant``, ``check_role``); any refused
cell refuses the file (422, each cell named), else every aggregate is saved in ONE commit. A row
already present identically is ``unchanged``, so importing the same file twice records nothing
the second time. Rows come in any order: orgs are decided province first, then city, county,
township, so a parent further down the file still works."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.domain import Aggregate

from application.access.scope import administers, administers_new_org
from application.app import LianpingApp, Outcome, Request, of_type
from application.principal import Principal, require_admin
from application.usecases.directory import ANY_ORG
from application.usecases.tables import ImportRejectedError, Rejection, Row, Table
from domain import ids
from domain.account import ROLES, Account, check_role
from domain.errors import DomainError
from domain.organization import LEVELS, Organization, check_level

ORG_COLUMNS = ("code", "name", "level", "parent_code")
ORG_OPTIONAL = ("secretary_name",)
ACCOUNT_COLUMNS = ("account_id", "name", "org_code")
ACCOUNT_OPTIONAL = ("roles",)
_CODE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@-")
MAX_CODE, MAX_NAME = 64, 200


class AdminScope:
    """Which orgs this admin administers (``administers``), with the orgs new in the file
    decided by ``administers_new_org`` (in scope when their parent is) as they are
    planned. Answers are cached: a file names the same orgs on many rows."""

    def __init__(self, app: LianpingApp, principal: Principal) -> None:
        self.app = app
        self.principal = principal
        self._known: dict[str | None, bool] = {}

    def covers(self, code: str | None) -> bool:
        if code not in self._known:
            self._known[code] = administers(self.app, self.principal, code)
        return self._known[code]

    def planned(self, code: str, parent: str | None) -> None:
        """A new org of the file (its parent possibly new in the file too)."""
        self._known[code] = administers_new_org(
            self.app, self.principal, code, parent, parent_in_scope=self.covers(parent)
        )


@dataclass
class Decisions:
    """What the file would do: the aggregates to save, counts, and every refused cell."""

    dry_run: bool
    changed: dict[Any, Aggregate] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def refuse(self, row: Row, column: str, error: str, message: str) -> None:
        self.rejected.append(Rejection(row.number, column, error, message))

    def refuse_error(self, row: Row, column: str, exc: DomainError) -> None:
        details = exc.details if isinstance(exc.details, list) else []
        named = next((d.get("field") for d in details if isinstance(d, dict)), None)
        self.refuse(row, named if named in row.cells else column, exc.code, exc.message)

    def save(self, aggregate: Aggregate) -> None:
        self.changed[aggregate.id] = aggregate

    def body(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": [], "dry_run": self.dry_run}

    def commit(self, app: LianpingApp, request: Request) -> Outcome:
        if self.rejected:
            raise ImportRejectedError(sorted(self.rejected, key=lambda r: r.row))
        body = self.body()
        aggregates = list(self.changed.values())
        if self.dry_run or not aggregates:
            position = app.recorder.max_notification_id() or 0
            return Outcome(body, 0, position)
        return app.commit(request, *aggregates, item=aggregates[-1], body=body,
                          created=self.created > 0)


def _code(decisions: Decisions, row: Row, column: str, required: bool = True) -> str | None:
    value = row.cells.get(column)
    if value is None:
        if required:
            decisions.refuse(row, column, "missing_value", f"{column} is required")
        return None
    if len(value) > MAX_CODE or not set(value) <= _CODE_CHARS or value[0] in ".:@-":
        decisions.refuse(row, column, "invalid_code",
                         "a code: up to 64 letters, digits and _ . : @ - (not first)")
        return None
    return value


def _name(decisions: Decisions, row: Row, column: str, required: bool = True) -> str | None:
    value = row.cells.get(column)
    if value is None:
        if required:
            decisions.refuse(row, column, "missing_value", f"{column} is required")
        return None
    if len(value) > MAX_NAME or "\n" in value or "\r" in value or "\t" in value:
        decisions.refuse(row, column, "invalid_name", "one line of up to 200 characters")
        return None
    return value


def _duplicates(decisions: Decisions, rows: tuple[Row, ...], column: str, error: str) -> set[int]:
    seen: dict[str, int] = {}
    doubled = set()
    for row in rows:
        value = row.cells.get(column)
        if value is None:
            continue
        if value in seen:
            decisions.refuse(row, column, error, f"{value!r} is already on row {seen[value]}")
            doubled.add(row.number)
        else:
            seen[value] = row.number
    return doubled


def _values(rows: tuple[Row, ...], column: str) -> set[str]:
    return {value for row in rows if (value := row.cells.get(column)) is not None}


def _found(app: LianpingApp, cls: type[Any], make_id: Callable[[str], Any],
           codes: set[str]) -> dict[str, Any]:
    """Every existing aggregate of these codes in one read (fresh objects: safe to change)."""
    found = app.find_all(make_id(code) for code in codes)
    return {code: of_type(cls, found.get(make_id(code))) for code in codes}


# -- organizations ---------------------------------------------------------------------------


def import_organizations(
    app: LianpingApp, request: Request, table: Table, dry_run: bool
) -> Outcome:
    require_admin(request.principal)
    decisions = Decisions(dry_run)
    doubled = _duplicates(decisions, table.rows, "code", "duplicate_code")
    codes = _values(table.rows, "code") | _values(table.rows, "parent_code")
    existing = _found(app, Organization, ids.org_id, codes)
    scope = AdminScope(app, request.principal)

    def rank(row: Row) -> int:
        level = row.cells.get("level")
        return LEVELS.index(level) if level in LEVELS else len(LEVELS)

    for row in sorted(table.rows, key=rank):
        if row.number not in doubled:
            _decide_org(app, request, decisions, row, existing, scope)
    return decisions.commit(app, request)


def _decide_org(app: LianpingApp, request: Request, decisions: Decisions, row: Row,
                known: dict[str, Organization | None], scope: AdminScope) -> None:
    code = _code(decisions, row, "code")
    name = _name(decisions, row, "name")
    level = row.cells.get("level") or ""
    parent_code = _code(decisions, row, "parent_code", required=False)
    secretary = _name(decisions, row, "secretary_name", required=False)
    try:
        check_level(level)
    except DomainError as exc:
        decisions.refuse_error(row, "level", exc)
        return
    if code is None or name is None:
        return
    parent = known.get(parent_code) if parent_code else None
    if parent_code and parent is None:
        decisions.refuse(row, "parent_code", "unknown_parent",
                         f"no organization {parent_code!r} in the directory or the file")
        return
    org = known.get(code)
    # A new org lies in scope when its parent does (a province: the global admin only).
    if not scope.covers(parent_code if org is None else code):
        decisions.refuse(row, "parent_code" if parent_code else "code", "outside_scope",
                         "outside the organizations you administer")
        return
    try:
        if org is None:
            org = Organization.register(code, name, level, parent, request.actor)
            known[code] = org
            scope.planned(code, parent_code)
            decisions.created += 1
        elif (org.name, org.level, org.parent_code) != (name, level, parent_code):
            decisions.refuse(row, "name" if org.name != name else "parent_code", "org_differs",
                             f"{code} exists as {org.name} ({org.level}, parent "
                             f"{org.parent_code}); an import does not change it")
            return
        elif secretary is None or (org.secretary_on() or {}).get("name") == secretary:
            decisions.unchanged += 1
            return
        else:
            decisions.updated += 1
        if secretary is not None and (org.secretary_on() or {}).get("name") != secretary:
            org.appoint_secretary(secretary, None, app.today(), request.actor)
    except DomainError as exc:
        decisions.refuse_error(row, "secretary_name" if org else "level", exc)
        return
    decisions.save(org)


# -- accounts --------------------------------------------------------------------------------


def _grants(decisions: Decisions, row: Row) -> list[tuple[str, str]] | None:
    """``secretary@jz-yc;inspector@jz-yc`` → [(role, org)]; None when a part is refused."""
    cell = row.cells.get("roles")
    grants: list[tuple[str, str]] = []
    for part in (cell or "").replace("；", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        role, at, org = part.partition("@")
        role, org = role.strip(), org.strip()
        if not at or not org:
            decisions.refuse(row, "roles", "invalid_role",
                             f"{part!r}: write role@org_code, e.g. secretary@jz-yc")
            return None
        try:
            check_role(role)
        except DomainError as exc:
            decisions.refuse(row, "roles", exc.code,
                             f"unknown role {role!r}; one of {', '.join(ROLES)}")
            return None
        if (role, org) not in grants:
            grants.append((role, org))
    return grants


def import_accounts(app: LianpingApp, request: Request, table: Table, dry_run: bool) -> Outcome:
    require_admin(request.principal)
    decisions = Decisions(dry_run)
    doubled = _duplicates(decisions, table.rows, "account_id", "duplicate_account")
    accounts = _found(app, Account, ids.account_id, _values(table.rows, "account_id"))
    parsed = {row.number: _grants(decisions, row) for row in table.rows}
    org_codes = _values(table.rows, "org_code")
    org_codes |= {org for grants in parsed.values() for _, org in grants or () if org != ANY_ORG}
    orgs = _found(app, Organization, ids.org_id, org_codes)
    scope = AdminScope(app, request.principal)
    for row in table.rows:
        grants = parsed[row.number]
        if row.number not in doubled and grants is not None:
            _decide_account(request, decisions, row, grants, accounts, orgs, scope)
    return decisions.commit(app, request)


def _decide_account(request: Request, decisions: Decisions, row: Row,
                    grants: list[tuple[str, str]], accounts: dict[str, Account | None],
                    orgs: dict[str, Organization | None], scope: AdminScope) -> None:
    account_id = _code(decisions, row, "account_id")
    name = _name(decisions, row, "name")
    org_code = _code(decisions, row, "org_code", required=False)
    if account_id is None or name is None:
        return
    # ``*`` is the global admin's scope, handed on as admin@* only (as directory.grant_role).
    named = [("org_code", org_code), *(("roles", None if (role, org) == ("admin", ANY_ORG)
                                        else org) for role, org in grants)]
    for column, code in named:
        if code is not None and orgs.get(code) is None:
            decisions.refuse(row, column, "unknown_org", f"no organization {code!r}")
            return
    outside = [(column, code) for column, code in named if not scope.covers(code)]
    if outside:
        column, code = outside[0]
        decisions.refuse(row, column, "outside_scope",
                         f"{code or 'the whole system'} lies outside what you administer")
        return
    account = accounts.get(account_id)
    if account is None:
        account = Account(account_id=account_id, name=name, org_code=org_code,
                          actor=request.actor)
        decisions.created += 1
    elif (account.name, account.org_code) != (name, org_code):
        decisions.refuse(row, "name" if account.name != name else "org_code", "account_differs",
                         f"{account_id} exists as {account.name} ({account.org_code}); "
                         "an import does not change it")
        return
    else:
        missing = [g for g in grants if not account.has_grant(*g)]
        if not missing:
            decisions.unchanged += 1
            return
        decisions.updated += 1
    for role, org in grants:
        if not account.has_grant(role, org):
            account.grant(role, org, request.actor)
    decisions.save(account)
