"""督查 reads: who may read the audit trail and the read models, and any aggregate as it was at a
version or a moment (time travel), folded from its own events."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from application import lookups
from application.access.cycles import oversees_cycle
from application.access.reviewers import ReviewerMask, masked_id, unmasked_id
from application.access.scope import administers, inspects_org, reads_subtree
from application.app import LianpingApp, of_type
from application.principal import Principal, forbid
from domain import ids
from domain.account import Account
from domain.cycle import Cycle
from domain.cycle_slot import CycleSlot
from domain.errors import NotFoundError, ValidationError
from domain.note import InspectionNote
from domain.organization import Organization
from domain.rating import Rating
from domain.token import ApiToken
from domain.values import ENVELOPE_FIELDS, plain

#: Attributes of a stored event that are its envelope (id, version, time), not its data.
# -- who may read what -------------------------------------------------------------------------


def require_auditor(principal: Principal) -> None:
    """The audit trail is for admins, inspectors (their subtree) and organizers (their cycles)."""
    if not (principal.is_admin or principal.roles("inspector") or principal.roles("organizer")):
        raise forbid("the audit trail is for inspectors, organizers and admins", "auditor_required")


def require_feed_reader(principal: Principal) -> None:
    if not (principal.is_admin or principal.roles("inspector")):
        raise forbid("the event feed is for admins and inspectors", "inspector_required")


def check_board_reader(app: LianpingApp, principal: Principal, cycle_id: str) -> Cycle:
    """The rectification board: the cycle's organizer and inspectors over it."""
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    if not oversees_cycle(app, principal, cycle):
        raise forbid(
            "the rectification board is for the organizer and inspectors", "organizer_or_inspector"
        )
    return cycle


def check_flags_reader(app: LianpingApp, principal: Principal, cycle_id: str) -> Cycle:
    """Flags are for inspectors, organizers and admins; which of a cycle's flags each one sees
    is ``flags_in_scope``'s business (what lies outside is left out, not refused)."""
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    if not (principal.is_admin or principal.roles("inspector") or principal.roles("organizer")):
        raise forbid(
            "inspection flags are for inspectors, the organizer and admins",
            "organizer_or_inspector",
        )
    return cycle


def flags_in_scope(
    app: LianpingApp, principal: Principal, cycle: Cycle, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A cycle's flags as this reader may see them: all of them for the global admin, the
    organizer and inspectors over it; the flags of orgs in their subtree for other inspectors
    and admins; reviewers by pseudonym where the reader may not know them."""
    if not (principal.is_global_admin or oversees_cycle(app, principal, cycle)):
        rows = [r for r in rows if reads_subtree(app, principal, r.get("org_code"))]
    return ReviewerMask(app, principal).flags(cycle, rows, partial(_is_rating_event, app))


def subtree_flags_in_scope(
    app: LianpingApp, principal: Principal, org_code: str, rows: list[dict[str, Any]],
    inside: set[str],
) -> list[dict[str, Any]]:
    """A subtree's flags (each with its ``cycle_id``) as this reader may see them: each cycle's
    by ``flags_in_scope``; flags of no cycle (orders not tied to one) by subtree scope.
    ``inside``: the cycles organized within the subtree — an inspector of the subtree's root
    (or the global admin) oversees each of them, so their flags pass as they are, without
    loading every cycle."""
    whole = principal.is_global_admin or inspects_org(app, principal, org_code)
    by_cycle: dict[str | None, list[dict[str, Any]]] = {}
    shown: list[dict[str, Any]] = []
    for row in rows:
        if whole and row.get("cycle_id") in inside:
            shown.append(row)
        else:
            by_cycle.setdefault(row.get("cycle_id"), []).append(row)
    cycles = app.read_all(ids.cycle_id(c) for c in by_cycle if c)  # one read for them all
    for cycle_id, group in by_cycle.items():
        cycle = of_type(Cycle, cycles.get(ids.cycle_id(cycle_id))) if cycle_id else None
        if cycle is None:
            shown.extend(r for r in group if principal.is_global_admin
                         or reads_subtree(app, principal, r.get("org_code")))
        else:
            shown.extend(flags_in_scope(app, principal, cycle, group))
    shown.sort(key=lambda flag: (flag["position"], flag["kind"]))
    return shown


def _is_rating_event(app: LianpingApp, position: int) -> bool:
    found = app.recorder.select_notifications(start=position, limit=1)
    return bool(found) and found[0].id == position and found[0].topic.startswith(
        "lianping:Rating."
    )


def check_record_reader(app: LianpingApp, principal: Principal, org_code: str) -> Organization:
    """An org's record: admins, inspectors of its subtree, the organizer of its parent, and its
    own secretary."""
    org = lookups.org(app, org_code)
    if not (
        administers(app, principal, org_code)
        or inspects_org(app, principal, org_code)
        or (org.parent_code is not None and principal.has("organizer", org.parent_code))
        or principal.has("secretary", org_code)
    ):
        raise forbid(f"you may not read the record of {org_code}", "record_forbidden")
    return org


def subject_of(app: LianpingApp, aggregate: Aggregate) -> tuple[str | None, str | None]:
    """(org the aggregate concerns, organizer org of its cycle) — for scoping reads and notes."""
    if isinstance(aggregate, Organization):
        return aggregate.code, None
    if isinstance(aggregate, Cycle | CycleSlot):
        return aggregate.organizer_org, aggregate.organizer_org
    if isinstance(aggregate, ApiToken):
        account = app.find(Account, ids.account_id(aggregate.account_id))
        return (account.org_code if account else None), None
    org_code = getattr(aggregate, "org_code", None)
    cycle_id = getattr(aggregate, "cycle_id", None)
    cycle = app.find(Cycle, ids.cycle_id(cycle_id)) if isinstance(cycle_id, str) else None
    return org_code, (cycle.organizer_org if cycle else None)


def may_read(app: LianpingApp, principal: Principal, aggregate: Aggregate) -> bool:
    org_code, organizer_org = subject_of(app, aggregate)
    return (
        reads_subtree(app, principal, org_code)
        or (organizer_org is not None and principal.has("organizer", organizer_org))
    )


# -- time travel -----------------------------------------------------------------------------


def aggregate_id_from_path(aggregate_id: str) -> UUID:
    try:
        return UUID(aggregate_id)
    except ValueError:
        raise NotFoundError("unknown_aggregate", f"no aggregate {aggregate_id!r}") from None


def get_aggregate_history(
    app: LianpingApp,
    principal: Principal,
    aggregate_id: str,
    version: int | None,
    as_of: datetime | None,
) -> dict[str, Any]:
    """The aggregate at ``version`` (or as of a moment, or now) with its events up to there."""
    if version is not None and as_of is not None:
        raise ValidationError(
            "version_or_as_of",
            "ask for a version or a moment, not both",
            [{"field": "as_of", "message": "not together with version"}],
        )
    shown_id = aggregate_id_from_path(aggregate_id)
    mask = ReviewerMask(app, principal)
    uuid, events, current = _history_of(app, shown_id, aggregate_id)
    cycle_id = getattr(current, "cycle_id", None)
    if isinstance(current, InspectionNote) and current.subject_aggregate_id:
        subject = app.find(Aggregate, UUID(current.subject_aggregate_id), read_only=True)
        cycle_id = getattr(subject, "cycle_id", None)
    rating_hidden = isinstance(current, Rating) and mask.names(cycle_id) is not None
    if rating_hidden == (uuid == shown_id):
        # A rating is addressed by its masked id exactly where its reviewer is hidden: its real
        # id (uuid5 of cycle, org, reviewer) would let a reader test guessed reviewers.
        raise NotFoundError("unknown_aggregate", f"no aggregate {aggregate_id!r}")
    if not may_read(app, principal, current):
        raise forbid(f"you may not read the history of {aggregate_id}", "history_forbidden")
    if version is not None:
        if not 1 <= version <= len(events):
            raise NotFoundError(
                "version_not_found", f"{aggregate_id} has versions 1..{len(events)}, not {version}"
            )
        events = events[:version]
    elif as_of is not None:
        events = [e for e in events if e.timestamp <= as_of]
        if not events:
            raise NotFoundError("not_yet_recorded", f"{aggregate_id} did not exist at {as_of}")
    state = None
    for event in events:
        state = event.mutate(state)  # type: ignore[attr-defined]
    # Where each event sits in the log, so it can be tied to the audit trail and the hash chain.
    in_log = {
        version: {"position": position, "hash": None if hash_ is None else hash_.hex()}
        for version, (position, hash_) in app.recorder.positions_of(uuid).items()
    }
    kind = type(state).__name__
    rows = [
        mask.event({
            "aggregate_id": str(uuid),
            "aggregate_type": kind,
            "cycle_id": cycle_id,
            "version": e.originator_version,
            **in_log.get(e.originator_version, {"position": None, "hash": None}),
            "type": get_topic(type(e)),
            "recorded_at": e.timestamp.isoformat(),
            "actor": vars(e).get("actor"),
            "reason": vars(e).get("reason"),
            "data": plain({k: v for k, v in vars(e).items() if k not in ENVELOPE_FIELDS}),
        })
        for e in events
    ]
    return {
        "aggregate_id": str(shown_id),
        "aggregate_type": kind,
        "version": len(events),
        "as_of": as_of.isoformat() if as_of else None,
        "state": mask.state(kind, cycle_id, plain(
            {k: v for k, v in vars(state).items() if not k.startswith("_")}
        )),
        "events": [
            {k: v for k, v in row.items() if k not in _ROW_ONLY}
            for row in rows
        ],
    }


_ROW_ONLY = ("aggregate_id", "aggregate_type", "cycle_id")  # the history names these once


def _history_of(app: LianpingApp, shown_id: UUID, text: str) -> tuple[UUID, list[Any], Any]:
    """(real id, events, current state) of an aggregate named by its id or its masked id."""
    for uuid in (shown_id, unmasked_id(app, shown_id)):
        events: list[Any] = list(app.events.get(uuid))
        if events:
            current = None
            for event in events:
                current = event.mutate(current)
            return uuid, events, current
    raise NotFoundError("unknown_aggregate", f"no aggregate {text!r}")


def shown_aggregate_id(app: LianpingApp, principal: Principal, aggregate: Aggregate) -> str:
    """The id under which ``principal`` sees ``aggregate`` (a rating's is masked where its
    reviewer is hidden)."""
    if isinstance(aggregate, Rating) and ReviewerMask(app, principal).names(aggregate.cycle_id):
        return masked_id(app, aggregate.id)
    return str(aggregate.id)
