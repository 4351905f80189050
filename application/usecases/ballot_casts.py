"""Which of a cycle's ballots are cast, for the counts (回收率 on the 大屏, the batches' list).

A cast is final (a ``Ballot`` takes no event after ``Cast``), so each process remembers the
ballots it has seen cast, per cycle, and asks the store only about the others: one read of their
events' topics, nothing decoded. During a ballot storm the 大屏 polls every 2 s and each poll
would otherwise fold every ballot of the cycle."""

from __future__ import annotations

from collections.abc import Iterable
from threading import Lock
from uuid import UUID
from weakref import WeakKeyDictionary

from application.app import LianpingApp
from domain.ballot import CAST_TOPIC

#: The cycles whose cast ballots a process keeps (a few meetings at once).
_KEPT = 8
_SEEN: WeakKeyDictionary[LianpingApp, dict[str, frozenset[str]]] = WeakKeyDictionary()
_LOCK = Lock()


def cast_ids(app: LianpingApp, cycle_id: str, ballot_ids: Iterable[str]) -> frozenset[str]:
    """The ballots among ``ballot_ids`` (all of cycle ``cycle_id``, as the book keeps them:
    text) cast by now."""
    wanted = list(ballot_ids)
    with _LOCK:
        seen = _SEEN.setdefault(app, {}).get(cycle_id, frozenset())
    unknown = [i for i in wanted if i not in seen]
    newly = {str(i) for i in app.having_event([UUID(i) for i in unknown], CAST_TOPIC)
             } if unknown else set()
    if newly:
        with _LOCK:
            kept = _SEEN.setdefault(app, {})
            now = kept.pop(cycle_id, frozenset()) | newly
            while len(kept) >= _KEPT:
                kept.pop(next(iter(kept)))
            kept[cycle_id] = now
    return frozenset(i for i in wanted if i in seen or i in newly)
