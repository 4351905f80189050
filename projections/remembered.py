"""Rows a live view remembers from one batch to the next (views.py, ``ViewBase.process``): a
runner reads the same orgs and cycles batch after batch (measured: most of its reads).

They are the rows as the batch that used them committed them, so they hold only while the
view's tracking position is still that batch's (nobody else wrote the view since), and are
taken (forgotten) by a batch until it commits. Two generations, a cheap LRU as bulk.py's: once
the young one holds ``KNOWN_ROWS``, it becomes the old one, and rows the next generation does
not use are forgotten (the audit trail's rows, written once; orgs and cycles stay)."""

from __future__ import annotations

from projections.tables import Key, Row

KNOWN_ROWS = 5000
Known = dict[tuple[str, Key], Row | None]


class Remembered:
    def __init__(self) -> None:
        self._young: Known = {}
        self._old: Known = {}
        self._position: int | None = None

    def take(self, position: int) -> tuple[Known, Known]:
        """(young, old) rows, if they hold at tracking ``position``; remembered no longer."""
        found = (self._young, self._old) if position == self._position else ({}, {})
        self._young, self._old, self._position = {}, {}, None
        return found

    def keep(self, young: Known, old: Known, position: int) -> None:
        """The rows a batch committed at ``position`` left (SqlRows moves used old rows into
        the young ones)."""
        if len(young) > KNOWN_ROWS:
            young, old = {}, young
        self._young, self._old, self._position = young, old, position
