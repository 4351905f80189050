"""What a fold sees of one stored event: its position, its envelope, its payload as data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Notification

from application.usecases.audit import ENVELOPE_FIELDS, plain


class EventMapper(Protocol):
    def to_domain_event(self, stored_event: Notification) -> Any: ...


@dataclass(frozen=True)
class Envelope:
    position: int
    aggregate_id: str
    version: int
    type: str  # the event's stable topic, e.g. "lianping:Report.Submitted"
    recorded_at: datetime
    data: Mapping[str, Any]

    # Derived once: every fold asks each event for these, several times.
    aggregate_type: str = field(init=False, repr=False, compare=False)
    name: str = field(init=False, repr=False, compare=False)  # e.g. "Submitted"

    def __post_init__(self) -> None:
        object.__setattr__(self, "aggregate_type", self.type.partition(":")[2].partition(".")[0])
        object.__setattr__(self, "name", self.type.rpartition(".")[2])

    @property
    def actor(self) -> str | None:
        return self.data.get("actor")

    @property
    def reason(self) -> str | None:
        return self.data.get("reason")

    @property
    def created(self) -> bool:
        return self.version == 1


def envelope(notification: Notification, mapper: EventMapper) -> Envelope:
    event = mapper.to_domain_event(notification)
    state = vars(event)
    return Envelope(
        position=notification.id,
        aggregate_id=str(notification.originator_id),
        version=notification.originator_version,
        type=notification.topic,
        recorded_at=state["timestamp"],
        data={k: v for k, v in state.items() if k not in ENVELOPE_FIELDS},
    )


def utc_text(moment: datetime) -> str:
    """Times as stored in read models: UTC, fixed width, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _json_value(value: Any) -> Any:
    """What ``plain`` makes of the values JSON has no form for (and nothing else)."""
    if isinstance(value, set):
        return list(value)
    if isinstance(value, Decimal | datetime | date | UUID):
        return plain(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=_json_value)


def to_json(value: Any) -> str:
    """Event data as stored in read models: the same JSON values the API answers with.

    Exactly ``json.dumps(plain(value), ensure_ascii=False, sort_keys=True)`` for data whose
    mappings have string keys, as all decoded event data has (JSON object keys are strings),
    without copying the data first: the values ``plain`` converts go through ``default``."""
    return _ENCODER.encode(value)
