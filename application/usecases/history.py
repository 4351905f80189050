"""Aggregates as they were: at a version, or at a moment (folding the prefix of their own
events)."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.app import LianpingApp, of_type

A = TypeVar("A", bound=Aggregate)


def state_at(
    app: LianpingApp, cls: type[A], aggregate_id: UUID, as_of: datetime | None
) -> A | None:
    """The aggregate as of that moment (now when as_of is None); None if it did not exist yet.
    For reading only: never call a command method on what this returns."""
    if as_of is None:
        return app.find(cls, aggregate_id, read_only=True)
    return of_type(cls, app.find_all([aggregate_id], as_of).get(aggregate_id))
