"""Folds several read models share: which cycle and org each aggregate belongs to
(participant-scoped aggregates carry them in their creation event only), and the org tree."""

from __future__ import annotations

from collections.abc import Iterator

from domain import ids
from projections.envelope import Envelope
from projections.tables import Change, Put, Rows, table, updated

CONTEXTS = table("contexts", "aggregate_id aggregate_type cycle_id org_code", "aggregate_id",
                 indexes=["org_code aggregate_type"])  # an organizer's cycles (audit scope)
ORGS = table("orgs", "code name level parent_code path secretary", "code")

ANY_ORG = "*"  # an admin grant's scope, not an org


def fold_contexts(rows: Rows, e: Envelope) -> Iterator[Change]:
    if not e.created:
        return
    d = e.data
    cycle_id = d.get("cycle_id")
    org_code = d.get("org_code")
    match e.aggregate_type:
        case "Cycle" | "CycleSlot":
            org_code = d["organizer_org"]
        case "Organization":
            org_code = d["code"]
        case "ApiToken":
            account = rows.get(CONTEXTS, (str(ids.account_id(d["account_id"])),))
            org_code = account["org_code"] if account else None
        case "InspectionNote" if d.get("subject_aggregate_id"):
            subject = rows.get(CONTEXTS, (str(d["subject_aggregate_id"]),))
            cycle_id = subject["cycle_id"] if subject else None
    yield Put(CONTEXTS, {
        "aggregate_id": e.aggregate_id,
        "aggregate_type": e.aggregate_type,
        "cycle_id": cycle_id if isinstance(cycle_id, str) else None,
        "org_code": org_code if isinstance(org_code, str) and org_code != ANY_ORG else None,
    })


def context(rows: Rows, e: Envelope) -> tuple[str | None, str | None]:
    """(cycle_id, org_code) of the event's aggregate."""
    found = rows.get(CONTEXTS, (e.aggregate_id,))
    return (found["cycle_id"], found["org_code"]) if found else (None, None)


def path_segment(code: str) -> str:
    # Escaped so that one org's path is a prefix of another's only for its own subtree.
    return code.replace("%", "%25").replace("/", "%2F") + "/"


def fold_orgs(rows: Rows, e: Envelope) -> Iterator[Change]:
    """Needs CONTEXTS (folded first) to find an org's code from its aggregate id."""
    if e.aggregate_type != "Organization":
        return
    d = e.data
    if e.created:
        parent = rows.get(ORGS, (d["parent_code"],)) if d.get("parent_code") else None
        yield Put(ORGS, {
            "code": d["code"],
            "name": d["name"],
            "level": d["level"],
            "parent_code": d.get("parent_code"),
            "path": (parent["path"] if parent else "/") + path_segment(d["code"]),
        })
    elif e.name == "SecretaryAppointed":
        org = rows.get(CONTEXTS, (e.aggregate_id,))
        if org is not None:
            yield from updated(rows, ORGS, (org["org_code"],), secretary=d["name"])
