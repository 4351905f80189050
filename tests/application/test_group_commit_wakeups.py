"""GroupCommit's hand-off without a store: a finished flush wakes the callers it answered and one
waiting caller to lead what is queued, so no save relies on the follower's re-check slice
(``_WAIT_SLICE``: made a minute here, so a caller left asleep outlasts the writers' join and
fails the test whatever the machine's speed), and at most ``MAX_INFLIGHT`` flushes run at once.
The fake flushes sleep 2 ms: a store's round trip, during which more saves queue up."""

from __future__ import annotations

import threading
import time

import pytest

from application.store import group_commit
from application.store.group_commit import GroupCommit, Pending, Save

WRITERS = 16
SAVES_EACH = 25


@pytest.fixture(autouse=True)
def _no_rescue_by_the_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(group_commit, "_WAIT_SLICE", 60.0)


def _save(number: int) -> Save:
    return Save([number], None, ())  # type: ignore[list-item]  # the fake flush only counts


def _run(commit: GroupCommit, errors: list[BaseException]) -> list[list[int]]:
    answers: list[list[int]] = []
    start = threading.Barrier(WRITERS)

    def writer(n: int) -> None:
        start.wait()
        for i in range(SAVES_EACH):
            try:
                answers.append(commit.submit(_save(n * SAVES_EACH + i)))
            except RuntimeError as error:
                errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return answers


def test_every_save_is_answered_without_waiting_out_the_slice() -> None:
    inflight, most = 0, 0
    count = threading.Lock()

    def flush(batch: list[Pending]) -> None:
        nonlocal inflight, most
        with count:
            inflight += 1
            most = max(most, inflight)
        time.sleep(0.002)  # the round trip
        for pending in batch:
            pending.ids = list(pending.save.events)  # type: ignore[arg-type]
        with count:
            inflight -= 1

    answers = _run(GroupCommit(flush), [])

    assert sorted(a[0] for a in answers) == list(range(WRITERS * SAVES_EACH))
    assert 1 <= most <= group_commit.MAX_INFLIGHT


def test_a_failed_flush_answers_its_batch_and_the_queue_moves_on() -> None:
    flushes = 0

    def flush(batch: list[Pending]) -> None:
        nonlocal flushes
        flushes += 1
        time.sleep(0.002)
        if flushes % 3 == 0:
            raise RuntimeError("the store went away")
        for pending in batch:
            pending.ids = list(pending.save.events)  # type: ignore[arg-type]

    errors: list[BaseException] = []
    answers = _run(GroupCommit(flush), errors)

    assert errors and len(answers) + len(errors) == WRITERS * SAVES_EACH
