"""Small value types shared by the chained SQLite and PostgreSQL recorders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID


@dataclass(frozen=True)
class IdempotencyRecord:
    """Written with a save's events, in the same transaction; not an event, not chained.

    `response` is JSON text: what the original request answered, replayed for a retry.
    """

    key_id: UUID
    actor: str
    fingerprint: str
    response: str


@dataclass(frozen=True)
class StoredIdempotency:
    """An idempotency record as stored.

    `position` is the last notification id of the save that wrote it (None when that
    save had no events).
    """

    key_id: UUID
    actor: str
    fingerprint: str
    response: str
    position: int | None
    created_at: datetime


class ReadGuard(NamedTuple):
    """A save commits only if this aggregate is still at `version` (0: it has no events), checked
    under the table lock: the command decided on what it read, so what it read must not have
    changed. (Aggregates the save writes need none: their next version is the unique key.)"""

    originator_id: UUID
    version: int


class ChainRow(NamedTuple):
    """One row of the event log exactly as stored, for recomputing the hash chain.

    Fields are typed loosely on purpose: a tampered store may hold a NULL or a
    non-UUID originator id, and verification must report that rather than crash.
    A named tuple (immutable, like the other records): the recorders build one per stored
    row when verifying the whole log, and a tuple is several times cheaper to make than a
    frozen dataclass. The fields are in the order the recorders select the columns.
    """

    position: int
    originator_id: UUID | str
    originator_version: int
    topic: str | None
    state: bytes | None
    hash: bytes | None
