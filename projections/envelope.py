"""What a fold sees of one stored event: its position, its envelope, its payload as data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

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

    @property
    def aggregate_type(self) -> str:
        return self.type.partition(":")[2].partition(".")[0]

    @property
    def name(self) -> str:
        """The event's name within its aggregate type, e.g. "Submitted"."""
        return self.type.rpartition(".")[2]

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


def to_json(value: Any) -> str:
    """Event data as stored in read models: the same JSON values the API answers with."""
    return json.dumps(plain(value), ensure_ascii=False, sort_keys=True)
