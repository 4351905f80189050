"""SQLite application recorder that hash-chains the event log (see chain.py).

Differences from the library's SQLiteApplicationRecorder:

- the events table has an explicit ``notification_id INTEGER PRIMARY KEY`` (an alias of
  the rowid, so VACUUM can never renumber positions) and a ``hash BLOB NOT NULL``;
- a save runs in ``BEGIN IMMEDIATE``: the write lock is taken before the previous hash is
  read, so several processes writing one file cannot both chain onto the same row;
  positions are assigned as previous max + 1 under that lock;
- an optional idempotency record is written in the same transaction;
- read guards (records.ReadGuard) are checked under that lock, before anything is written.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    Notification,
    NotSupportedError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
)

from application.store import subscription
from application.store.chain import GENESIS, as_uuid, link
from application.store.records import (
    ChainRow,
    IdempotencyRecord,
    ReadGuard,
    StoredIdempotency,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence


IDEMPOTENCY_TABLE = "idempotency_records"

_ERRORS: tuple[tuple[type[sqlite3.Error], type[PersistenceError]], ...] = (
    (sqlite3.InterfaceError, InterfaceError),
    (sqlite3.DataError, DataError),
    (sqlite3.OperationalError, OperationalError),
    (sqlite3.IntegrityError, IntegrityError),
    (sqlite3.InternalError, InternalError),
    (sqlite3.ProgrammingError, ProgrammingError),
    (sqlite3.NotSupportedError, NotSupportedError),
    (sqlite3.DatabaseError, DatabaseError),
    (sqlite3.Error, PersistenceError),
)


@contextmanager
def _library_errors() -> Iterator[None]:
    """Raise sqlite3 errors as the library's persistence errors (as the library does)."""
    try:
        yield
    except sqlite3.Error as e:
        for sqlite_error, library_error in _ERRORS:
            if isinstance(e, sqlite_error):
                raise library_error(e) from e
        raise  # pragma: no cover


def _originator_text(originator_id: UUID | str) -> str:
    try:
        return as_uuid(originator_id).hex
    except (TypeError, ValueError) as e:
        msg = f"the hash chain needs UUID originator ids: {originator_id!r}"
        raise DataError(msg) from e


def _blob(value: object) -> bytes | None:
    """A BLOB as bytes; None for anything else (SQLite columns take any type when tampered)."""
    return bytes(value) if isinstance(value, bytes | memoryview) else None


def _originator_from_text(value: str) -> UUID | str:
    # A tampered row may hold anything: hand it on, verification reports it.
    try:
        return UUID(value)
    except (TypeError, ValueError, AttributeError):
        return value


@contextmanager
def immediate_transaction(datastore: SQLiteDatastore) -> Iterator[SQLiteCursor]:
    """A write transaction that takes SQLite's write lock up front (BEGIN IMMEDIATE), so that
    what it reads before writing (the previous hash, a tracking position) cannot go stale."""
    with datastore.get_connection(commit=True) as conn:
        cursor = conn.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        finally:
            cursor.sqlite_cursor.close()


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    idempotency_table_name = IDEMPOTENCY_TABLE

    def __init__(
        self,
        datastore: SQLiteDatastore,
        events_table_name: str = "stored_events",
    ):
        if datastore.originator_id_type != "uuid":
            msg = "ChainedSQLiteRecorder needs ORIGINATOR_ID_TYPE=uuid (the chain hashes UUIDs)"
            raise ProgrammingError(msg)
        super().__init__(datastore, events_table_name)
        t, i = self.events_table_name, self.idempotency_table_name
        self.insert_events_statement = (
            f"INSERT INTO {t} (notification_id, originator_id, originator_version, "
            "topic, state, hash) VALUES (?,?,?,?,?,?)"
        )
        self.select_max_notification_id_statement = f"SELECT MAX(notification_id) FROM {t}"
        self.select_head_statement = (
            f"SELECT notification_id, hash FROM {t} ORDER BY notification_id DESC LIMIT 1"
        )
        self.select_chain_statement = (
            f"SELECT notification_id, originator_id, originator_version, topic, state, hash "
            f"FROM {t} WHERE notification_id > ? ORDER BY notification_id LIMIT ?"
        )
        self.select_version_statement = (
            f"SELECT MAX(originator_version) FROM {t} WHERE originator_id = ?"
        )
        self.select_positions_statement = (
            f"SELECT originator_version, notification_id, hash FROM {t} WHERE originator_id = ?"
        )
        self.insert_idempotency_statement = (
            f"INSERT INTO {i} (key_id, actor, fingerprint, response, position, created_at) "
            "VALUES (?,?,?,?,?,?)"
        )
        self.select_idempotency_statement = (
            f"SELECT key_id, actor, fingerprint, response, position, created_at "
            f"FROM {i} WHERE key_id = ?"
        )

    def construct_create_table_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.events_table_name} ("
            "notification_id INTEGER PRIMARY KEY, "
            "originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, "
            "topic TEXT, "
            "state BLOB, "
            "hash BLOB NOT NULL, "
            "UNIQUE (originator_id, originator_version))",
            f"CREATE TABLE IF NOT EXISTS {self.idempotency_table_name} ("
            "key_id TEXT PRIMARY KEY, "
            "actor TEXT NOT NULL, "
            "fingerprint TEXT NOT NULL, "
            "response TEXT NOT NULL, "
            "position INTEGER, "
            "created_at TEXT NOT NULL) "
            "WITHOUT ROWID",
        ]

    # Writing.

    @contextmanager
    def _write_transaction(self) -> Iterator[SQLiteCursor]:
        with _library_errors(), immediate_transaction(self.datastore) as cursor:
            yield cursor

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        idempotency: IdempotencyRecord | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        with self._write_transaction() as c:
            ids = self._insert_events(c, stored_events, idempotency=idempotency, **kwargs)
        subscription.saved(self)  # wake this process's readers now; others poll
        return ids

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        guards: Sequence[ReadGuard] = kwargs.get("guards", ())
        for guard in guards:
            c.execute(self.select_version_statement, (_originator_text(guard.originator_id),))
            now = c.fetchone()[0] or 0
            if now != guard.version:
                msg = (
                    f"stale read: aggregate {guard.originator_id} was read at version "
                    f"{guard.version} and is now at version {now}"
                )
                raise IntegrityError(msg)
        c.execute(self.select_head_statement)
        head = c.fetchone()
        position, prev_hash = (0, GENESIS) if head is None else (head[0], _blob(head[1]))
        if prev_hash is None:
            msg = f"the hash of row {position} is not a BLOB: the store was altered"
            raise DataError(msg)
        params = []
        for s in stored_events:
            position += 1
            originator = _originator_text(s.originator_id)
            prev_hash = link(
                prev_hash, position, originator, s.originator_version, s.topic, s.state
            )
            params.append((position, originator, s.originator_version, s.topic, s.state, prev_hash))
        c.executemany(self.insert_events_statement, params)
        idempotency: IdempotencyRecord | None = kwargs.get("idempotency")
        if idempotency is not None:
            c.execute(
                self.insert_idempotency_statement,
                (
                    idempotency.key_id.hex,
                    idempotency.actor,
                    idempotency.fingerprint,
                    idempotency.response,
                    params[-1][0] if params else None,
                    datetime.now(UTC).isoformat(),
                ),
            )
        return [p[0] for p in params]

    # Reading.

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> subscription.PollingSubscription:
        """SQLite has no NOTIFY: poll, and wake at once on this process's own saves."""
        return subscription.PollingSubscription(self, gt=gt, topics=topics)

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        conditions: list[str] = []
        params: list[int | str] = []
        if start is not None:
            conditions.append(f"notification_id {'>=' if inclusive_of_start else '>'} ?")
            params.append(start)
        if stop is not None:
            conditions.append("notification_id <= ?")
            params.append(stop)
        if topics:
            conditions.append(f"topic IN ({','.join('?' * len(topics))})")
            params.extend(topics)
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        statement = (
            "SELECT notification_id, originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} {where}ORDER BY notification_id LIMIT ?"
        )
        params.append(limit)
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [
                Notification(
                    id=row["notification_id"],
                    originator_id=self.convert_originator_id(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                )
                for row in c.fetchall()
            ]

    def chain_rows(self, after: int = 0, limit: int = 1000) -> list[ChainRow]:
        """Stored rows with position > `after`, in position order, as stored."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_chain_statement, (after, limit))
            return [
                ChainRow(
                    position=row[0],
                    originator_id=_originator_from_text(row[1]),
                    originator_version=row[2],
                    topic=row[3],
                    state=_blob(row[4]),
                    hash=_blob(row[5]),
                )
                for row in c.fetchall()
            ]

    def select_events_of(
        self, originator_ids: Sequence[UUID], after: Sequence[int] | None = None
    ) -> list[StoredEvent]:
        """Every stored event of these aggregates (after ``after``'s version of each) in one
        read transaction, by aggregate and version (SQLite takes at most 999 parameters a
        statement: chunks of 500)."""
        found: list[StoredEvent] = []
        held: dict[Any, int] = dict(zip(originator_ids, after, strict=True)) if after else {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(originator_ids), 500):
                chunk = [_originator_text(i) for i in originator_ids[start : start + 500]]
                c.execute(
                    "SELECT originator_id, originator_version, topic, state "
                    f"FROM {self.events_table_name} WHERE originator_id IN "
                    f"({','.join('?' * len(chunk))}) ORDER BY originator_id, originator_version",
                    chunk,
                )
                found.extend(
                    StoredEvent(
                        originator_id=self.convert_originator_id(row[0]),
                        originator_version=row[1],
                        topic=row[2],
                        state=row[3],
                    )
                    for row in c.fetchall()
                )
        if held:
            found = [e for e in found if e.originator_version > held.get(e.originator_id, 0)]
        return found

    def positions_of(self, originator_id: UUID) -> dict[int, tuple[int, bytes | None]]:
        """{version: (position, hash)} of one aggregate's stored events."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_positions_statement, (_originator_text(originator_id),))
            return {row[0]: (row[1], _blob(row[2])) for row in c.fetchall()}

    def chain_head(self) -> tuple[int, bytes] | None:
        """(position, hash) of the last stored event, or None when the log is empty."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_head_statement)
            row = c.fetchone()
        if row is None:
            return None
        head_hash = _blob(row[1])
        if head_hash is None:
            msg = f"the hash of row {row[0]} is not a BLOB: the store was altered"
            raise DataError(msg)
        return row[0], head_hash

    def get_idempotency_record(self, key_id: UUID) -> StoredIdempotency | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_idempotency_statement, (key_id.hex,))
            row = c.fetchone()
        if row is None:
            return None
        return StoredIdempotency(
            key_id=UUID(row[0]),
            actor=row[1],
            fingerprint=row[2],
            response=row[3],
            position=row[4],
            created_at=datetime.fromisoformat(row[5]),
        )


def open_sqlite_recorder(
    db_path: str,
    *,
    lock_timeout: int | None = None,
    pool_size: int = 5,
    create_table: bool = True,
) -> ChainedSQLiteRecorder:
    """A recorder on the SQLite file `db_path` (tests, tools); apps use the factory + topic."""
    datastore = SQLiteDatastore(db_path, lock_timeout=lock_timeout, pool_size=pool_size)
    recorder = ChainedSQLiteRecorder(datastore)
    if create_table:
        recorder.create_table()
    return recorder
