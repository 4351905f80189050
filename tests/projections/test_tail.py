"""The runners of a process read the new end of the log through one SharedTail (tail.py): what
it answers from memory is exactly what the log holds, each event is decoded once, and a runner
behind does not push the newest events out."""

from __future__ import annotations

from typing import Any

from application.app import LianpingApp
from projections.registry import EventSource
from projections.tail import SharedTail
from tests.projections.scripts import rich_history


class CountingRecorder:
    """The app's recorder, counting select_notifications."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.reads = 0

    def select_notifications(self, **kwargs: Any) -> Any:
        self.reads += 1
        return self.recorder.select_notifications(**kwargs)


def logged(app: LianpingApp, after: int, limit: int) -> list[int]:
    return [n.id for n in app.recorder.select_notifications(
        start=after, limit=limit, inclusive_of_start=False)]


def test_the_tail_answers_what_the_log_holds_reading_it_once(app: LianpingApp, world) -> None:
    rich_history(world)
    head = app.recorder.max_notification_id() or 0
    counting = CountingRecorder(app.recorder)
    tail = SharedTail(counting, app.mapper, keep=50)  # type: ignore[arg-type]

    first = tail.read(head - 30, 20)
    assert [n.id for n in first] == logged(app, head - 30, 20) and counting.reads == 1
    for after in (head - 30, head - 25, first[-1].id - 1):  # within what it read: no query
        kept = [p for p in logged(app, after, 20) if p <= first[-1].id]
        assert [n.id for n in tail.read(after, 20)] == kept
    assert counting.reads == 1
    rest = tail.read(first[-1].id, 100)  # past it: read, and kept contiguously
    assert [n.id for n in rest] == logged(app, first[-1].id, 100) and counting.reads == 2
    assert [n.id for n in tail.read(head - 30, 100)] == logged(app, head - 30, 100)[:50]

    behind = tail.read(0, 10)  # a runner far behind reads the log, the tail keeps the end
    assert [n.id for n in behind] == logged(app, 0, 10) and counting.reads == 3
    tail.read(head - 10, 5)
    assert counting.reads == 3


def test_each_event_is_decoded_once_for_every_runner(app: LianpingApp, world) -> None:
    rich_history(world)
    source = EventSource.of(app)
    head = app.recorder.max_notification_id() or 0
    batch = source.tail.read(head - 10, 10)
    once, again = source.envelopes(batch), source.envelopes(batch)
    assert all(a is b for a, b in zip(once, again, strict=True))
    assert [e.position for e in once] == logged(app, head - 10, 10)
    assert once == source.read(head - 10, 10)  # decoded as anywhere else
