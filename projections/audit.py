"""The audit trail (审计轨迹): every event of the log with who, when, which org and cycle, why
and what. ``hash`` is not copied: queries join the event log's own ``hash`` column, so the
trail always shows what is stored there."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from application.paging import cap_page
from domain import ids
from projections.context import ANY_ORG, CONTEXTS, ORGS, context, fold_contexts, fold_orgs
from projections.envelope import Envelope, to_json, utc_text
from projections.tables import Change, Projection, Put, Rows, table
from projections.views import Reader

NAME = "audit"

EVENTS = table(
    "events",
    "position recorded_at aggregate_id aggregate_type version type actor org_code org_path "
    "cycle_id reason data",
    "position",
    "position version",
    indexes=[
        "cycle_id position", "org_code position", "actor position", "type position",
        "aggregate_id position", "recorded_at",
    ],
)


def fold(rows: Rows, e: Envelope) -> Iterator[Change]:
    yield from fold_contexts(rows, e)
    yield from fold_orgs(rows, e)
    cycle_id, org_code = context(rows, e)
    named = e.data.get("org_code")
    if isinstance(named, str) and named != ANY_ORG:
        org_code = named
    if org_code is None and cycle_id is not None:
        # A cycle's aggregates that name no org (the ballot book and its ballots) are its
        # organizer org's, so inspectors over that org see them too.
        cycle = rows.get(CONTEXTS, (str(ids.cycle_id(cycle_id)),))
        org_code = cycle["org_code"] if cycle else None
    subject = e.data.get("subject_position")
    if e.aggregate_type == "InspectionNote" and cycle_id is None and isinstance(subject, int):
        noted = rows.get(EVENTS, (subject,))
        cycle_id = noted["cycle_id"] if noted else None
    org = rows.get(ORGS, (org_code,)) if org_code else None
    reason = e.reason
    yield Put(EVENTS, {
        "position": e.position,
        "recorded_at": utc_text(e.recorded_at),
        "aggregate_id": e.aggregate_id,
        "aggregate_type": e.aggregate_type,
        "version": e.version,
        "type": e.type,
        "actor": e.actor,
        "org_code": org_code,
        "org_path": org["path"] if org else None,
        "cycle_id": cycle_id,
        "reason": reason if isinstance(reason, str) else None,
        "data": to_json(dict(e.data)),
    })


PROJECTION = Projection(NAME, (CONTEXTS, ORGS, EVENTS), fold)


@dataclass(frozen=True)
class Filters:
    cycle_id: str | None = None
    org_code: str | None = None
    actor: str | None = None
    types: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Scope:
    """What one reader may see: everything (the global admin), or the subtrees of
    ``inspector_orgs`` (inspectors' and subtree admins' orgs) and the cycles organized by
    ``organizer_orgs`` (without inspection notes). Built by ``access.trail_scope``."""

    everything: bool = False
    inspector_orgs: tuple[str, ...] = ()
    organizer_orgs: tuple[str, ...] = ()


def _visible(r: Reader, scope: Scope) -> tuple[str, list[Any]] | None:
    """A SQL condition for the scope; None when it shows nothing."""
    if scope.everything:
        return "1 = 1", []
    parts, params = [], []
    if scope.inspector_orgs:
        marks = ", ".join("?" for _ in scope.inspector_orgs)
        for row in r.fetch(f"SELECT path FROM {r.table(ORGS)} WHERE code IN ({marks})",
                           scope.inspector_orgs):
            parts.append("substr(a.org_path, 1, ?) = ?")
            params += [len(row["path"]), row["path"]]
    if scope.organizer_orgs:
        marks = ", ".join("?" for _ in scope.organizer_orgs)
        # Inspectors' notes about a cycle are not shown to the organizer being inspected.
        parts.append(
            f"(a.cycle_id IN (SELECT cycle_id FROM {r.table(CONTEXTS)} "
            f"WHERE aggregate_type = 'Cycle' AND org_code IN ({marks})) "
            "AND a.aggregate_type <> 'InspectionNote')"
        )
        params += list(scope.organizer_orgs)
    return ("(" + " OR ".join(parts) + ")", params) if parts else None


def select(
    r: Reader, filters: Filters, scope: Scope, after: int, limit: int, upto: int | None = None
) -> list[dict[str, Any]]:
    """Events after position ``after`` (up to ``upto``) that match the filters and the scope,
    by position."""
    return [event_view(row) for row in _rows(r, filters, scope, after, limit, upto)]


def _rows(
    r: Reader, filters: Filters, scope: Scope, after: int, limit: int, upto: int | None = None,
    max_chars: int = 0,
) -> list[dict[str, Any]]:
    """With ``max_chars``, rows stop after the first whose data brings the running total of data
    characters to max_chars: a page of large events is not read whole only to be cut."""
    visible = _visible(r, scope)
    if visible is None:
        return []
    conditions, params = ["a.position > ?", visible[0]], [after, *visible[1]]
    if upto is not None:
        conditions.append("a.position <= ?")
        params.append(upto)
    for column, value in (("cycle_id", filters.cycle_id), ("org_code", filters.org_code),
                          ("actor", filters.actor)):
        if value is not None:
            conditions.append(f"a.{column} = ?")
            params.append(value)
    if filters.types:
        conditions.append(f"a.type IN ({', '.join('?' for _ in filters.types)})")
        params += filters.types
    if filters.since is not None:
        conditions.append("a.recorded_at >= ?")
        params.append(utc_text(filters.since))
    if filters.until is not None:
        conditions.append("a.recorded_at <= ?")
        params.append(utc_text(filters.until))
    query = (
        f"SELECT a.*, e.hash FROM {r.table(EVENTS)} a "
        f"LEFT JOIN {r.events_table} e ON e.notification_id = a.position "
        f"WHERE {' AND '.join(conditions)} ORDER BY a.position LIMIT ?"
    )
    if not max_chars:
        return r.fetch(query, [*params, limit])
    running = query.replace(
        "SELECT a.*, e.hash", "SELECT a.*, e.hash, "
        "SUM(LENGTH(a.data)) OVER (ORDER BY a.position) AS running_chars", 1,
    )
    return r.fetch(
        f"SELECT * FROM ({running}) page WHERE running_chars - LENGTH(data) < ? "
        "ORDER BY position",
        [*params, limit, max_chars],
    )


def event_view(row: dict[str, Any]) -> dict[str, Any]:
    stored = row.get("hash")
    return {
        "position": int(row["position"]),
        "recorded_at": row["recorded_at"],
        "aggregate_id": row["aggregate_id"],
        "aggregate_type": row["aggregate_type"],
        "version": int(row["version"]),
        "type": row["type"],
        "actor": row["actor"],
        "org_code": row["org_code"],
        "cycle_id": row["cycle_id"],
        "reason": row["reason"],
        "data": json.loads(row["data"]),
        "hash": bytes(stored).hex() if stored is not None else None,
    }


Shown = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def page(
    r: Reader, filters: Filters, scope: Scope, after: int, limit: int, max_bytes: int = 0,
    shown: Shown = lambda rows: rows,
) -> dict[str, Any]:
    """At most ``limit`` events and ``max_bytes`` of JSON (0: no byte cap); ``shown`` turns the
    rows into what the reader may see (it may leave some out: the cursor still moves past them)."""
    found = _rows(r, filters, scope, after, limit + 1, max_chars=max_bytes)
    # A character takes at least one byte: past max_bytes characters the page is cut anyway.
    cut = bool(max_bytes and found and found[-1]["running_chars"] >= max_bytes)
    rows, more = cap_page([event_view(row) for row in found], limit, max_bytes)
    more = more or cut
    return {
        "position": r.position,
        "events": shown(rows),
        "next_after": rows[-1]["position"] if more else None,
    }


EXPORT_COLUMNS: Sequence[str] = (
    "position", "recorded_at", "aggregate_id", "aggregate_type", "version", "type", "actor",
    "org_code", "cycle_id", "reason", "data", "hash",
)
