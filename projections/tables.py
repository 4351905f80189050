"""The shape every read model shares: tables of rows keyed by a primary key, and a pure fold that
reads rows by key and answers each event with row changes (``Put`` / ``Delete``).

The same fold runs over ``MemoryRows`` (tests, the reference) and over a SQL view (the persistent
read model, and rebuilds), so there is one implementation of each read model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from projections.envelope import Envelope

Row = dict[str, Any]
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    integers: frozenset[str] = frozenset()
    indexes: tuple[tuple[str, ...], ...] = ()
    _column_set: frozenset[str] = field(init=False, repr=False, compare=False)
    _kinds: tuple[tuple[str, type], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Derived once: normalize() runs for every row change of every fold.
        object.__setattr__(self, "_column_set", frozenset(self.columns))
        object.__setattr__(
            self, "_kinds", tuple((c, int if c in self.integers else str) for c in self.columns)
        )

    def key_of(self, row: Row) -> Key:
        return tuple([row[c] for c in self.key])

    def normalize(self, row: Row) -> Row:
        """Every column present, integers as int, text as str: rows exactly as a store returns
        them, so a view and the in-memory fold compare equal."""
        if not self._column_set.issuperset(row):
            unknown = set(row) - set(self.columns)
            raise ValueError(f"{self.name}: unknown columns {sorted(unknown)}")
        out: Row = {}
        get = row.get
        for column, kind in self._kinds:
            value = get(column)
            if value is not None and type(value) is not kind:
                value = kind(value)
            out[column] = value
        return out


def table(
    name: str,
    columns: str,
    key: str,
    integers: str = "",
    indexes: Iterable[str] = (),
) -> Table:
    """Compact table declarations: column lists as space-separated names."""
    return Table(
        name=name,
        columns=tuple(columns.split()),
        key=tuple(key.split()),
        integers=frozenset(integers.split()),
        indexes=tuple(tuple(index.split()) for index in indexes),
    )


@dataclass(frozen=True)
class Put:
    table: Table
    row: Row


@dataclass(frozen=True)
class Delete:
    table: Table
    key: Key


Change = Put | Delete


def resolved(change: Change) -> tuple[Key, Row | None]:
    """The key a change is about, and the (normalized) row it leaves there: None for a delete."""
    if isinstance(change, Put):
        row = change.table.normalize(change.row)
        return change.table.key_of(row), row
    return change.key, None


class Rows(Protocol):
    def get(self, table: Table, key: Key) -> Row | None: ...

    def apply(self, change: Change) -> None: ...


Fold = Callable[[Rows, Envelope], Iterator[Change]]


@dataclass(frozen=True)
class Projection:
    name: str
    tables: tuple[Table, ...]
    fold: Fold = field(compare=False)


def project(rows: Rows, fold: Fold, event: Envelope) -> None:
    """Apply one event: each change is visible to the rest of the same fold."""
    for change in fold(rows, event):
        rows.apply(change)


class MemoryRows:
    """Rows in dictionaries: the reference a persistent view is compared with."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Key, Row]] = {}

    def get(self, table: Table, key: Key) -> Row | None:
        row = self.tables.get(table.name, {}).get(key)
        return None if row is None else dict(row)

    def apply(self, change: Change) -> None:
        rows = self.tables.setdefault(change.table.name, {})
        key, row = resolved(change)
        if row is None:
            rows.pop(key, None)
        else:
            rows[key] = row

    def dump(self, table: Table) -> list[Row]:
        return [row for _, row in sorted(self.tables.get(table.name, {}).items())]


def fold_all(projection: Projection, events: Iterable[Envelope]) -> MemoryRows:
    rows = MemoryRows()
    for event in events:
        project(rows, projection.fold, event)
    return rows


def updated(rows: Rows, table: Table, key: Key, **values: Any) -> Iterator[Change]:
    """Put the row at ``key`` with ``values`` changed; nothing when there is no such row."""
    row = rows.get(table, key)
    if row is not None:
        yield Put(table, {**row, **values})
