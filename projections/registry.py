"""The read models this service maintains, and where their events come from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.persistence import ApplicationRecorder, Notification

from application.store.subscription import PollingSubscription
from projections import audit, finding, flags, records, rectification
from projections.envelope import Envelope, EventMapper
from projections.tables import Projection
from projections.tail import SharedTail

NAMES: tuple[str, ...] = (
    audit.NAME, flags.NAME, rectification.NAME, records.NAME, finding.NAME,
)


def projections(timezone: str, names: Sequence[str] | None = None) -> dict[str, Projection]:
    every = {
        audit.NAME: audit.PROJECTION,
        flags.NAME: flags.projection(ZoneInfo(timezone)),
        rectification.NAME: rectification.PROJECTION,
        records.NAME: records.PROJECTION,
        finding.NAME: finding.PROJECTION,
    }
    unknown = sorted(set(names or ()) - set(every))
    if unknown:
        raise ValueError(f"unknown read model(s) {', '.join(unknown)}; known: {', '.join(NAMES)}")
    return {name: p for name, p in every.items() if names is None or name in names}


class EventSource:
    """The application's log, read in position order and decoded for the folds."""

    def __init__(self, recorder: ApplicationRecorder, mapper: EventMapper) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.tail = SharedTail(recorder, mapper)

    @classmethod
    def of(cls, app: Any) -> EventSource:
        return cls(app.recorder, app.mapper)

    def subscribe(self, after: int, poll_interval: float, batch_size: int) -> PollingSubscription:
        return PollingSubscription(
            self.recorder, gt=after, poll_interval=poll_interval, batch_size=batch_size,
            read=self.tail.read,
        )

    def envelopes(self, notifications: Sequence[Notification]) -> list[Envelope]:
        return self.tail.envelopes(notifications)

    def read(self, after: int, limit: int, stop: int | None = None) -> list[Envelope]:
        found = self.recorder.select_notifications(
            start=after, limit=limit, stop=stop, inclusive_of_start=False
        )
        return self.envelopes(found)

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0
