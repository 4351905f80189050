"""Saving through the chained recorders: the chain, idempotency records, failures, concurrency."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import struct
import threading
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import DataError, IntegrityError, OperationalError, StoredEvent

from application.store import (
    ChainedPostgresRecorder,
    ChainedSQLiteRecorder,
    IdempotencyRecord,
    verify_recorder,
)
from application.store.records import ReadGuard
from tests.store_support import (
    STORES,
    Backend,
    events,
    open_backend,
    open_pg_recorder,
    open_sqlite,
    pg_connect,
    pg_env,
    pg_schema,
    save_batches,
    sqlite_env,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(params=STORES)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with open_backend(request.param, tmp_path) as b:
        yield b


def documented_hash(prev: bytes, position: int, e: StoredEvent) -> bytes:
    """The layout of chain.py's docstring, written out independently of chain.py."""
    topic = e.topic.encode()
    assert isinstance(e.originator_id, UUID)
    return hashlib.sha256(
        prev
        + struct.pack(">q", position)
        + e.originator_id.bytes
        + struct.pack(">q", e.originator_version)
        + struct.pack(">i", len(topic))
        + topic
        + struct.pack(">i", len(e.state))
        + e.state
    ).digest()


def key(response: object = None) -> IdempotencyRecord:
    return IdempotencyRecord(
        key_id=uuid4(), actor="alice", fingerprint="sha256:abc", response=json.dumps(response)
    )


class TestTheChain:
    def test_each_save_chains_its_events_in_position_order(self, backend: Backend) -> None:
        saved = [events(2), events(1), [*events(1), *events(3)]]
        positions = [backend.recorder.insert_events(batch) for batch in saved]
        assert positions == [[1, 2], [3], [4, 5, 6, 7]]
        prev = bytes(32)
        rows = backend.recorder.chain_rows()
        flat = [e for batch in saved for e in batch]
        assert [r.position for r in rows] == list(range(1, 8))
        for position, (row, e) in enumerate(zip(rows, flat, strict=True), start=1):
            prev = documented_hash(prev, position, e)
            assert row.hash == prev, f"position {position}"
        assert backend.recorder.chain_head() == (7, prev)

    def test_chain_rows_pages_from_a_position(self, backend: Backend) -> None:
        save_batches(backend.recorder, 3, 3)
        assert [r.position for r in backend.recorder.chain_rows(after=2, limit=3)] == [3, 4, 5]
        assert backend.recorder.chain_rows(after=6) == []

    def test_an_empty_log_has_no_head(self, backend: Backend) -> None:
        assert backend.recorder.chain_head() is None
        assert backend.recorder.insert_events([]) in ([], None)

    def test_notifications_and_events_read_as_with_the_library(self, backend: Backend) -> None:
        batch = events(2)
        backend.recorder.insert_events(batch)
        notifications = backend.recorder.select_notifications(start=None, limit=10)
        assert [(n.id, n.originator_id, n.state) for n in notifications] == [
            (1, batch[0].originator_id, batch[0].state),
            (2, batch[1].originator_id, batch[1].state),
        ]
        assert backend.recorder.select_events(batch[0].originator_id) == batch
        assert backend.recorder.max_notification_id() == 2

    def test_originator_ids_that_are_not_uuids_are_refused(self, backend: Backend) -> None:
        bad = StoredEvent(originator_id="not-a-uuid", originator_version=1, topic="t", state=b"")
        with pytest.raises(DataError):
            backend.recorder.insert_events([*events(1), bad])
        assert backend.recorder.chain_head() is None


def test_both_stores_compute_the_same_hashes(tmp_path: Path) -> None:
    batch = events(3)
    sqlite = open_sqlite(str(tmp_path / "same.db"))
    with pg_schema() as schema:
        postgres = open_pg_recorder(schema)
        try:
            sqlite.insert_events(batch)
            postgres.insert_events(batch)
            assert sqlite.chain_rows() == postgres.chain_rows()
        finally:
            postgres.datastore.close()
            sqlite.datastore.close()


class TestAFailedSave:
    def test_a_conflicting_save_records_nothing(self, backend: Backend) -> None:
        first = events(2)
        backend.recorder.insert_events(first)
        head = backend.recorder.chain_head()
        with pytest.raises(IntegrityError):
            backend.recorder.insert_events([*events(2), first[1]], idempotency=key())
        assert backend.recorder.chain_head() == head
        assert len(backend.recorder.select_notifications(start=None, limit=10)) == 2
        assert backend.sql("SELECT COUNT(*) FROM idempotency_records") == [(0,)]

    def test_the_log_stays_verifiable_after_a_failed_save(self, backend: Backend) -> None:
        first = events(1)
        backend.recorder.insert_events(first)
        with pytest.raises(IntegrityError):
            backend.recorder.insert_events(first)
        (position,) = backend.recorder.insert_events(events(1)) or []
        # PostgreSQL consumed an id for the failed save: a gap, which is not a break.
        assert position == (2 if backend.name == "sqlite" else 3)
        assert verify_recorder(backend.recorder).ok


class TestReadGuards:
    """A save may assert the versions of aggregates it does not write (what its command read)."""

    def test_a_save_whose_reads_are_current_lands(self, backend: Backend) -> None:
        read = events(2)
        backend.recorder.insert_events(read)
        absent = events(1)[0].originator_id
        guards = [ReadGuard(read[0].originator_id, 2), ReadGuard(absent, 0)]
        assert backend.recorder.insert_events(events(1), guards=guards) == [3]

    @pytest.mark.parametrize("read_at", [1, 3, 0])
    def test_a_save_that_read_another_version_records_nothing(
        self, backend: Backend, read_at: int
    ) -> None:
        read = events(2)
        backend.recorder.insert_events(read)
        head = backend.recorder.chain_head()
        record = key()
        with pytest.raises(IntegrityError, match="stale read"):
            backend.recorder.insert_events(
                events(2), idempotency=record, guards=[ReadGuard(read[0].originator_id, read_at)]
            )
        assert backend.recorder.chain_head() == head
        assert backend.recorder.get_idempotency_record(record.key_id) is None
        assert verify_recorder(backend.recorder).ok

    def test_a_save_that_read_an_absence_fails_once_the_aggregate_exists(
        self, backend: Backend
    ) -> None:
        appeared = events(1)
        backend.recorder.insert_events(appeared)
        with pytest.raises(IntegrityError, match="stale read"):
            backend.recorder.insert_events(
                events(1), guards=[ReadGuard(appeared[0].originator_id, 0)]
            )
        assert len(backend.recorder.chain_rows()) == 1


class TestIdempotencyRecords:
    def test_the_record_is_written_with_the_events(self, backend: Backend) -> None:
        save_batches(backend.recorder, 2)
        record = key({"id": "r1"})
        positions = backend.recorder.insert_events(events(3), idempotency=record)
        stored = backend.recorder.get_idempotency_record(record.key_id)
        assert stored is not None
        assert (stored.key_id, stored.actor, stored.fingerprint, stored.response) == (
            record.key_id,
            record.actor,
            record.fingerprint,
            record.response,
        )
        assert positions == [3, 4, 5] and stored.position == 5
        assert stored.created_at.tzinfo is not None

    def test_a_duplicate_key_fails_the_whole_save(self, backend: Backend) -> None:
        record = key("first")
        backend.recorder.insert_events(events(1), idempotency=record)
        head = backend.recorder.chain_head()
        again = IdempotencyRecord(record.key_id, "bob", "other", json.dumps("second"))
        with pytest.raises(IntegrityError):
            backend.recorder.insert_events(events(2), idempotency=again)
        assert backend.recorder.chain_head() == head
        stored = backend.recorder.get_idempotency_record(record.key_id)
        assert stored is not None and stored.response == json.dumps("first")

    def test_a_save_without_events_can_still_be_recorded(self, backend: Backend) -> None:
        record = key("nothing to do")
        assert backend.recorder.insert_events([], idempotency=record) == []
        stored = backend.recorder.get_idempotency_record(record.key_id)
        assert stored is not None and stored.position is None
        assert backend.recorder.chain_head() is None

    def test_an_unknown_key_has_no_record(self, backend: Backend) -> None:
        assert backend.recorder.get_idempotency_record(uuid4()) is None

    def test_idempotency_records_are_not_in_the_log(self, backend: Backend) -> None:
        backend.recorder.insert_events(events(1), idempotency=key())
        assert len(backend.recorder.select_notifications(start=None, limit=10)) == 1
        assert len(backend.recorder.chain_rows()) == 1


class TestConcurrentWriters:
    def test_threads_on_separate_pools_produce_one_valid_chain(self, backend: Backend) -> None:
        writers = [backend.open_recorder(pool_size=1, max_overflow=1) for _ in range(4)]
        saves_per_writer, errors = 25, []
        start = threading.Barrier(len(writers))

        def write(recorder: ChainedSQLiteRecorder | ChainedPostgresRecorder) -> None:
            start.wait()
            try:
                for _ in range(saves_per_writer):
                    positions = recorder.insert_events(events(3)) or []
                    assert positions == list(range(positions[0], positions[0] + 3))
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=write, args=(w,)) for w in writers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        result = verify_recorder(backend.recorder, batch=50)
        assert result.ok, result
        assert result.verified_through == 4 * saves_per_writer * 3

    def test_a_held_table_lock_times_out_as_an_operational_error(self, tmp_path: Path) -> None:
        with pg_schema() as schema:
            recorder = open_pg_recorder(schema, lock_timeout=1)
            blocker = pg_connect(schema)
            try:
                blocker.execute("BEGIN")
                blocker.execute("LOCK TABLE stored_events IN EXCLUSIVE MODE")
                # Bypass the library's retry decorator: one attempt, one lock timeout.
                with pytest.raises(OperationalError):
                    ChainedPostgresRecorder.insert_events.__wrapped__(recorder, events(1))  # type: ignore[attr-defined]
                blocker.execute("ROLLBACK")
                assert recorder.insert_events(events(1)) is not None
                assert verify_recorder(recorder).ok
            finally:
                blocker.close()
                recorder.datastore.close()


def _write_from_another_process(path: str, saves: int) -> None:
    recorder = open_sqlite(path)
    try:
        for _ in range(saves):
            recorder.insert_events(events(2))
    finally:
        recorder.datastore.close()


def test_processes_sharing_one_sqlite_file_produce_one_valid_chain(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    open_sqlite(path).datastore.close()  # create the tables once
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_write_from_another_process, args=(path, 30)) for _ in range(3)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    recorder = open_sqlite(path)
    try:
        result = verify_recorder(recorder)
        assert result.ok and result.verified_through == 3 * 30 * 2, result
    finally:
        recorder.datastore.close()


class Thing(Aggregate):
    def __init__(self, name: str) -> None:
        self.name = name

    @event("Renamed")
    def rename(self, name: str) -> None:
        self.name = name


@pytest.fixture(params=STORES)
def app_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    if request.param == "sqlite":
        yield sqlite_env(str(tmp_path / "app.db"))
        return
    with pg_schema() as schema:
        yield pg_env(schema)


class TestAnApplicationOnTheChainedRecorder:
    def test_the_topic_selects_the_recorder(self, app_env: dict[str, str]) -> None:
        app: Application[UUID] = Application(env=app_env)
        try:
            assert isinstance(app.recorder, ChainedSQLiteRecorder | ChainedPostgresRecorder)
            thing = Thing("a")
            thing.rename("b")
            record = key({"thing": str(thing.id)})
            recordings = app.save(thing, idempotency=record)
            assert [r.notification.id for r in recordings] == [1, 2]
            stored = app.recorder.get_idempotency_record(record.key_id)
            assert stored is not None and stored.position == 2
            assert verify_recorder(app.recorder).ok 
        finally:
            app.close()

    def test_optimistic_concurrency_still_refuses_a_stale_save(
        self, app_env: dict[str, str]
    ) -> None:
        app: Application[UUID] = Application(env=app_env)
        try:
            thing = Thing("a")
            app.save(thing)
            copy1: Thing = app.repository.get(thing.id)
            copy2: Thing = app.repository.get(thing.id)
            copy1.rename("b")
            app.save(copy1)
            copy2.rename("c")
            with pytest.raises(IntegrityError):
                app.save(copy2, idempotency=key())
            assert app.repository.get(thing.id).name == "b"
            assert app.recorder.max_notification_id() == 2
            assert verify_recorder(app.recorder).ok 
        finally:
            app.close()
