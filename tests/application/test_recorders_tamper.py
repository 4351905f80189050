"""Verification finds tampering with a stored log and names the first bad position.

Each test writes a small log through the recorder, then changes the store with plain SQL,
as someone with database access could, and verifies it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import uuid4

import pytest

from application.store import chain, verify_recorder
from tests.store_support import (
    STORES,
    Backend,
    events,
    open_backend,
    open_gap,
    rechain_from,
    row_at,
    save_batches,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(autouse=True, params=["fast loop", "full checks only"])
def verify_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every case twice: verify_chain as it is, and with its fast loop (chain._verify_run)
    switched off, so that every row goes through the full checks: both must say the same."""
    if request.param == "full checks only":
        monkeypatch.setattr(chain, "_verify_run", lambda at, row, rest, stop, topics: row)
    return str(request.param)


@pytest.fixture(params=STORES)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with open_backend(request.param, tmp_path) as b:
        yield b


def given_a_log_of_six_events(b: Backend) -> None:
    save_batches(b.recorder, 2, 1, 3)  # positions 1-2, 3, 4-6
    assert verify_recorder(b.recorder).ok


class TestAnUntouchedLog:
    def test_it_verifies_through_its_last_position(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        result = verify_recorder(backend.recorder, batch=4)
        assert result.ok
        assert result.verified_through == 6
        assert result.first_bad_position is None and result.reason is None
        assert (result.verified_through, result.verified_hash) == backend.recorder.chain_head()

    def test_an_empty_log_verifies(self, backend: Backend) -> None:
        assert verify_recorder(backend.recorder).ok
        assert verify_recorder(backend.recorder).verified_through is None

    def test_an_earlier_checkpoint_stays_valid_as_the_log_grows(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        checkpoint = backend.recorder.chain_head()
        save_batches(backend.recorder, 2, 5)
        result = verify_recorder(backend.recorder, checkpoint=checkpoint, batch=3)
        assert result.ok and result.verified_through == 13

    def test_states_that_do_not_decode_are_only_hashed(self, backend: Backend) -> None:
        garbage = [
            e.__class__(e.originator_id, e.originator_version, e.topic, b"\xff\x00\xfe{")
            for e in events(3)
        ]
        backend.recorder.insert_events(garbage)
        assert verify_recorder(backend.recorder).ok


class TestAnAlteredRow:
    def test_a_changed_payload_byte_is_named(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        state = bytearray(row_at(backend, 3).state or b"")
        state[0] ^= 0x01
        backend.sql("UPDATE stored_events SET state = %s WHERE notification_id = 3", bytes(state))
        result = verify_recorder(backend.recorder)
        assert not result.ok
        assert (result.first_bad_position, result.code) == (3, chain.PAYLOAD_ALTERED)
        assert result.verified_through == 2
        assert result.reason and result.reason.startswith("payload_altered")

    def test_a_changed_topic_is_named(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        backend.sql("UPDATE stored_events SET topic = 'x' WHERE notification_id = 5")
        result = verify_recorder(backend.recorder)
        assert (result.ok, result.first_bad_position, result.code) == (
            False,
            5,
            chain.PAYLOAD_ALTERED,
        )

    def test_a_changed_hash_is_named(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        backend.sql("UPDATE stored_events SET hash = %s WHERE notification_id = 4", bytes(32))
        result = verify_recorder(backend.recorder)
        assert (result.ok, result.first_bad_position, result.code) == (
            False,
            4,
            chain.PAYLOAD_ALTERED,
        )

    def test_garbage_in_place_of_the_state_does_not_crash(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        backend.sql("UPDATE stored_events SET state = %s WHERE notification_id = 2", b"\x80\xff")
        backend.sql("UPDATE stored_events SET state = NULL WHERE notification_id = 5")
        result = verify_recorder(backend.recorder)
        assert (result.first_bad_position, result.code) == (2, chain.PAYLOAD_ALTERED)
        backend.sql("UPDATE stored_events SET state = NULL WHERE notification_id = 2")
        result = verify_recorder(backend.recorder)
        assert (result.first_bad_position, result.code) == (2, chain.MALFORMED_ROW)


class TestADeletedRow:
    def test_a_deleted_middle_row_is_named(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        backend.sql("DELETE FROM stored_events WHERE notification_id = 3")
        result = verify_recorder(backend.recorder)
        assert not result.ok
        assert (result.first_bad_position, result.code) == (3, chain.ROW_DELETED)
        assert result.verified_through == 2
        assert result.reason and "row 4 does not link to row 2" in result.reason

    def test_a_deleted_first_row_is_named(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        backend.sql("DELETE FROM stored_events WHERE notification_id = 1")
        result = verify_recorder(backend.recorder)
        assert (result.ok, result.first_bad_position, result.code) == (
            False,
            1,
            chain.ROW_DELETED,
        )
        assert result.verified_through is None

    def test_a_truncated_tail_is_found_against_a_checkpoint(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        checkpoint = backend.recorder.chain_head()
        backend.sql("DELETE FROM stored_events WHERE notification_id > 4")
        assert verify_recorder(backend.recorder).ok  # the chain alone cannot tell
        result = verify_recorder(backend.recorder, checkpoint=checkpoint)
        assert (result.ok, result.first_bad_position, result.code) == (
            False,
            5,
            chain.TAIL_TRUNCATED,
        )
        assert result.verified_through == 4


class TestARewrittenHistory:
    def test_a_rechained_rewrite_is_not_a_prefix_of_the_checkpoint(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        checkpoint = backend.recorder.chain_head()
        backend.sql("UPDATE stored_events SET state = %s WHERE notification_id = 3", b"{}")
        rechain_from(backend, 3)
        assert verify_recorder(backend.recorder).ok  # self-consistent forgery
        result = verify_recorder(backend.recorder, checkpoint=checkpoint)
        assert (result.ok, result.first_bad_position, result.code) == (
            False,
            6,
            chain.CHECKPOINT_NOT_PREFIX,
        )

    def test_a_truncated_and_regrown_log_is_not_a_prefix(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        checkpoint = backend.recorder.chain_head()
        backend.sql("DELETE FROM stored_events WHERE notification_id > 3")
        save_batches(backend.recorder, 5)
        result = verify_recorder(backend.recorder, checkpoint=checkpoint)
        assert (result.ok, result.code) == (False, chain.CHECKPOINT_NOT_PREFIX)
        assert result.first_bad_position == 6


class TestReorderedRows:
    def test_two_swapped_events_are_named(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        r3, r4 = row_at(backend, 3), row_at(backend, 4)
        update = (
            "UPDATE stored_events SET originator_id = %s, originator_version = %s, "
            "topic = %s, state = %s WHERE notification_id = %s"
        )
        backend.sql(update, uuid4(), 1, "tmp", b"", 3)  # free r3's unique key first
        backend.sql(update, r3.originator_id, r3.originator_version, r3.topic, r3.state, 4)
        backend.sql(update, r4.originator_id, r4.originator_version, r4.topic, r4.state, 3)
        result = verify_recorder(backend.recorder)
        assert (result.ok, result.first_bad_position, result.code) == (
            False,
            3,
            chain.ROWS_REORDERED,
        )

    def test_two_swapped_positions_are_named(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        move = "UPDATE stored_events SET notification_id = %s WHERE notification_id = %s"
        backend.sql(move, -1, 5)
        backend.sql(move, 5, 6)
        backend.sql(move, 6, -1)
        result = verify_recorder(backend.recorder)
        assert (result.ok, result.first_bad_position, result.code) == (
            False,
            5,
            chain.ROWS_REORDERED,
        )


class TestAnInsertedRow:
    def forge(self, b: Backend, position: int, hash_: bytes) -> None:
        e = events(1)[0]
        b.sql(
            "INSERT INTO stored_events (notification_id, originator_id, originator_version, "
            "topic, state, hash) VALUES (%s, %s, %s, %s, %s, %s)",
            position,
            e.originator_id,
            e.originator_version,
            e.topic,
            e.state,
            hash_,
        )

    def test_a_gap_alone_is_not_tampering(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        open_gap(backend, at=4)
        assert [r.position for r in backend.recorder.chain_rows()] == [1, 2, 3, 5, 6, 7]
        assert verify_recorder(backend.recorder).ok

    def test_a_forged_row_with_a_made_up_hash_is_named(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        open_gap(backend, at=4)
        self.forge(backend, 4, b"\x01" * 32)
        result = verify_recorder(backend.recorder)
        assert (result.ok, result.first_bad_position, result.code) == (
            False,
            4,
            chain.ROW_INSERTED,
        )
        assert result.verified_through == 3

    def test_a_forged_row_with_a_correct_link_is_named(self, backend: Backend) -> None:
        given_a_log_of_six_events(backend)
        open_gap(backend, at=4)
        e, prev = events(1)[0], row_at(backend, 3).hash
        assert prev is not None
        forged_hash = chain.link(prev, 4, e.originator_id, 1, e.topic, e.state)
        backend.sql(
            "INSERT INTO stored_events (notification_id, originator_id, originator_version, "
            "topic, state, hash) VALUES (%s, %s, %s, %s, %s, %s)",
            4,
            e.originator_id,
            1,
            e.topic,
            e.state,
            forged_hash,
        )
        result = verify_recorder(backend.recorder)
        assert (result.ok, result.first_bad_position, result.code) == (
            False,
            4,
            chain.ROW_INSERTED,
        )
        assert result.verified_through == 3


class TestSQLiteColumnsHoldingTheWrongType:
    """SQLite columns accept any type: a tamperer can store text where bytes or UUIDs belong."""

    @pytest.fixture
    def sqlite_backend(self, tmp_path: Path) -> Iterator[Backend]:
        with open_backend("sqlite", tmp_path) as b:
            yield b

    def test_text_in_place_of_the_state_is_a_malformed_row(self, sqlite_backend: Backend) -> None:
        given_a_log_of_six_events(sqlite_backend)
        sqlite_backend.sql("UPDATE stored_events SET state = '{}' WHERE notification_id = 2")
        result = verify_recorder(sqlite_backend.recorder)
        assert (result.first_bad_position, result.code) == (2, chain.MALFORMED_ROW)

    def test_an_originator_id_that_is_no_uuid_is_a_malformed_row(
        self, sqlite_backend: Backend
    ) -> None:
        given_a_log_of_six_events(sqlite_backend)
        sqlite_backend.sql("UPDATE stored_events SET originator_id = 'x' WHERE notification_id = 3")
        sqlite_backend.sql(
            "UPDATE stored_events SET originator_version = 'v' WHERE notification_id = 4"
        )
        result = verify_recorder(sqlite_backend.recorder)
        assert (result.first_bad_position, result.code) == (3, chain.MALFORMED_ROW)

    def test_a_hash_stored_as_text_is_found(self, sqlite_backend: Backend) -> None:
        given_a_log_of_six_events(sqlite_backend)
        sqlite_backend.sql("UPDATE stored_events SET hash = 'abc' WHERE notification_id = 5")
        result = verify_recorder(sqlite_backend.recorder)
        assert (result.ok, result.first_bad_position) == (False, 5)
