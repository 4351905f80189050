"""民主测评 ballots: anonymous ratings from people without accounts.

``BallotBook`` (one per cycle) holds the batches: batches of one-time codes (issued for a
category; only the ids of their ``Ballot`` aggregates, which derive from the codes' hashes, are
kept) and paper batches (entered by the organizer from a sheet, one ballot per row). ``Ballot``
is one code: issued, then cast exactly once. Nothing on a cast links it to a person: its actor is
``"ballot"`` and it carries only the ratings."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import NotFoundError, RuleViolationError
from domain.rules import require_reason

#: The actor recorded on a cast ballot: no account, no code, no address.
BALLOT_ACTOR = "ballot"
#: The same answer for an unknown and for a used code, so neither can be told from the other.
NOT_FOUND_MESSAGE = "no unused ballot with this code"
#: The stored topic of a cast: a ballot takes no event after it, so a ballot once seen cast stays
#: cast (counting casts needs no ballot decoded, and none read twice).
CAST_TOPIC = "lianping:Ballot.Cast"


def ballot_not_found() -> NotFoundError:
    return NotFoundError("ballot_not_found", NOT_FOUND_MESSAGE)


class BallotBook(Aggregate):
    TOPIC = "lianping:BallotBook"

    @staticmethod
    def create_id(cycle_id: str) -> UUID:
        return ids.ballot_book_id(cycle_id)

    @event("Created", topic="lianping:BallotBook.Opened")
    def __init__(self, cycle_id: str, actor: str):
        self.cycle_id = cycle_id
        self.batches: dict[str, dict[str, Any]] = {}

    def batch(self, batch_id: str) -> dict[str, Any]:
        found = self.batches.get(batch_id)
        if found is None:
            raise NotFoundError("unknown_batch", f"no ballot batch {batch_id!r} in this cycle")
        return found

    def issue(self, batch_id: str, category: str, ballot_ids: list[str], actor: str) -> None:
        self._issued(batch_id=batch_id, category=category, ballot_ids=ballot_ids, actor=actor)

    @event("Issued", topic="lianping:BallotBook.Issued")
    def _issued(self, batch_id: str, category: str, ballot_ids: list[str], actor: str) -> None:
        self.batches[batch_id] = {
            "batch_id": batch_id, "category": category, "kind": "codes",
            "ballot_ids": list(ballot_ids), "ballots": [], "issued": len(ballot_ids),
            "entered_by": actor, "voided": False, "void_reason": None,
        }

    def enter_paper(
        self, batch_id: str, category: str, ballots: list[dict[str, str]], actor: str
    ) -> None:
        self._paper_entered(batch_id=batch_id, category=category, ballots=ballots, actor=actor)

    @event("PaperEntered", topic="lianping:BallotBook.PaperEntered")
    def _paper_entered(
        self, batch_id: str, category: str, ballots: list[dict[str, str]], actor: str
    ) -> None:
        self.batches[batch_id] = {
            "batch_id": batch_id, "category": category, "kind": "paper", "ballot_ids": [],
            "ballots": [dict(b) for b in ballots], "issued": len(ballots), "entered_by": actor,
            "voided": False, "void_reason": None,
        }

    def void(self, batch_id: str, reason: str | None, actor: str) -> None:
        batch = self.batch(batch_id)
        reason = require_reason(reason, "voiding a ballot batch")
        if batch["voided"]:
            raise RuleViolationError("batch_voided", f"ballot batch {batch_id} is already void")
        self._voided(batch_id=batch_id, category=batch["category"], reason=reason, actor=actor)

    @event("BatchVoided", topic="lianping:BallotBook.BatchVoided")
    def _voided(self, batch_id: str, category: str, reason: str, actor: str) -> None:
        self.batches[batch_id]["voided"] = True
        self.batches[batch_id]["void_reason"] = reason

    def categories_in_use(self) -> set[str]:
        return {b["category"] for b in self.batches.values() if not b["voided"]}


class Ballot(Aggregate):
    """One code (its id is uuid5 of the code's hash; created with ``id=``)."""

    TOPIC = "lianping:Ballot"

    @event("Created", topic="lianping:Ballot.Issued")
    def __init__(self, id: UUID, cycle_id: str, batch_id: str, actor: str):  # noqa: A002
        self.cycle_id = cycle_id
        self.batch_id = batch_id
        self.ratings: dict[str, str] | None = None

    @property
    def used(self) -> bool:
        return self.ratings is not None

    def cast(self, ratings: dict[str, str]) -> None:
        if self.used:
            raise ballot_not_found()
        self._cast(ratings=ratings, actor=BALLOT_ACTOR)

    @event("Cast", topic=CAST_TOPIC)
    def _cast(self, ratings: dict[str, str], actor: str) -> None:
        self.ratings = dict(ratings)
