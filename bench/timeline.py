"""Picking the moment for the time-travel benchmark: halfway through a cycle's review, so the
standings ``as_of`` it are computed (provisional) from every rating and score recorded so far."""

from __future__ import annotations

from datetime import datetime

from application.app import LianpingApp
from bench.store import Store
from domain import ids


def as_of_target(store: Store, cycle_id: str) -> str:
    """ISO 8601 text of the moment halfway between the cycle entering `reviewing` and its
    finalization (both from the cycle's own events)."""
    app = LianpingApp(store.settings(pool_size=1))
    try:
        reviewing: datetime | None = None
        finalized: datetime | None = None
        for event in app.events.get(ids.cycle_id(cycle_id)):
            name, moment = type(event).__name__, getattr(event, "timestamp", None)
            if name == "PhaseAdvanced" and getattr(event, "to_phase", None) == "reviewing":
                reviewing = moment
            elif name == "Finalized":
                finalized = moment
    finally:
        app.close()
    if reviewing is None or finalized is None:
        raise RuntimeError(f"{cycle_id} was not reviewed and finalized in this store")
    return (reviewing + (finalized - reviewing) / 2).isoformat()
