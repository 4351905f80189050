"""Restore a store from a full export (``lianping audit export``): ``lianping restore FILE``.

The export carries every stored column of every event (position, aggregate id and version, topic,
the state bytes, which hold the event's own timestamp, and the chain hash), so the restored log is
the original byte for byte: same positions (gaps included), same hashes, so ``audit verify``
passes and a signed checkpoint taken before the backup still verifies.

All or nothing:
1. the file is verified first with the offline verifier (export_file.verify_export_lines): a file
   whose chain does not verify is refused, naming the first bad position, before the store is
   even opened; then each row's readable who/when/why must be what its stored bytes decode to
   (not hashed, so the chain cannot show a change there);
2. the rows are then written in ONE transaction that holds the log's write lock (SQLite
   ``BEGIN IMMEDIATE``, PostgreSQL ``LOCK TABLE … IN EXCLUSIVE MODE``, the lock every append
   takes), which refuses a store that is not empty and re-links every row as it goes (the file
   could change between the two reads); any refusal or error rolls everything back.

Rows are inserted with explicit columns, not through the append path (which assigns positions
and hashes itself). On PostgreSQL the notification id sequence is set to the last position, so
later appends continue after it; on SQLite the next position is always the last one + 1.

Not in an export, so not restored: idempotency records (a retry of a request made before the
backup is executed again), checkpoints kept in the store (keep the signed ones you took: they
still verify), and the read models (derived: they catch up from position 0 on their own, or run
``lianping projections rebuild``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from eventsourcing.persistence import (
    Environment,
    InfrastructureFactory,
    JSONTranscoder,
    Mapper,
)
from psycopg.sql import SQL, Identifier, Literal

from application.app import LianpingApp
from application.settings import Settings
from application.store import chain
from application.store.checkpoints import TABLE as CHECKPOINTS_TABLE
from application.store.export_file import (
    EXPORT_HEADER,
    BadLineError,
    parse_row,
    verify_export_lines,
)
from application.store.postgres import ChainedPostgresRecorder
from application.store.records import ChainRow
from application.store.sqlite import ChainedSQLiteRecorder, immediate_transaction
from application.usecases.exports import _line, decoded_fields
from application.usecases.integrity import result_json
from domain.errors import RuleViolationError

BATCH = 1000
APP_NAME = "Lianping"  # LianpingApp.name: the library reads settings prefixed with it too


class RestoreRefusedError(RuleViolationError):
    """``export_does_not_verify`` (details: the verification, with first_bad_position) or
    ``store_not_empty``. Nothing was written."""


@dataclass(frozen=True)
class Restored:
    events: int
    position: int | None
    hash: bytes | None

    def as_json(self) -> dict[str, Any]:
        through = None
        if self.position is not None and self.hash is not None:
            through = {"position": self.position, "hash": self.hash.hex()}
        return {"restored": self.events, "through": through}


Recorder = ChainedSQLiteRecorder | ChainedPostgresRecorder


def open_recorder(settings: Settings) -> tuple[Recorder, InfrastructureFactory[Any]]:
    """The store's recorder (tables created as the application creates them), without the rest of
    the application (no signing key, no read models). Close the factory afterwards."""
    env = Environment(APP_NAME, {**os.environ, **settings.eventsourcing_env()})
    factory: InfrastructureFactory[Any] = InfrastructureFactory.construct(env)
    recorder = factory.application_recorder()
    if not isinstance(recorder, ChainedSQLiteRecorder | ChainedPostgresRecorder):
        factory.close()
        raise TypeError(f"restore needs a chained recorder, not {type(recorder).__name__}")
    return recorder, factory


def mapper_of(factory: InfrastructureFactory[Any]) -> Mapper[Any]:
    """The application's mapper (its transcodings), to decode events without the application."""
    transcoder = factory.transcoder()
    if isinstance(transcoder, JSONTranscoder):
        LianpingApp.register_transcodings(cast(LianpingApp, None), transcoder)
    return factory.mapper(transcoder=transcoder)


def restore_file(settings: Settings, path: str) -> Restored:
    """Restore the export at `path` into the store `settings` name (see the module docstring)."""
    with open(path, encoding="utf-8") as file:
        check_export(file)
    recorder, factory = open_recorder(settings)
    try:
        with open(path, encoding="utf-8") as file:
            check_decoded(file, mapper_of(factory))
        with open(path, encoding="utf-8") as file:
            return restore_rows(recorder, export_rows(file))
    finally:
        factory.close()


def check_export(lines: Iterable[str]) -> None:
    """Refuse an export that is not a whole log whose chain verifies (the offline verifier)."""
    result = verify_export_lines(lines, full=True)
    if not result.ok:
        position = result.first_bad_position
        raise RestoreRefusedError(
            "export_does_not_verify",
            f"the export does not verify at position {position}, nothing was restored: "
            f"{result.reason}",
            result_json(result),
        )


# What a reader of an export takes on trust (it is not hashed) and no upcast reshapes: who, when,
# why and what kind. ``data`` is left out: an event class changed since the export (a field
# added by an upcast) decodes to other data today, and a genuine backup must still restore.
READABLE = ("type", "actor", "reason", "recorded_at")


def check_decoded(lines: Iterable[str], mapper: Mapper[Any]) -> None:
    """Refuse an export whose readable who/when/why (type, actor, reason, recorded_at) is not
    what its stored bytes decode to: the chain cannot show a change there, and a reader of the
    file would be misled (the restore itself writes only the stored bytes)."""
    decoder = cast(LianpingApp, SimpleNamespace(mapper=mapper))
    for row, text in _parsed(lines):
        expected = json.loads(_line(decoded_fields(decoder, row)))
        if "decode_error" in expected:
            continue  # stored bytes that do not decode are restored as they are
        given = json.loads(text)
        if any(given.get(key) != expected.get(key) for key in READABLE):
            raise RestoreRefusedError(
                "export_does_not_verify",
                f"the export does not verify at position {row.position}, nothing was restored: "
                "its type, actor, reason or recorded_at is not what its stored bytes decode to",
                {"first_bad_position": row.position, "code": "readable_fields_altered"},
            )


def export_rows(lines: Iterable[str]) -> Iterator[ChainRow]:
    """The rows of an export, in file order (the header line skipped)."""
    for row, _ in _parsed(lines):
        yield row


def _parsed(lines: Iterable[str]) -> Iterator[tuple[ChainRow, str]]:
    """Each row of an export with its line (the header line and blank lines skipped)."""
    for line_no, text in enumerate(lines, 1):
        if not text.strip() or (line_no == 1 and f'"{EXPORT_HEADER}"' in text[:40]):
            continue
        try:
            row, _ = parse_row(line_no, text)
        except BadLineError as error:
            raise _changed(error.position, str(error)) from None
        yield row, text


def _changed(position: int | None, reason: str) -> RestoreRefusedError:
    return RestoreRefusedError(
        "export_does_not_verify",
        f"the export changed while it was restored (position {position}: {reason}); "
        "nothing was restored",
        {"first_bad_position": position, "reason": reason},
    )


def _linked(rows: Iterable[ChainRow]) -> Iterator[ChainRow]:
    """The rows again, each checked to link onto the one before (as verified a moment ago)."""
    prev, last = chain.GENESIS, 0
    for row in rows:
        expected = chain.expected_hash(prev, row)
        if row.position <= last or expected is None or expected != row.hash:
            raise _changed(row.position, "the row does not link onto the row before it")
        prev, last = expected, row.position
        yield row


def _batches(rows: Iterable[ChainRow]) -> Iterator[list[ChainRow]]:
    batch: list[ChainRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _not_empty(what: str) -> RestoreRefusedError:
    return RestoreRefusedError(
        "store_not_empty",
        f"the store already holds {what}: restore only into an empty store; nothing was restored",
        {"found": what},
    )


def restore_rows(recorder: Recorder, rows: Iterable[ChainRow]) -> Restored:
    """Write verified export rows into the empty store behind `recorder`, in one transaction."""
    if isinstance(recorder, ChainedSQLiteRecorder):
        return _restore_sqlite(recorder, _linked(rows))
    return _restore_postgres(recorder, _linked(rows))


def _restore_sqlite(recorder: ChainedSQLiteRecorder, rows: Iterable[ChainRow]) -> Restored:
    events, idempotency = recorder.events_table_name, recorder.idempotency_table_name
    count, last = 0, None
    with immediate_transaction(recorder.datastore) as c:
        for table, what in ((events, "events"), (idempotency, "idempotency records"),
                            (CHECKPOINTS_TABLE, "checkpoints")):
            c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
            if c.fetchone() is None:
                continue
            c.execute(f"SELECT 1 FROM {table} LIMIT 1")
            if c.fetchone() is not None:
                raise _not_empty(what)
        for batch in _batches(rows):
            c.executemany(
                recorder.insert_events_statement,
                [
                    (r.position, chain.as_uuid(r.originator_id).hex, r.originator_version,
                     r.topic, r.state, r.hash)
                    for r in batch
                ],
            )
            count, last = count + len(batch), batch[-1]
    return Restored(count, last and last.position, last and last.hash)


def _restore_postgres(recorder: ChainedPostgresRecorder, rows: Iterable[ChainRow]) -> Restored:
    schema = recorder.datastore.schema
    events = Identifier(schema, recorder.events_table_name)
    count, last = 0, None
    with recorder.datastore.transaction(commit=True) as c:
        c.execute(SQL("SET LOCAL lock_timeout = {}").format(Literal(recorder.lock_timeout_setting)))
        c.execute(SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(events))
        for table, what in ((recorder.events_table_name, "events"),
                            (recorder.idempotency_table_name, "idempotency records"),
                            (CHECKPOINTS_TABLE, "checkpoints")):
            c.execute("SELECT to_regclass(%s) AS found", (Identifier(schema, table).as_string(c),))
            found = c.fetchone()
            if found is None or found["found"] is None:
                continue
            c.execute(SQL("SELECT 1 AS one FROM {} LIMIT 1").format(Identifier(schema, table)))
            if c.fetchone() is not None:
                raise _not_empty(what)
        copy_sql = SQL(
            "COPY {} (notification_id, originator_id, originator_version, topic, state, hash) "
            "FROM STDIN"
        ).format(events)
        with c.copy(copy_sql) as copy:
            for batch in _batches(rows):
                for r in batch:
                    copy.write_row((r.position, chain.as_uuid(r.originator_id),
                                    r.originator_version, r.topic, r.state, r.hash))
                count, last = count + len(batch), batch[-1]
        if last is not None:
            c.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)",
                (events.as_string(c), last.position),
            )
            c.execute(SQL("NOTIFY {}").format(Identifier(recorder.channel_name)))
    return Restored(count, last and last.position, last and last.hash)
