"""约谈 and 督办 in the finding read model: talks per participant (held or not), supervision orders
with their responses; and the queries over them (the order list, the talk/order tasks and the
flags ``talk_not_held`` and ``overdue_order``, computed as of today)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.deadlines import DEFAULT_WARN_DAYS, light
from projections.context import context
from projections.deadlines import warn_days_of
from projections.envelope import Envelope, utc_text
from projections.tables import Change, Delete, Put, Rows, table, updated
from projections.views import Reader

TALK_GRADES = ("average", "poor")
TALK_GRACE_DAYS = 30

TALKS = table(
    "talks", "talk_id cycle_id org_code scheduled_for held_on", "talk_id",
    indexes=["cycle_id org_code"],
)
ORDERS = table(
    "orders",
    "order_id position org_code issuer_org cycle_id subject due_date status responses actor "
    "recorded_at",
    "order_id", "position", indexes=["position", "org_code"],
)
FINALIZED = table(
    "finalized", "cycle_id finalized_at position actor grades", "cycle_id", "position"
)
SUPERVISION_TABLES = (TALKS, ORDERS, FINALIZED)


def fold_supervision(rows: Rows, e: Envelope) -> Iterator[Change]:
    d = e.data
    match e.aggregate_type, e.name:
        case "Talk", "Scheduled":
            yield Put(TALKS, {
                "talk_id": e.aggregate_id, "cycle_id": d["cycle_id"], "org_code": d["org_code"],
                "scheduled_for": d["scheduled_for"],
            })
        case "Talk", "Recorded":
            yield from updated(rows, TALKS, (e.aggregate_id,), held_on=d["held_on"])
        case "SupervisionOrder", "Issued":
            yield Put(ORDERS, {
                "order_id": e.aggregate_id, "position": e.position, "org_code": d["org_code"],
                "issuer_org": d["issuer_org"], "cycle_id": d.get("cycle_id"),
                "subject": d["subject"], "due_date": d["due_date"], "status": "open",
                "responses": "[]", "actor": e.actor, "recorded_at": utc_text(e.recorded_at),
            })
        case "SupervisionOrder", "Responded":
            order = rows.get(ORDERS, (e.aggregate_id,))
            if order is not None:
                responses = json.loads(order["responses"])
                responses.append(
                    {"text": d["text"], "at": e.recorded_at.isoformat(), "by": e.actor}
                )
                yield Put(ORDERS, {
                    **order, "status": "answered",
                    "responses": json.dumps(responses, ensure_ascii=False),
                })
        case "SupervisionOrder", "Closed":
            yield from updated(rows, ORDERS, (e.aggregate_id,), status="closed")
        case "SupervisionOrder", "SentBack":
            yield from updated(rows, ORDERS, (e.aggregate_id,), status="open")
        case "Cycle", "Finalized":
            cycle_id, _ = context(rows, e)
            if cycle_id is not None:
                grades = {row["org_code"]: row.get("grade") for row in d.get("results") or []}
                yield Put(FINALIZED, {
                    "cycle_id": cycle_id, "finalized_at": e.recorded_at.isoformat(),
                    "position": e.position, "actor": e.actor,
                    "grades": json.dumps(grades, ensure_ascii=False),
                })
        case "Cycle", "Reopened" if d.get("from_phase") == "finalized":
            cycle_id, _ = context(rows, e)
            if cycle_id is not None and rows.get(FINALIZED, (cycle_id,)) is not None:
                yield Delete(FINALIZED, (cycle_id,))
        case "Cycle", "RehearsalEnded":  # an ended rehearsal calls for no talk
            cycle_id, _ = context(rows, e)
            if cycle_id is not None and rows.get(FINALIZED, (cycle_id,)) is not None:
                yield Delete(FINALIZED, (cycle_id,))


def order_overdue(order: dict[str, Any], today: date) -> bool:
    return order["status"] != "closed" and order["due_date"] < today.isoformat()


def order_view(row: dict[str, Any], today: date,
               warn_days: int = DEFAULT_WARN_DAYS) -> dict[str, Any]:
    return {
        "order_id": row["order_id"], "org_code": row["org_code"], "cycle_id": row["cycle_id"],
        "issuer_org": row["issuer_org"], "subject": row["subject"], "due_date": row["due_date"],
        "status": row["status"], "overdue": order_overdue(row, today),
        "light": light(row["due_date"], row["status"] == "closed", today, warn_days),
        "responses": json.loads(row["responses"]),
    }


def talks_held(r: Reader, cycle_id: str) -> set[str]:
    found = r.fetch(
        f"SELECT DISTINCT org_code FROM {r.table(TALKS)} WHERE cycle_id = ? "
        "AND held_on IS NOT NULL", (cycle_id,),
    )
    return {row["org_code"] for row in found}


def talks_needed(grades: dict[str, str | None]) -> list[str]:
    return sorted(org for org, grade in grades.items() if grade in TALK_GRADES)


def talk_due(finalized_at: str, tz: ZoneInfo) -> date:
    """The day a talk is due: 30 days after the day of finalization in the service's timezone."""
    return datetime.fromisoformat(finalized_at).astimezone(tz).date() + timedelta(
        days=TALK_GRACE_DAYS)


def talk_flags(finalized: dict[str, Any], today: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    """``talk_not_held`` as due for one finalized cycle's row: more than 30 days after
    finalization, each participant graded 一般/差 (whether a talk was held is the caller's)."""
    due = talk_due(finalized["finalized_at"], tz)
    if today <= due:
        return []
    return [{
        "kind": "talk_not_held", "position": finalized["position"], "org_code": org,
        "actor": finalized["actor"], "reason": None, "recorded_at": finalized["finalized_at"],
        "item_id": None, "due_date": due.isoformat(),
    } for org in talks_needed(json.loads(finalized["grades"] or "{}"))]


def order_flag(row: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "overdue_order", "position": row["position"], "org_code": row["org_code"],
            "actor": row["actor"], "reason": None, "recorded_at": row["recorded_at"],
            "item_id": None, "due_date": row["due_date"]}


def list_orders(
    r: Reader, everything: bool, subtrees: Sequence[str], own: Sequence[str],
    org_code: str | None, status: str | None, after: int, limit: int, today: date,
) -> list[dict[str, Any]]:
    """Orders the caller may read (``everything``; orders to orgs in ``subtrees``; orders to
    the ``own`` orgs), optionally of ``org_code``'s subtree and one status; in issue order,
    ``limit`` + 1 rows. Filters never widen scope."""
    from projections.finding import ORGS
    from projections.lists import LIKE, Where, _in_subtrees, like_escape, org_paths

    where = Where()
    where.add("x.position > ?", after)
    if not everything:
        scoped: list[str] = []
        scoped_params: list[Any] = []
        paths = org_paths(r, sorted(set(subtrees))) if subtrees else []
        if paths:
            sql, more = _in_subtrees("o.path", paths)
            scoped.append(sql)
            scoped_params.extend(more)
        if own:
            scoped.append(f"x.org_code IN ({', '.join('?' for _ in own)})")
            scoped_params.extend(own)
        if not scoped:
            return []
        where.add("(" + " OR ".join(scoped) + ")", *scoped_params)
    if org_code is not None:
        path = org_paths(r, [org_code])
        if not path:
            return []
        where.add(f"o.path{LIKE}", like_escape(path[0]) + "%")
    where.equal({"x.status": status})
    found = r.fetch(
        f"SELECT x.* FROM {r.table(ORDERS)} x JOIN {r.table(ORGS)} o ON o.code = x.org_code "
        f"WHERE {where.sql()} ORDER BY x.position LIMIT ?",
        (*where.params, limit + 1),
    )
    warn = warn_days_of(r, [row["cycle_id"] for row in found])
    return [{**order_view(row, today, warn[row["cycle_id"]]), "position": row["position"]}
            for row in found]


def order_row(r: Reader, order_id: str, today: date) -> dict[str, Any] | None:
    """One order as ``list_orders`` shows it (None: unknown); the caller checks the scope."""
    found = r.fetch(f"SELECT * FROM {r.table(ORDERS)} WHERE order_id = ?", (order_id,))
    if not found:
        return None
    cycle_id = found[0]["cycle_id"]
    return order_view(found[0], today, warn_days_of(r, [cycle_id])[cycle_id])


def participant_talks(r: Reader, cycle_id: str, org_code: str) -> list[dict[str, Any]]:
    """The talks with one participant of a cycle, in the order they were scheduled."""
    return [dict(row) for row in r.fetch(
        f"SELECT talk_id, scheduled_for, held_on FROM {r.table(TALKS)} "
        "WHERE cycle_id = ? AND org_code = ? ORDER BY scheduled_for, talk_id",
        (cycle_id, org_code),
    )]
