"""The 大屏 hall screen of a cycle's 民主测评: when the per-participant tally was revealed, and
the read-only screen links the organizer made for the hall's display.

``HallScreen`` (one per cycle, created by the first of its events) records ``TallyRevealed`` once,
with its actor and time, so inspectors see in the audit trail when the results were shown. A
screen link is known by the hash of its key only (like a ballot code or an API token): the key is
shown once, and a revoked link opens nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import NotFoundError, RuleViolationError

#: The phases in which the tally may be revealed: once the vote is on, never before.
REVEAL_PHASES = ("reviewing", "finalized", "rectifying", "closed")
#: At most this many links live at once (a hall has a few displays).
MAX_LIVE_LINKS = 20


class HallScreen(Aggregate):
    TOPIC = "lianping:HallScreen"

    @staticmethod
    def create_id(cycle_id: str) -> UUID:
        return ids.hall_screen_id(cycle_id)

    @event("Created", topic="lianping:HallScreen.Opened")
    def __init__(self, cycle_id: str, org_code: str, actor: str):
        # org_code: the cycle's organizer org, so that the audit trail shows these events to
        # inspectors whose scope contains it.
        self.cycle_id = cycle_id
        self.org_code = org_code
        self.revealed_by: str | None = None
        self.revealed_at: datetime | None = None
        self.links: dict[str, dict[str, Any]] = {}

    @property
    def revealed(self) -> bool:
        return self.revealed_by is not None

    def reveal(self, actor: str) -> None:
        if self.revealed:
            raise RuleViolationError("tally_revealed", "the tally has already been revealed")
        self._revealed(actor=actor)

    @event("TallyRevealed", topic="lianping:HallScreen.TallyRevealed")
    def _revealed(self, actor: str, timestamp: datetime | None = None) -> None:
        self.revealed_by = actor
        self.revealed_at = timestamp

    def live_links(self) -> list[str]:
        return [link_id for link_id, link in self.links.items() if not link["revoked"]]

    def create_link(self, link_id: str, actor: str) -> None:
        if len(self.live_links()) >= MAX_LIVE_LINKS:
            raise RuleViolationError(
                "too_many_screen_links",
                f"at most {MAX_LIVE_LINKS} screen links may be live: revoke one first")
        self._link_created(link_id=link_id, actor=actor)

    @event("LinkCreated", topic="lianping:HallScreen.LinkCreated")
    def _link_created(self, link_id: str, actor: str, timestamp: datetime | None = None) -> None:
        self.links[link_id] = {"link_id": link_id, "created_by": actor,
                               "created_at": timestamp, "revoked": False,
                               "revoked_by": None}

    def revoke_link(self, link_id: str, actor: str) -> None:
        link = self.links.get(link_id)
        if link is None:
            raise NotFoundError("unknown_screen_link", f"no screen link {link_id!r} in this cycle")
        if link["revoked"]:
            raise RuleViolationError("screen_link_revoked", "this screen link is already revoked")
        self._link_revoked(link_id=link_id, actor=actor)

    @event("LinkRevoked", topic="lianping:HallScreen.LinkRevoked")
    def _link_revoked(self, link_id: str, actor: str) -> None:
        self.links[link_id]["revoked"] = True
        self.links[link_id]["revoked_by"] = actor

    def opens(self, link_id: str) -> bool:
        link = self.links.get(link_id)
        return link is not None and not link["revoked"]
