"""verify_chain on in-memory rows: the layout is pinned, and tampering is always found."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from application.store import GENESIS, ChainRow, canonical_bytes, link, verify_chain
from application.store import chain as ch
from tests.store_support import pg_connect

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
        rows[i] = replace(rows[i], state=new_state)
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
        rows[i] = replace(b, position=a.position, hash=a.hash)
        rows[i + 1] = replace(a, position=b.position, hash=b.hash)
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
