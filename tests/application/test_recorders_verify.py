"""verify_chain on in-memory rows: the layout is pinned, and tampering is always found."""

from __future__ import annotations

from typing import TYPE_CHECKING
from unittest.mock import patch
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from application.store import GENESIS, ChainRow, canonical_bytes, link, verify_chain
from application.store import chain as ch
from tests.store_support import pg_connect

if TYPE_CHECKING:
    from collections.abc import Iterator

GOLDEN_INPUT = (1, UUID(int=1), 1, "话题", b"{}")
GOLDEN_CANONICAL = (
    "0000000000000001" "00000000000000000000000000000001" "0000000000000001"
    "00000006" "e8af9de9a298" "00000002" "7b7d"
)  # fmt: skip
GOLDEN_HASH = "ce26a1e7dad218b1bb5732f206265db4d7d4b403847d0b34b18bb3608ad51f1c"


def chained(payloads: list[tuple[int, bytes]]) -> list[ChainRow]:
    """Rows at the given positions with the given states, correctly chained."""
    rows, prev = [], GENESIS
    for n, (position, state) in enumerate(payloads):
        originator_id = UUID(int=n + 1)
        prev = link(prev, position, originator_id, 1, "t", state)
        rows.append(ChainRow(position, originator_id, 1, "t", state, prev))
    return rows


@st.composite
def logs(draw: st.DrawFn, min_size: int = 1) -> list[ChainRow]:
    """Correct chains with random states and random (legitimate) gaps in positions."""
    size = draw(st.integers(min_value=min_size, max_value=20))
    steps = draw(st.lists(st.integers(1, 3), min_size=size, max_size=size))
    states = draw(st.lists(st.binary(max_size=40), min_size=size, max_size=size))
    positions = [sum(steps[: i + 1]) for i in range(size)]
    return chained(list(zip(positions, states, strict=True)))


class TestTheLayout:
    def test_canonical_bytes_are_as_documented(self) -> None:
        assert canonical_bytes(*GOLDEN_INPUT).hex() == GOLDEN_CANONICAL
        assert link(GENESIS, *GOLDEN_INPUT).hex() == GOLDEN_HASH

    def test_the_documented_sql_recomputes_the_same_hash(self) -> None:
        with pg_connect() as conn:
            row = conn.execute(
                "SELECT encode(sha256(decode(repeat('00', 32), 'hex')"
                " || int8send(%s::bigint) || uuid_send(%s::uuid) || int8send(%s::bigint)"
                " || int4send(octet_length(convert_to(%s::text, 'UTF8')))"
                " || convert_to(%s::text, 'UTF8')"
                " || int4send(octet_length(%s::bytea)) || %s::bytea), 'hex')",
                (1, UUID(int=1), 1, "话题", "话题", b"{}", b"{}"),
            ).fetchone()
        assert row is not None and row[0] == GOLDEN_HASH


class TestVerifyChain:
    @given(logs(min_size=0))
    def test_a_correct_chain_with_gaps_verifies(self, rows: list[ChainRow]) -> None:
        result = verify_chain(iter(rows))
        assert result.ok
        assert result.verified_through == (rows[-1].position if rows else None)

    @given(logs(), st.data())
    def test_a_changed_state_is_found_at_or_before_its_row(
        self, rows: list[ChainRow], data: st.DataObject
    ) -> None:
        i = data.draw(st.integers(0, len(rows) - 1))
        new_state = data.draw(st.binary(max_size=40).filter(lambda s: s != rows[i].state))
        rows[i] = rows[i]._replace(state=new_state)
        result = verify_chain(rows)
        previous = rows[i - 1].position if i else None
        assert not result.ok and result.verified_through == previous
        assert result.first_bad_position is not None
        assert (previous or 0) < result.first_bad_position <= rows[i].position

    @given(logs(min_size=2), st.data())
    def test_a_deleted_row_is_found(self, rows: list[ChainRow], data: st.DataObject) -> None:
        i = data.draw(st.integers(0, len(rows) - 2))
        deleted = rows.pop(i)
        result = verify_chain(rows)
        assert not result.ok and result.code == ch.ROW_DELETED
        assert result.first_bad_position == (rows[i - 1].position + 1 if i else 1)
        assert result.first_bad_position <= deleted.position

    @given(logs(min_size=2), st.data())
    def test_two_exchanged_events_are_found(
        self, rows: list[ChainRow], data: st.DataObject
    ) -> None:
        i = data.draw(st.integers(0, len(rows) - 2))
        a, b = rows[i], rows[i + 1]
        rows[i] = b._replace(position=a.position, hash=a.hash)
        rows[i + 1] = a._replace(position=b.position, hash=b.hash)
        result = verify_chain(rows)
        assert not result.ok and result.first_bad_position == a.position
        assert result.code == ch.ROWS_REORDERED

    @given(logs(), st.data())
    def test_a_truncated_tail_is_found_against_the_head(
        self, rows: list[ChainRow], data: st.DataObject
    ) -> None:
        head = rows[-1]
        assert head.hash is not None
        keep = data.draw(st.integers(0, len(rows) - 1))
        result = verify_chain(rows[:keep], checkpoint=(head.position, head.hash))
        assert not result.ok and result.code == ch.TAIL_TRUNCATED

    @given(
        st.lists(
            st.builds(
                ChainRow,
                position=st.integers(-5, 50),
                originator_id=st.one_of(st.uuids(), st.text(max_size=5)),
                originator_version=st.integers(-(2**70), 2**70),
                topic=st.one_of(st.none(), st.text(max_size=5)),
                state=st.one_of(st.none(), st.binary(max_size=5)),
                hash=st.one_of(st.none(), st.binary(max_size=33)),
            ),
            max_size=6,
        )
    )
    def test_junk_never_crashes(self, rows: list[ChainRow]) -> None:
        result = verify_chain(rows, checkpoint=(3, bytes(32)))
        assert result.ok is False or not rows or result.verified_through is not None

    def test_rows_out_of_position_order_are_named(self) -> None:
        rows = chained([(1, b"a"), (2, b"b"), (3, b"c")])
        result = verify_chain([rows[0], rows[2], rows[1]])
        assert (result.ok, result.first_bad_position, result.code) == (False, 2, ch.OUT_OF_ORDER)

    def test_a_checkpoint_past_an_empty_log_is_a_truncation(self) -> None:
        result = verify_chain([], checkpoint=(4, bytes(32)))
        assert (result.ok, result.first_bad_position, result.code) == (
            False,
            1,
            ch.TAIL_TRUNCATED,
        )
        assert result.verified_through is None


def reference_verify(
    rows: list[ChainRow], checkpoint: tuple[int, bytes] | None = None
) -> ch.VerifyResult:
    """verify_chain with its fast loop switched off: every row through the full checks."""
    with patch.object(ch, "_verify_run", lambda at, row, rest, stop, topics: row):
        return verify_chain(iter(rows), checkpoint)


JUNK = st.one_of(
    st.none(),
    st.integers(-3, 3),
    st.text(max_size=3),
    st.binary(max_size=3),
    st.builds(memoryview, st.binary(max_size=3)),
    st.builds(bytearray, st.binary(max_size=3)),
    st.just("\ud800"),  # text that is not UTF-8
    st.just(2**63),  # an int that is no int8
)


@st.composite
def tampered(draw: st.DrawFn) -> tuple[list[ChainRow], tuple[int, bytes] | None]:
    """A correct log, then a few random changes of the kinds a tamperer (or junk) could make,
    and a checkpoint that may or may not still hold."""
    rows = draw(logs(min_size=0))
    for _ in range(draw(st.integers(0, 3))):
        if not rows:
            break
        i = draw(st.integers(0, len(rows) - 1))
        change = draw(st.sampled_from(
            ["field", "delete", "insert", "swap", "swap_positions", "move", "text_id", "views"]
        ))  # fmt: skip
        row = rows[i]
        if change == "field":
            field = draw(st.sampled_from(ChainRow._fields))
            rows[i] = row._replace(**{field: draw(JUNK)})
        elif change == "delete":
            del rows[i]
        elif change == "insert":
            forged_hash = draw(st.sampled_from(["linked", "random", "copied"]))
            top = row.position if type(row.position) is int else 1
            before = rows[i - 1].position if i and type(rows[i - 1].position) is int else 0
            position = draw(st.integers(min(before - 1, top), top))
            prev = rows[i - 1].hash if i else GENESIS
            forged = ChainRow(position, UUID(int=99), 1, "t", b"forged", row.hash)
            if forged_hash == "linked" and isinstance(prev, bytes):
                forged = forged._replace(hash=link(prev, position, UUID(int=99), 1, "t", b"forged"))
            elif forged_hash == "random":
                forged = forged._replace(hash=draw(st.binary(min_size=32, max_size=32)))
            rows.insert(i, forged)
        elif change in ("swap", "swap_positions") and i + 1 < len(rows):
            a, b = rows[i], rows[i + 1]
            if change == "swap":  # the events exchanged, positions and hashes kept
                rows[i] = b._replace(position=a.position, hash=a.hash)
                rows[i + 1] = a._replace(position=b.position, hash=b.hash)
            else:  # the rows exchanged whole
                rows[i], rows[i + 1] = b, a
        elif change == "move":
            rows[i] = row._replace(position=draw(st.integers(-1, 70)))
        elif change == "text_id":  # what an export holds: the id as text
            rows[i] = row._replace(originator_id=str(row.originator_id))
        elif change == "views":  # equal bytes in another buffer type
            rows[i] = row._replace(
                state=memoryview(row.state) if isinstance(row.state, bytes) else row.state,
                hash=bytearray(row.hash) if isinstance(row.hash, bytes) else row.hash,
            )
    checkpoint = None
    kind = draw(st.sampled_from(["none", "row", "wrong_hash", "beyond"]))
    if kind != "none" and rows:
        at = draw(st.sampled_from(rows))
        position = at.position if isinstance(at.position, int) else 1
        hash_ = at.hash if isinstance(at.hash, bytes) else bytes(32)
        if kind == "wrong_hash":
            hash_ = bytes(32)
        elif kind == "beyond":
            position += 5
        checkpoint = (position, hash_)
    return rows, checkpoint


class TestTheFastLoop:
    """verify_chain runs plainly linked rows through a fast loop: it must change nothing."""

    @settings(max_examples=1000)
    @given(tampered())
    def test_it_gives_exactly_the_result_of_the_full_checks(
        self, case: tuple[list[ChainRow], tuple[int, bytes] | None]
    ) -> None:
        rows, checkpoint = case
        try:
            expected: ch.VerifyResult | type[Exception] = reference_verify(rows, checkpoint)
        except Exception as error:  # positions that do not compare crash both alike
            expected = type(error)
        try:
            got: ch.VerifyResult | type[Exception] = verify_chain(iter(rows), checkpoint)
        except Exception as error:
            got = type(error)
        assert got == expected

    @given(logs(min_size=1), st.data())
    def test_a_checkpoint_anywhere_in_a_correct_log_holds(
        self, rows: list[ChainRow], data: st.DataObject
    ) -> None:
        at = data.draw(st.sampled_from(rows))
        assert at.hash is not None
        result = verify_chain(rows, checkpoint=(at.position, at.hash))
        assert result == reference_verify(rows, (at.position, at.hash))
        assert result.ok and result.verified_through == rows[-1].position

    def test_many_topics_and_ids_as_text_verify(self) -> None:
        rows, prev = [], GENESIS
        for position in range(1, 600):  # more topics than the loop caches
            oid, topic = UUID(int=position), f"topic-{position % 300}"
            prev = link(prev, position, oid, 2, topic, b"s")
            rows.append(ChainRow(position, str(oid) if position % 7 else oid, 2, topic, b"s", prev))
        result = verify_chain(rows)
        assert result == reference_verify(rows)
        assert result.ok and result.verified_through == 599 and result.verified_hash == prev

    def test_rows_pulled_from_the_source_are_the_same(self) -> None:
        """The fast loop reads no further ahead than the full checks do (an export's reader
        counts the rows it hands over)."""
        rows = chained([(1, b"a"), (2, b"b"), (3, b"c"), (4, b"d"), (5, b"e")])
        rows[2] = rows[2]._replace(state=b"changed")
        pulled: list[list[int]] = []
        for verify in (verify_chain, reference_verify):
            seen: list[int] = []

            def source(seen: list[int] = seen) -> Iterator[ChainRow]:
                for row in rows:
                    seen.append(row.position)
                    yield row

            if verify is verify_chain:
                verify_chain(source())
            else:
                with patch.object(ch, "_verify_run", lambda at, row, rest, stop, topics: row):
                    verify_chain(source())
            pulled.append(seen)
        assert pulled[0] == pulled[1] == [1, 2, 3, 4]
