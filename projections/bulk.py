"""Rows for a generation that nobody else reads or writes yet (a rebuild's fresh tables): a
write-back cache in memory, written with a few statements per table every so often.

The fold runs over ``BulkRows`` exactly as over ``SqlRows`` (views.py) or ``MemoryRows``
(tables.py): ``get`` a row by key, ``apply`` a change. Changes stay in memory until ``flush``,
which writes every changed row of every table (the last state of each key) and the tracking
position in ONE transaction, so the fresh generation always holds a prefix of the log, exactly
once. On PostgreSQL the rows go through a binary ``COPY`` into a temporary table and one
``INSERT … SELECT … ON CONFLICT DO UPDATE`` per table; on SQLite (in process, no round trips)
through ``executemany``.

Memory stays bounded: after a flush, once a table holds more than ``max_values`` values in the
cache (rows × columns: a wide row costs more), its rows not used since the previous such
rotation are forgotten (two generations, a cheap LRU:
rows written once and never read again, like the audit trail's, leave soon; rows every event
reads, like an aggregate's context, stay). A row
that was forgotten is read back from the tables when the fold asks for it again; until a table
has forgotten anything, a key the cache does not know is known to be absent (the tables hold
nothing the cache has not seen), so it costs no query.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

import psycopg
from eventsourcing.persistence import Tracking
from psycopg.rows import dict_row

from application.store.subscription import dedicated_connection
from projections.tables import Change, Key, Row, Table, resolved
from projections.views import PostgresView, View, fetch_rows

_MISSING: Any = object()


def _values_of(table: Table) -> Callable[[Row], tuple[Any, ...]]:
    """A row's values in column order (as a tuple, in C)."""
    if len(table.columns) == 1:
        column = table.columns[0]
        return lambda row: (row[column],)
    return itemgetter(*table.columns)


class BulkRows:
    # PostgreSQL: rows go through COPY (false: executemany, as on SQLite; the bench's
    # `mechanisms` part measures what COPY buys).
    copy = True

    def __init__(self, view: View, max_values: int = 600_000) -> None:
        self.view = view
        tables = view.projection.tables
        self.max_rows = {t.name: max(1, max_values // len(t.columns)) for t in tables}
        self._young: dict[str, dict[Key, Row | None]] = {t.name: {} for t in tables}
        self._old: dict[str, dict[Key, Row | None]] = {t.name: {} for t in tables}
        self._dirty: dict[str, dict[Key, Row | None]] = {t.name: {} for t in tables}
        self._forgot: dict[str, bool] = {t.name: False for t in tables}
        self._connection: psycopg.Connection[Any] | None = None
        self.loads = 0  # rows read back from the tables after the cache forgot them
        self.flushes = 0
        self.written = 0

    # -- the Rows protocol ----------------------------------------------------------------------

    def get(self, table: Table, key: Key) -> Row | None:
        young = self._young[table.name]
        row = young.get(key, _MISSING)
        if row is _MISSING:
            row = self._old[table.name].pop(key, _MISSING)
            if row is _MISSING:
                row = self._load(table, key) if self._forgot[table.name] else None
            young[key] = row
        return None if row is None else dict(row)

    def apply(self, change: Change) -> None:
        table = change.table
        key, row = resolved(change)
        self._young[table.name][key] = row  # shadows any older copy in ``_old``
        self._dirty[table.name][key] = row

    # -- writing --------------------------------------------------------------------------------

    @property
    def cached(self) -> int:
        return sum(len(d) for d in self._young.values()) + sum(len(d) for d in self._old.values())

    def flush(self, position: int) -> None:
        """Write every change since the last flush and track ``position``, in one transaction;
        then forget what was not used lately if the cache is over budget."""
        self.write(self.take(), position)
        self.forget()

    def take(self) -> dict[str, dict[Key, Row | None]]:
        """The changes since the last call (the last state of each changed key), to ``write``
        (the rows stay cached, so the fold can go on while they are written)."""
        taken = self._dirty
        self._dirty = {t.name: {} for t in self.view.projection.tables}
        return taken

    def write(self, changes: dict[str, dict[Key, Row | None]], position: int) -> None:
        """Write ``take()``'s changes and track ``position``, in one transaction (any thread;
        one at a time, in the order taken)."""
        view = self.view
        with view._write() as cursor:
            for table in view.projection.tables:
                dirty = changes.get(table.name)
                if not dirty:
                    continue
                values = _values_of(table)
                puts = [values(row) for row in dirty.values() if row]
                deletes = [key for key, row in dirty.items() if row is None]
                if deletes:
                    cursor.executemany(view.delete_sql[table.name], deletes)
                if puts:
                    self._write_rows(cursor, table, puts)
                self.written += len(puts) + len(deletes)
            view._insert_tracking(cursor, Tracking(view.tracking_name, position))  # type: ignore[arg-type]
        self.flushes += 1

    def forget(self) -> None:
        """Per table, once it holds more rows than its share, forget its rows not used since
        the last time. Only once every change taken before the last ``take`` is written: what is
        forgotten must be in the tables."""
        for name, young in self._young.items():
            old = self._old[name]
            if len(young) + len(old) <= self.max_rows[name]:
                continue
            if old:
                self._forgot[name] = True
            self._old[name] = young
            self._young[name] = {}

    def _write_rows(self, cursor: Any, table: Table, rows: list[tuple[Any, ...]]) -> None:
        view = self.view
        if not isinstance(view, PostgresView) or not self.copy:
            cursor.executemany(view.upsert_sql[table.name], rows)
            return
        target = view.tables[table.name]
        stage = view.dialect.quote(f"rm_stage_{table.name}")
        columns = ", ".join(table.columns)
        cursor.execute(f"CREATE TEMPORARY TABLE {stage} (LIKE {target}) ON COMMIT DROP")
        with cursor.copy(f"COPY {stage} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            # Binary: rows are normalized (int or str, or None), as the columns' types say.
            copy.set_types(["int8" if c in table.integers else "text" for c in table.columns])
            for row in rows:
                copy.write_row(row)
        update = ", ".join(f"{c} = excluded.{c}" for c in table.columns if c not in table.key)
        action = f"DO UPDATE SET {update}" if update else "DO NOTHING"
        cursor.execute(
            f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {stage} "
            f"ON CONFLICT ({', '.join(table.key)}) {action}"
        )

    # -- reading back -------------------------------------------------------------------------

    def _load(self, table: Table, key: Key) -> Row | None:
        self.loads += 1
        view = self.view
        if isinstance(view, PostgresView):
            # One statement reads a consistent row: no transaction around it, on a connection
            # of its own for the whole rebuild (one round trip, instead of a pool checkout and
            # four).
            if self._connection is None:
                self._connection = dedicated_connection(view.datastore)
            with self._connection.cursor(row_factory=dict_row) as cursor:
                cursor.execute(view.select_sql[table.name], key, prepare=True)
                found = fetch_rows(cursor)
        else:
            with view._read() as cursor:
                cursor.execute(view.select_sql[table.name], key)
                found = fetch_rows(cursor)
        return table.normalize(found[0]) if found else None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
