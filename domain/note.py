"""An inspector's note (督查记录) about an event position or an aggregate; itself an event."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event


class InspectionNote(Aggregate):
    TOPIC = "lianping:InspectionNote"

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("Created", topic="lianping:InspectionNote.Recorded")
    def __init__(
        self,
        subject_position: int | None,
        subject_aggregate_id: str | None,
        org_code: str,
        note: str,
        actor: str,
    ):
        self.subject_position = subject_position
        self.subject_aggregate_id = subject_aggregate_id
        self.org_code = org_code
        self.note = note
