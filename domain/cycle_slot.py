"""A cycle's year slot: one real cycle per organizer org, level and year."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids


class CycleSlot(Aggregate):
    """One cycle per organizer, level and year: the slot's deterministic id makes a duplicate
    fail on the store's unique key and lets the previous year's cycle be found with one lookup
    (a rehearsal claims none)."""

    TOPIC = "lianping:CycleSlot"

    @staticmethod
    def create_id(organizer_org: str, level: str, year: int) -> UUID:
        return ids.cycle_slot_id(organizer_org, level, year)

    @event("Created", topic="lianping:CycleSlot.Claimed")
    def __init__(self, organizer_org: str, level: str, year: int, cycle_id: str, actor: str):
        self.organizer_org = organizer_org
        self.level = level
        self.year = year
        self.cycle_id = cycle_id
