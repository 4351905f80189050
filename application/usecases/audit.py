"""督查 reads: who may read the audit trail and the read models, and any aggregate as it was at a
version or a moment (time travel), folded from its own events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from application.app import LianpingApp
from application.principal import Principal, forbid
from application.usecases import lookups
from application.usecases.access import inspects_org, sees_reviewers
from domain import ids
from domain.account import Account
from domain.cycle import Cycle, CycleSlot
from domain.errors import NotFoundError, ValidationError
from domain.organization import Organization
from domain.token import ApiToken

#: Attributes of a stored event that are its envelope (id, version, time), not its data.
ENVELOPE_FIELDS = ("originator_id", "originator_version", "timestamp", "originator_topic")


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
    if not sees_reviewers(app, principal, cycle):
        raise forbid(
            "the rectification board is for the organizer and inspectors", "organizer_or_inspector"
        )
    return cycle


def check_flags_reader(app: LianpingApp, principal: Principal, cycle_id: str) -> Cycle:
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    if not (principal.is_admin or sees_reviewers(app, principal, cycle)):
        raise forbid(
            "inspection flags are for inspectors, the organizer and admins",
            "organizer_or_inspector",
        )
    return cycle


def check_record_reader(app: LianpingApp, principal: Principal, org_code: str) -> Organization:
    """An org's record: admins, inspectors of its subtree, the organizer of its parent, and its
    own secretary."""
    org = lookups.org(app, org_code)
    if not (
        principal.is_admin
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
        principal.is_admin
        or (org_code is not None and inspects_org(app, principal, org_code))
        or (organizer_org is not None and principal.has("organizer", organizer_org))
    )


# -- time travel -----------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """Aggregate state and event data as JSON values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


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
    uuid = aggregate_id_from_path(aggregate_id)
    events: list[Any] = list(app.events.get(uuid))
    if not events:
        raise NotFoundError("unknown_aggregate", f"no aggregate {aggregate_id!r}")
    current = None
    for event in events:
        current = event.mutate(current)  # type: ignore[attr-defined]
    if not may_read(app, principal, current):  # type: ignore[arg-type]
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
        for version, (position, hash_) in app.recorder.positions_of(uuid).items()  # type: ignore[attr-defined]
    }
    return {
        "aggregate_id": str(uuid),
        "aggregate_type": type(state).__name__,
        "version": len(events),
        "as_of": as_of.isoformat() if as_of else None,
        "state": plain({k: v for k, v in vars(state).items() if not k.startswith("_")}),
        "events": [
            {
                "version": e.originator_version,
                **in_log.get(e.originator_version, {"position": None, "hash": None}),
                "type": get_topic(type(e)),
                "recorded_at": e.timestamp.isoformat(),
                "actor": vars(e).get("actor"),
                "reason": vars(e).get("reason"),
                "data": plain({k: v for k, v in vars(e).items() if k not in ENVELOPE_FIELDS}),
            }
            for e in events
        ],
    }
