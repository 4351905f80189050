"""Group commit in the PostgreSQL recorder keeps every save atomic and isolated: saves that share
a transaction get their own ids or their own error, and the log stays one valid chain.

(White-box tests of application/store/postgres.py's group commit: they build its private
batches directly.)"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import DataError, IntegrityError, StoredEvent

from application.app import LianpingApp
from application.settings import Settings
from application.store import ChainedPostgresRecorder, IdempotencyRecord, verify_recorder
from application.store.group_commit import Pending, Save
from application.store.records import ReadGuard
from tests import postgres_server
from tests.store_support import events, open_pg_recorder, pg_schema

pytestmark = pytest.mark.postgres


@pytest.fixture
def recorder() -> Iterator[ChainedPostgresRecorder]:
    with pg_schema() as schema:
        opened = open_pg_recorder(schema, pool_size=2, max_overflow=10)
        try:
            yield opened
        finally:
            opened.datastore.close()


def key(actor: str = "alice") -> IdempotencyRecord:
    return IdempotencyRecord(key_id=uuid4(), actor=actor, fingerprint="f", response=json.dumps({}))


def group(recorder: ChainedPostgresRecorder, *saves: tuple[Any, ...]) -> list[Pending]:
    """Flush `saves` (events, idempotency record[, read guards]) as ONE group (what the leader
    does with what it found queued)."""
    batch = [
        Pending(Save(evts, idem, guards[0] if guards else ())) for evts, idem, *guards in saves
    ]
    recorder._flush_group(batch)
    return batch


def test_a_conflicting_save_fails_alone_and_the_others_land(
    recorder: ChainedPostgresRecorder,
) -> None:
    stored = events(2)
    recorder.insert_events(stored)  # positions 1, 2
    first, conflicting, last = events(2), [*events(1), stored[1]], events(1)
    first_key, conflicting_key = key(), key()
    answers = group(recorder, (first, first_key), (conflicting, conflicting_key), (last, None))

    assert answers[0].ids == [3, 4] and answers[0].error is None
    assert isinstance(answers[1].error, IntegrityError) and answers[1].ids is None
    assert answers[2].error is None and answers[2].ids is not None
    assert answers[2].ids[0] > 4  # the failed save's ids are a gap, never reused
    assert recorder.get_idempotency_record(first_key.key_id) is not None
    assert recorder.get_idempotency_record(conflicting_key.key_id) is None
    logged = [n.originator_id for n in recorder.select_notifications(start=None, limit=100)]
    assert conflicting[0].originator_id not in logged
    assert verify_recorder(recorder).ok


def test_two_saves_of_one_version_in_one_group_the_first_wins(
    recorder: ChainedPostgresRecorder,
) -> None:
    (mine,), (theirs,) = events(1), events(1)
    theirs = StoredEvent(mine.originator_id, mine.originator_version, "t", b"theirs")
    answers = group(recorder, ([mine], None), ([theirs], None))
    assert answers[0].ids == [1]
    assert isinstance(answers[1].error, IntegrityError)
    assert recorder.select_events(mine.originator_id) == [mine]


def test_a_reused_idempotency_key_in_one_group_fails_that_save_alone(
    recorder: ChainedPostgresRecorder,
) -> None:
    shared = key()
    again = IdempotencyRecord(shared.key_id, "bob", "other", "{}")
    answers = group(recorder, (events(1), shared), (events(2), again), (events(1), None))
    assert answers[0].ids == [1] and answers[2].ids is not None
    assert isinstance(answers[1].error, IntegrityError)
    stored = recorder.get_idempotency_record(shared.key_id)
    assert stored is not None and stored.actor == "alice" and stored.position == 1
    assert verify_recorder(recorder).ok


def test_a_stale_read_fails_that_save_alone_and_sees_earlier_saves_of_the_group(
    recorder: ChainedPostgresRecorder,
) -> None:
    read = events(1)
    recorder.insert_events(read)
    read_id = read[0].originator_id
    current = [ReadGuard(read_id, 1)]
    answers = group(
        recorder,
        (events(1), None, current),
        (events(1), None, [ReadGuard(read_id, 0)]),  # stale
        (events(1, read_id, start=2), None),  # writes what the next save read
        (events(1), None, current),  # ... so its read is stale now
        (events(2), None, [ReadGuard(read_id, 2)]),
    )
    assert [a.error is None for a in answers] == [True, False, True, False, True]
    assert all(isinstance(a.error, IntegrityError) for a in (answers[1], answers[3]))
    assert "stale read" in str(answers[1].error)
    assert len(recorder.chain_rows()) == 1 + 1 + 1 + 2
    assert verify_recorder(recorder).ok


def test_a_save_that_breaks_the_whole_group_is_answered_alone(
    recorder: ChainedPostgresRecorder,
) -> None:
    bad = [StoredEvent(uuid4(), 1, "nul\x00topic", b"x")]  # PostgreSQL text refuses NUL
    answers = group(recorder, (events(1), None), (bad, None), (events(1), None))
    assert answers[0].ids is not None and answers[2].ids is not None
    assert isinstance(answers[1].error, DataError)
    assert verify_recorder(recorder).ok


def test_concurrent_saves_share_transactions_and_conflicts_stay_isolated(
    recorder: ChainedPostgresRecorder,
) -> None:
    groups: list[int] = []
    flush = recorder._append_saves

    def counting(saves: list[Save]) -> Any:
        if len(saves) > 1:
            groups.append(len(saves))
        return flush(saves)

    recorder._append_saves = counting  # type: ignore[method-assign]
    contested = [events(1)[0] for _ in range(20)]  # every one saved by two threads at once
    outcomes: dict[tuple[int, int], str] = {}
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        start.wait()
        for i in range(30):
            try:
                if i < 20 and n < 2:
                    recorder.insert_events([contested[i]])
                else:
                    recorder.insert_events(events(1))
                outcomes[(n, i)] = "ok"
            except IntegrityError:
                outcomes[(n, i)] = "conflict"

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for i in range(20):  # exactly one of the two writers won each contested version
        assert sorted(outcomes[(n, i)] for n in range(2)) == ["conflict", "ok"]
    assert all(v == "ok" for (n, i), v in outcomes.items() if n >= 2 or i >= 20)
    assert groups, "no save was ever grouped with another"
    result = verify_recorder(recorder)
    assert result.ok, result
    assert len(recorder.select_notifications(start=None, limit=1000)) == 20 + 8 * 30 - 40


def test_the_group_commit_setting_turns_it_off_for_the_app_and_saves_still_land(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setenv("LIANPING_GROUP_COMMIT", "false")
    with pg_schema() as schema:
        settings = Settings(database_url=postgres_server.postgres_url(), postgres_schema=schema,
                            signing_key_file=str(tmp_path / "key.pem"), create_signing_key=True,
                            pool_size=2)
        assert settings.group_commit is False
        app = LianpingApp(settings)
        try:
            assert app.recorder.group_commit is False
            assert app.recorder.insert_events(events(2)) == [1, 2]
        finally:
            app.close()
