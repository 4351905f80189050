"""Finding things (API.md "Round 2"): the cycles, organizations and accounts a caller may see,
from the finding read model. Whatever lies outside the caller's scope
is left out (never 403); who may read a cycle or a participant is decided by
application/access/, called here, not restated."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from application.access.cycles import can_read_cycle, is_organizer
from application.access.scope import inspects_org
from application.app import LianpingApp
from application.principal import GLOBAL_SCOPE, Principal, require_admin
from domain import ids
from domain.cycle import Cycle
from domain.errors import ValidationError
from domain.organization import Organization
from projections.finding import (
    ACCOUNTS,
    CYCLES,
    GRANTS,
    ORGS,
    PANEL,
    PARTICIPANTS,
)
from projections.views import Reader

ROLE_ORDER = ("organizer", "inspector", "panel", "secretary")


# -- shared helpers ---------------------------------------------------------------------------


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


LIKE = " LIKE ? ESCAPE '\\'"


class Where:
    """Conditions joined by AND, with their parameters in order."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.params: list[Any] = []

    def add(self, condition: str, *params: Any) -> None:
        self.conditions.append(condition)
        self.params.extend(params)

    def equal(self, columns: dict[str, Any]) -> None:
        """``column = ?`` for each column given a value (None: not filtered)."""
        for column, value in columns.items():
            if value is not None:
                self.add(f"{column} = ?", value)

    def sql(self) -> str:
        return " AND ".join(self.conditions) or "1 = 1"


def bad_cursor(after: str) -> ValidationError:
    return ValidationError(
        "invalid_cursor", "after must be a next_after value from an earlier page",
        [{"field": "after", "in": "query", "message": f"not a cursor: {after[:40]!r}"}],
    )


def page(rows: list[Any], limit: int, cursor: Callable[[Any], str]) -> tuple[list[Any], str | None]:
    """``rows`` holds up to limit + 1 rows: one more means there is a next page."""
    if len(rows) > limit:
        return rows[:limit], cursor(rows[limit - 1])
    return rows, None


def org_paths(r: Reader, codes: Sequence[str]) -> list[str]:
    if not codes:
        return []
    marks = ", ".join("?" for _ in codes)
    found = r.fetch(f"SELECT path FROM {r.table(ORGS)} WHERE code IN ({marks})", tuple(codes))
    return [row["path"] for row in found]


def _in_subtrees(column: str, paths: Sequence[str]) -> tuple[str, list[str]]:
    """SQL: ``column`` (an org path) lies in one of the subtrees."""
    if not paths:
        return "1 = 0", []
    return (
        "(" + " OR ".join(f"{column}{LIKE}" for _ in paths) + ")",
        [like_escape(path) + "%" for path in paths],
    )


def _contains(columns: Sequence[str], q: str) -> tuple[str, list[str]]:
    pattern = "%" + like_escape(q.lower()) + "%"
    return (
        "(" + " OR ".join(f"LOWER({c}){LIKE}" for c in columns) + ")",
        [pattern] * len(columns),
    )


def path_codes(path: str | None) -> list[str]:
    """The codes along an org path, from the province down (path segments are escaped)."""
    if not path:
        return []
    return [
        segment.replace("%2F", "/").replace("%25", "%")
        for segment in path.strip("/").split("/") if segment
    ]


# -- GET /cycles --------------------------------------------------------------------------------


def _cycle_cursor(row: dict[str, Any]) -> str:
    return f"{row['year']}:{row['cycle_id']}"


def _parse_cycle_cursor(after: str) -> tuple[int, str]:
    year, sep, cycle_id = after.partition(":")
    if not sep or not re.fullmatch(r"[0-9]{1,4}", year) or not cycle_id:
        raise bad_cursor(after)
    return int(year), cycle_id


def _candidates(r: Reader, principal: Principal) -> tuple[str, list[Any]]:
    """SQL for the cycles the caller might read (a superset; ``can_read_cycle`` decides): those
    organized by an org it organizes or inspects (or below), those with a participant it is the
    secretary of or inspects, those whose panel it sits on."""
    p, o = r.table(PARTICIPANTS), r.table(ORGS)
    clauses: list[str] = ["c.cycle_id IN (SELECT cycle_id FROM " + r.table(PANEL)
                          + " WHERE account_id = ?)"]
    params: list[Any] = [principal.account_id]
    organizing = principal.roles("organizer")
    if organizing:
        clauses.append(f"c.organizer_org IN ({', '.join('?' for _ in organizing)})")
        params += organizing
    inspected = org_paths(r, principal.roles("inspector"))
    if inspected:
        sql, more = _in_subtrees("oo.path", inspected)
        clauses.append(f"c.organizer_org IN (SELECT oo.code FROM {o} oo WHERE {sql})")
        params += more
        sql, more = _in_subtrees("po.path", inspected)
        clauses.append(
            f"c.cycle_id IN (SELECT pp.cycle_id FROM {p} pp JOIN {o} po ON po.code = pp.org_code"
            f" WHERE {sql})"
        )
        params += more
    secretary_of = principal.roles("secretary")
    if secretary_of:
        clauses.append(
            f"c.cycle_id IN (SELECT sp.cycle_id FROM {p} sp WHERE sp.org_code IN "
            f"({', '.join('?' for _ in secretary_of)}))"
        )
        params += secretary_of
    return "(" + " OR ".join(clauses) + ")", params


class Lookups:
    """The application as one read request sees it: each aggregate looked up once (read-only),
    however often the access rules ask for it — listing a hundred cycles asks for the same
    organizer orgs and their ancestors again and again. Everything else is the application."""

    def __init__(self, app: LianpingApp) -> None:
        self._app = app
        self._found: dict[Any, Any] = {}

    def find(self, cls: type[Any], aggregate_id: Any, *, read_only: bool = True) -> Any:
        key = (cls, aggregate_id)
        if key not in self._found:
            self._found[key] = self._app.find(cls, aggregate_id, read_only=True)
        return self._found[key]

    def prime(self, cls: type[Any], versions: dict[Any, int]) -> None:
        """Take what the cache holds at least as new as these versions, without I/O."""
        for aggregate_id, version in versions.items():
            key = (cls, aggregate_id)
            if key not in self._found:
                cached = self._app.cached(cls, aggregate_id)
                if cached is not None and cached.version >= version:
                    self._found[key] = cached

    def at_least(self, cls: type[Any], aggregate_id: Any, version: int) -> Any:
        """The aggregate, from this process's cache without I/O when the cache holds it at
        ``version`` or newer (the version a read model shows: as fresh as that view)."""
        key = (cls, aggregate_id)
        if key not in self._found:
            cached = self._app.cached(cls, aggregate_id)
            if cached is not None and cached.version >= version:
                self._found[key] = cached
        return self.find(cls, aggregate_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)


def _prime_orgs(r: Reader, memo: Lookups, codes: set[str]) -> None:
    """The access rules look up organizer orgs and their ancestors: take the cached ones that
    are as new as the view without a round trip each."""
    if not codes:
        return
    paths = r.fetch(f"SELECT path FROM {r.table(ORGS)} WHERE code IN ({_marks(codes)})",
                    tuple(codes))
    chain = sorted({code for row in paths for code in path_codes(row["path"])})
    if chain:
        found = r.fetch(f"SELECT code, version FROM {r.table(ORGS)} "
                        f"WHERE code IN ({_marks(chain)})", tuple(chain))
        memo.prime(Organization, {ids.org_id(row["code"]): int(row["version"] or 0)
                                  for row in found})


def _marks(values: Any) -> str:
    return ", ".join("?" for _ in values)


def my_roles(app: LianpingApp, principal: Principal, cycle: Cycle) -> list[str]:
    inspected = principal.roles("inspector")
    roles = {
        "organizer": is_organizer(principal, cycle),
        # Participants are direct children of the organizer: one of them lies in an inspector's
        # subtree when the organizer does, or when it is itself an inspector's scope.
        "inspector": bool(inspected) and (
            inspects_org(app, principal, cycle.organizer_org)
            or any(org in inspected for org in cycle.participants)
        ),
        "panel": cycle.is_panel_member(principal.account_id),
        "secretary": any(principal.has("secretary", org) for org in cycle.participants),
    }
    return [role for role in ROLE_ORDER if roles[role]]


def cycles(
    r: Reader, app: LianpingApp, principal: Principal, *, organizer_org: str | None = None,
    level: str | None = None, year: int | None = None, phase: str | None = None,
    limit: int = 100, after: str | None = None,
) -> dict[str, Any]:
    """The cycles the caller may read, newest year first (then by cycle id)."""
    scope, params = _candidates(r, principal)
    where = Where()
    where.add(scope, *params)
    where.equal({"c.organizer_org": organizer_org, "c.level": level, "c.year": year,
                 "c.phase": phase})
    cursor = _parse_cycle_cursor(after) if after is not None else None
    memo = Lookups(app)
    app = cast(LianpingApp, memo)
    found: list[dict[str, Any]] = []
    while len(found) <= limit:
        paging = ""
        paged = list(where.params)
        if cursor is not None:
            paging = " AND (c.year < ? OR (c.year = ? AND c.cycle_id > ?))"
            paged += [cursor[0], cursor[0], cursor[1]]
        batch = r.fetch(
            f"SELECT c.cycle_id, c.organizer_org, o.name AS organizer_name, c.level, c.year, "
            f"c.title, c.phase, c.rehearsal, c.version, "
            f"(SELECT COUNT(*) FROM {r.table(PARTICIPANTS)} n "
            f"WHERE n.cycle_id = c.cycle_id) AS participants "
            f"FROM {r.table(CYCLES)} c LEFT JOIN {r.table(ORGS)} o ON o.code = c.organizer_org "
            f"WHERE {where.sql()}{paging} ORDER BY c.year DESC, c.cycle_id LIMIT ?",
            (*paged, limit + 1),
        )
        _prime_orgs(r, memo, {row["organizer_org"] for row in batch})
        for row in batch:
            cursor = (row["year"], row["cycle_id"])
            version = int(row.pop("version") or 0)
            cycle = memo.at_least(Cycle, ids.cycle_id(row["cycle_id"]), version)
            if cycle is not None and can_read_cycle(app, principal, cycle):
                found.append({**row, "year": int(row["year"]),
                              "rehearsal": bool(row["rehearsal"]),
                              "participants": int(row["participants"]),
                              "my_roles": my_roles(app, principal, cycle)})
        if len(batch) <= limit:
            break
    rows, next_after = page(found, limit, _cycle_cursor)
    return {"cycles": rows, "next_after": next_after, "position": r.position}


# -- GET /organizations -------------------------------------------------------------------------


def organizations(
    r: Reader, principal: Principal, *, parent_code: str | None = None, level: str | None = None,
    q: str | None = None, limit: int = 100, after: str | None = None,
) -> dict[str, Any]:
    """Orgs in the subtrees of the caller's grants (a global admin: all), in tree order."""
    where = Where()
    scopes = {org for _, org in principal.grants}
    if GLOBAL_SCOPE not in scopes:
        sql, more = _in_subtrees("path", org_paths(r, sorted(scopes)))
        where.add(sql, *more)
    where.equal({"parent_code": parent_code, "level": level})
    if q:
        sql, more = _contains(("code", "name"), q)
        where.add(sql, *more)
    if after is not None:
        where.add("path > ?", after)
    found = r.fetch(
        f"SELECT code, name, level, parent_code, secretary AS secretary_name, path "
        f"FROM {r.table(ORGS)} WHERE {where.sql()} ORDER BY path LIMIT ?",
        (*where.params, limit + 1),
    )
    rows, next_after = page(found, limit, lambda row: row["path"])
    for row in rows:
        del row["path"]
    return {"organizations": rows, "next_after": next_after, "position": r.position}


# -- GET /accounts ------------------------------------------------------------------------------


def accounts(
    r: Reader, principal: Principal, *, org_code: str | None = None, role: str | None = None,
    q: str | None = None, limit: int = 100, after: str | None = None,
) -> dict[str, Any]:
    """Accounts in the caller's admin scope (admins only), by account id."""
    require_admin(principal)
    where = Where()
    scopes = principal.roles("admin")
    if GLOBAL_SCOPE not in scopes:
        sql, more = _in_subtrees("o.path", org_paths(r, scopes))
        where.add(sql, *more)
    where.equal({"a.org_code": org_code})
    if role is not None:
        where.add(
            f"EXISTS (SELECT 1 FROM {r.table(GRANTS)} g WHERE g.account_id = a.account_id "
            "AND g.role = ?)", role,
        )
    if q:
        sql, more = _contains(("a.account_id", "a.name"), q)
        where.add(sql, *more)
    if after is not None:
        where.add("a.account_id > ?", after)
    found = r.fetch(
        f"SELECT a.account_id, a.name, a.org_code, a.grants, a.has_password "
        f"FROM {r.table(ACCOUNTS)} a LEFT JOIN {r.table(ORGS)} o ON o.code = a.org_code "
        f"WHERE {where.sql()} ORDER BY a.account_id LIMIT ?",
        (*where.params, limit + 1),
    )
    rows, next_after = page(found, limit, lambda row: row["account_id"])
    return {
        "accounts": [
            {
                "account_id": row["account_id"], "name": row["name"], "org_code": row["org_code"],
                "grants": [{"role": g[0], "org_code": g[1]} for g in json.loads(row["grants"])],
                "has_password": bool(row["has_password"]),
            }
            for row in rows
        ],
        "next_after": next_after,
        "position": r.position,
    }


@dataclass(frozen=True)
class Window:
    """Which positions to read: those after ``after``; with a ``limit``, each source stops after
    about that many rows (a page's worth), never inside a position."""

    after: int = 0
    limit: int | None = None
    upto: int | None = None  # and none after this one (another source of the page stopped here)

    def fetch(self, r: Reader, query: str, params: tuple[Any, ...], column: str,
              order: str = "") -> tuple[list[dict[str, Any]], int | None]:
        """Rows of ``query`` (``SELECT ... WHERE ...``) in ``column`` order (then ``order``),
        and the position up to which they are complete: None when every row was read, else
        the last one read (all rows at it included)."""
        key = column.rsplit(".", 1)[-1]
        query, params = f"{query} AND {column} > ?", (*params, self.after)
        if self.upto is not None:
            query, params = f"{query} AND {column} <= ?", (*params, self.upto)
        ordered = f" ORDER BY {column}{', ' + order if order else ''}"
        if self.limit is None:
            return r.fetch(query + ordered, params), None
        rows = r.fetch(f"{query}{ordered} LIMIT {self.limit + 1}", params)
        if len(rows) <= self.limit:
            return rows, None
        last = rows[-1][key]
        return [row for row in rows if row[key] < last] + r.fetch(
            f"{query} AND {column} = ?{ordered}", (*params, last)), last


WHOLE = Window()  # every position
