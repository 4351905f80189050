"""The event log's hash chain: its layout and its one verifier (pure; the encoder: encoding.py).

Every stored event carries ``hash``, computed when it is written, in the same transaction,
in notification order::

    hash(position) = SHA-256( prev_hash || canonical )
    prev_hash      = hash of the row with the next lower position that exists,
                     or 32 zero bytes (GENESIS) for the first row

    canonical = int8_be(position)             8 bytes, signed big-endian (PostgreSQL int8send)
             || originator_id                 16 bytes, the UUID's bytes (PostgreSQL uuid_send)
             || int8_be(originator_version)   8 bytes
             || int4_be(len(topic_utf8))      4 bytes, signed big-endian (PostgreSQL int4send)
             || topic_utf8                    the topic, UTF-8
             || int4_be(len(state))           4 bytes
             || state                         the stored state bytes, exactly as stored

``position`` is the notification id. Positions may have gaps (a failed save on PostgreSQL
consumes ids); the chain links each row to the previous *existing* row, so a gap is not a
break, while a deleted row is. To recompute the head in SQL (PostgreSQL)::

    sha256(prev || int8send(notification_id) || uuid_send(originator_id)
           || int8send(originator_version) || int4send(octet_length(convert_to(topic, 'UTF8')))
           || convert_to(topic, 'UTF8') || int4send(octet_length(state)) || state)

What the chain can and cannot show: a changed row, and a deleted, inserted or reordered row
anywhere but at the end, is detected and located. Removing rows from the end, or rewriting
history from some row on and recomputing every later hash, is detected only against a
checkpoint ``(position, hash)`` kept outside the database (e.g. signed, given to inspectors).
"""

from __future__ import annotations

import hashlib
import itertools
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from application.store.encoding import (
    GENESIS,
    as_uuid,
    canonical_bytes,
    encode_row,
    field,
    link,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from application.store.records import ChainRow

# Stable codes for VerifyResult.code (the API can return them as they are).
PAYLOAD_ALTERED = "payload_altered"
ROW_DELETED = "row_deleted"
ROW_INSERTED = "row_inserted"
ROWS_REORDERED = "rows_reordered"
OUT_OF_ORDER = "out_of_order"
MALFORMED_ROW = "malformed_row"
TAIL_TRUNCATED = "tail_truncated"
CHECKPOINT_NOT_PREFIX = "checkpoint_not_prefix"



@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a verification.

    ``verified_through``/``verified_hash``: the last position (and its hash) known good;
    that pair is a checkpoint an inspector can keep. ``first_bad_position``: the first
    position where stored history no longer matches (for a deleted row, the first
    missing position). ``code`` is one of the module's stable codes; ``reason`` explains.
    """

    ok: bool
    verified_through: int | None
    first_bad_position: int | None
    reason: str | None
    code: str | None = None
    verified_hash: bytes | None = None


class ChainSource(Protocol):
    def chain_rows(self, after: int = 0, limit: int = 1000) -> Sequence[ChainRow]: ...


def expected_hash(prev_hash: bytes, row: ChainRow, position: int | None = None) -> bytes | None:
    """The hash `row` should have after `prev_hash`; None if the row cannot be encoded."""
    try:
        return link(
            prev_hash,
            row.position if position is None else position,
            row.originator_id,
            row.originator_version,
            row.topic,  # type: ignore[arg-type]  # checked in canonical_bytes
            row.state,  # type: ignore[arg-type]
        )
    except (TypeError, ValueError, AttributeError, struct.error):
        return None


def _links(prev_hash: bytes | None, row: ChainRow | None, position: int | None = None) -> bool:
    if prev_hash is None or row is None or row.hash is None:
        return False
    expected = expected_hash(prev_hash, row, position)
    return expected is not None and expected == bytes(row.hash)


@dataclass
class _Cursor:
    """Where verification stands: the last good row and the one before it."""

    hash: bytes = GENESIS
    position: int | None = None
    before_hash: bytes | None = None
    before_position: int | None = None

    def advance(self, row: ChainRow) -> None:
        assert row.hash is not None
        self.before_hash, self.before_position = self.hash, self.position
        self.hash, self.position = bytes(row.hash), row.position


def _fail(
    at: _Cursor, first_bad: int, code: str, reason: str, *, step_back: bool = False
) -> VerifyResult:
    """A failed result; `step_back` when the last row that passed turned out to be bad."""
    position, hash_ = (at.before_position, at.before_hash) if step_back else (at.position, at.hash)
    return VerifyResult(
        ok=False,
        verified_through=position,
        first_bad_position=first_bad,
        reason=f"{code}: {reason}",
        code=code,
        verified_hash=None if position is None else hash_,
    )


def _diagnose(at: _Cursor, row: ChainRow, nxt: ChainRow | None) -> VerifyResult:
    """Row `row` does not link to the last good row: work out what was done to the log."""
    pos = row.position
    prev = at.position
    if nxt is not None and nxt.position <= pos:
        return _fail(at, nxt.position, OUT_OF_ORDER, f"row {nxt.position} comes after row {pos}")
    # A forged row that was given a correct hash passed; the row after it still links
    # to the row before it.
    if prev is not None and _links(at.before_hash, row):
        return _fail(
            at,
            prev,
            ROW_INSERTED,
            f"row {prev} is not part of the chain: row {pos} links to the row before it",
            step_back=True,
        )
    # A forged row with a wrong hash: the next row links straight past it.
    if _links(at.hash, nxt):
        assert nxt is not None
        return _fail(
            at,
            pos,
            ROW_INSERTED,
            f"row {pos} is not part of the chain: row {nxt.position} links to "
            f"{'the genesis' if prev is None else f'row {prev}'}",
        )
    # Two rows exchanged: the next row's event hashes correctly at this position.
    if nxt is not None and nxt.hash is not None and row.hash is not None:
        moved = expected_hash(at.hash, nxt, position=pos)
        if moved is not None and moved in (bytes(row.hash), bytes(nxt.hash)):
            return _fail(
                at,
                pos,
                ROWS_REORDERED,
                f"the event stored at position {nxt.position} belongs at position {pos}",
            )
    if expected_hash(GENESIS, row) is None:
        return _fail(at, pos, MALFORMED_ROW, f"row {pos} cannot be encoded (NULL or non-UUID)")
    # The stored hash still anchors the rest of the chain, so this row's own hash is
    # original: either rows before it are missing, or its content was changed.
    if nxt is None or (row.hash is not None and _links(bytes(row.hash), nxt)):
        expected_next = 1 if prev is None else prev + 1
        if pos > expected_next:
            after = "the genesis" if prev is None else f"row {prev}"
            return _fail(
                at,
                expected_next,
                ROW_DELETED,
                f"row {pos} does not link to {after}: a row between them is missing "
                f"(or row {pos} was altered)",
            )
        return _fail(
            at,
            pos,
            PAYLOAD_ALTERED,
            f"row {pos}: stored hash does not match the recomputed hash of its content",
        )
    return _fail(
        at,
        pos,
        PAYLOAD_ALTERED,
        f"row {pos}: stored hash matches neither its content nor the next row's link",
    )


# The fast path (_verify_run) caches the topic's field per topic (a bounded number of them:
# memory stays constant).
_TOPIC_CACHE_SIZE = 256
# Above any position canonical_bytes can encode: "no checkpoint to stop at".
_NO_STOP = 2**63


def _verify_run(
    at: _Cursor, row: ChainRow, rest: Iterator[ChainRow], stop: int, topics: dict[str, bytes]
) -> ChainRow | None:
    """Advance `at` over the rows, from `row` on, that plainly link and are in order.

    The happy path of verify_chain: returns the first row it does not accept (None at the end
    of `rest`), for the full checks to decide. It accepts a row only when those checks would:
    its position is above `at.position` (which must be set) and below `stop`, its fields have
    exactly the types the recorders return (UUID or UUID text, str, bytes, bytes), and its
    stored hash is SHA-256(at.hash || canonical_bytes(row)), laid out as canonical_bytes does.
    """
    sha256, encode, uuid = hashlib.sha256, encode_row, UUID
    prev_hash, prev_position = at.hash, at.position
    before_hash, before_position = at.before_hash, at.before_position
    assert prev_position is not None
    current: ChainRow | None = None
    for current in itertools.chain((row,), rest):
        try:
            position, originator_id, version, topic, state, stored = current
            if not prev_position < position < stop:
                break
            if type(state) is not bytes or type(stored) is not bytes or type(topic) is not str:
                break
            if type(originator_id) is not uuid:
                if type(originator_id) is not str:
                    break
                originator_id = uuid(originator_id)
            topic_field = topics.get(topic)
            if topic_field is None:
                topic_field = field(topic.encode("utf-8"))
                if len(topics) < _TOPIC_CACHE_SIZE:
                    topics[topic] = topic_field
            digest = sha256(
                prev_hash + encode(position, originator_id.bytes, version, topic_field, state)
            ).digest()
        except (TypeError, ValueError, AttributeError, struct.error):
            break  # the full checks say what is wrong with this row
        if digest != stored:
            break
        before_hash, before_position = prev_hash, prev_position
        prev_hash, prev_position = digest, position
    else:
        current = None  # every row linked
    at.hash, at.position = prev_hash, prev_position
    at.before_hash, at.before_position = before_hash, before_position
    return current


def verify_chain(
    rows: Iterable[ChainRow],
    checkpoint: tuple[int, bytes] | None = None,
    *,
    start: tuple[int, bytes] | None = None,
) -> VerifyResult:
    """Recompute the chain from genesis over `rows` (position order), in constant memory.

    Stops at the first problem and names it. `checkpoint` is a (position, hash) pair taken
    earlier: the stored log must still contain exactly that prefix. Only bytes are hashed,
    so rows whose state does not decode are verified like any other.

    Rows go through a fast loop (_verify_run) while they plainly link; a row it does not
    accept goes through the full checks below, which decide what it is. The fast loop accepts
    only rows the full checks would accept, so the result is the same as with them alone
    (tests/application/test_recorders_verify.py compares the two).

    `start`: (position, hash) of a row known good (a signed checkpoint, or the prev_hash an
    exported row carries): `rows` are the rows after it, and must link onto it.
    """
    at = _Cursor() if start is None else _Cursor(hash=bytes(start[1]), position=start[0])
    seen_checkpoint = checkpoint is None
    topics: dict[str, bytes] = {}
    it: Iterator[ChainRow] = iter(rows)
    row = next(it, None)
    while row is not None:
        if at.position is not None:
            stop = _NO_STOP if checkpoint is None or seen_checkpoint else checkpoint[0]
            row = _verify_run(at, row, it, stop, topics)
            if row is None:
                break
        nxt = next(it, None)
        if at.position is not None and row.position <= at.position:
            return _fail(
                at,
                row.position,
                OUT_OF_ORDER,
                f"row {row.position} comes after row {at.position}",
            )
        if not _links(at.hash, row):
            return _diagnose(at, row, nxt)
        if not seen_checkpoint:
            assert checkpoint is not None
            cp_position, cp_hash = checkpoint
            if row.position > cp_position:
                return _fail(
                    at,
                    cp_position,
                    CHECKPOINT_NOT_PREFIX,
                    f"no row at checkpoint position {cp_position}",
                )
            if row.position == cp_position:
                if bytes(row.hash or b"") != bytes(cp_hash):
                    return _fail(
                        at,
                        cp_position,
                        CHECKPOINT_NOT_PREFIX,
                        f"row {cp_position} has another hash than the checkpoint",
                    )
                seen_checkpoint = True
        at.advance(row)
        row = nxt
    if not seen_checkpoint:
        assert checkpoint is not None
        first_missing = 1 if at.position is None else at.position + 1
        return _fail(
            at,
            first_missing,
            TAIL_TRUNCATED,
            f"the log ends at position {at.position or 0} but the checkpoint covers "
            f"position {checkpoint[0]}",
        )
    return VerifyResult(
        ok=True,
        verified_through=at.position,
        first_bad_position=None,
        reason=None,
        code=None,
        verified_hash=None if at.position is None else at.hash,
    )


def iter_chain_rows(source: ChainSource, batch: int = 5000) -> Iterator[ChainRow]:
    """All rows of a recorder's chain, fetched `batch` at a time."""
    after = 0
    while True:
        page = source.chain_rows(after=after, limit=batch)
        yield from page
        if len(page) < batch:
            return
        after = page[-1].position


def verify_recorder(
    recorder: ChainSource, checkpoint: tuple[int, bytes] | None = None, batch: int = 5000
) -> VerifyResult:
    """verify_chain over everything the recorder has stored, paging through chain_rows()."""
    return verify_chain(iter_chain_rows(recorder, batch), checkpoint)


__all__ = ["GENESIS", "ChainSource", "VerifyResult", "as_uuid", "canonical_bytes", "link"]
__all__ += ["iter_chain_rows", "verify_chain", "verify_recorder"]
