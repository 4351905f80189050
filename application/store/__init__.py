"""Event store recorders with a hash-chained event log and same-transaction idempotency.

Select them with the library's settings, e.g. for PostgreSQL::

    PERSISTENCE_MODULE=eventsourcing.postgres
    APPLICATION_RECORDER_TOPIC=application.store.postgres:ChainedPostgresRecorder

or for SQLite ``PERSISTENCE_MODULE=eventsourcing.sqlite`` with
``APPLICATION_RECORDER_TOPIC=application.store.sqlite:ChainedSQLiteRecorder``.
"""

from __future__ import annotations

from application.store.chain import (
    GENESIS,
    VerifyResult,
    canonical_bytes,
    link,
    verify_chain,
    verify_recorder,
)
from application.store.postgres import ChainedPostgresRecorder, open_postgres_recorder
from application.store.records import ChainRow, IdempotencyRecord, StoredIdempotency
from application.store.sqlite import ChainedSQLiteRecorder, open_sqlite_recorder

SQLITE_RECORDER_TOPIC = "application.store.sqlite:ChainedSQLiteRecorder"
POSTGRES_RECORDER_TOPIC = "application.store.postgres:ChainedPostgresRecorder"

ChainedRecorder = ChainedSQLiteRecorder | ChainedPostgresRecorder

__all__ = [
    "GENESIS",
    "POSTGRES_RECORDER_TOPIC",
    "SQLITE_RECORDER_TOPIC",
    "ChainRow",
    "ChainedPostgresRecorder",
    "ChainedRecorder",
    "ChainedSQLiteRecorder",
    "IdempotencyRecord",
    "StoredIdempotency",
    "VerifyResult",
    "canonical_bytes",
    "link",
    "open_postgres_recorder",
    "open_sqlite_recorder",
    "verify_chain",
    "verify_recorder",
]
