"""Console credentials, beside the event log but never in it (DOMAIN.md "Round 2": credentials
are not history): Argon2id password hashes, console sessions (only a SHA-256 of each session id
is stored) and failed sign-ins (for the sign-in limits). Same database as the log (SQLite file or
PostgreSQL schema), tables created on first use, like the checkpoints table.

A hash is keyed by the account and ``set_at``, the time of the ``Account.PasswordSet`` /
``PasswordChanged`` event that set it. It is written just before that event is saved; the
account's state names which hash is in force, so a hash whose event was never saved (a lost race,
a crash) is never used, and nothing is half-changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from psycopg.sql import Identifier

from application.store.postgres import ChainedPostgresRecorder
from application.store.sqlite import ChainedSQLiteRecorder

if TYPE_CHECKING:
    from collections.abc import Sequence

HASHES, SESSIONS, FAILURES = "credential_hashes", "console_sessions", "sign_in_failures"


def stamp(moment: datetime) -> str:
    """Times as stored here: UTC ISO 8601 with microseconds (fixed width: text order = time)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class StoredSession:
    session_hash: str
    account_id: str
    created_at: datetime
    last_seen: datetime
    client_address: str | None


class CredentialStore:
    """The three tables; subclasses run SQL on their store's own connections."""

    placeholder = "?"

    def __init__(self, names: dict[str, str]) -> None:
        self.t = names

    def _run(self, statement: str, params: Sequence[Any] = (), *, commit: bool = False
             ) -> list[Sequence[Any]]:
        raise NotImplementedError

    def _sql(self, statement: str) -> str:
        return statement.format(**self.t).replace("?", self.placeholder)

    def create_tables(self) -> None:
        raise NotImplementedError

    # -- password hashes ----------------------------------------------------------------------

    def put_hash(self, account_id: str, set_at: datetime, password_hash: str) -> None:
        self._run(
            self._sql("INSERT INTO {hashes} (account_id, set_at, hash) VALUES (?, ?, ?)"),
            (account_id, stamp(set_at), password_hash), commit=True,
        )

    def hash_of(self, account_id: str, set_at: datetime) -> str | None:
        rows = self._run(
            self._sql("SELECT hash FROM {hashes} WHERE account_id = ? AND set_at = ?"),
            (account_id, stamp(set_at)),
        )
        return str(rows[0][0]) if rows else None

    def forget_before(self, account_id: str, set_at: datetime) -> None:
        """Forget the account's hashes older than the one in force (superseded ones, and any
        whose event was never saved). Newer ones are left: another process may be about to
        save the event that puts one in force."""
        self._run(
            self._sql("DELETE FROM {hashes} WHERE account_id = ? AND set_at < ?"),
            (account_id, stamp(set_at)), commit=True,
        )

    # -- console sessions ---------------------------------------------------------------------

    def add_session(self, session_hash: str, account_id: str, now: datetime,
                    client_address: str | None) -> None:
        self._run(
            self._sql(
                "INSERT INTO {sessions} (session_hash, account_id, created_at, last_seen, "
                "client_address) VALUES (?, ?, ?, ?, ?)"
            ),
            (session_hash, account_id, stamp(now), stamp(now), client_address), commit=True,
        )

    def session(self, session_hash: str) -> StoredSession | None:
        rows = self._run(
            self._sql(
                "SELECT session_hash, account_id, created_at, last_seen, client_address "
                "FROM {sessions} WHERE session_hash = ?"
            ),
            (session_hash,),
        )
        if not rows:
            return None
        found = rows[0]
        return StoredSession(
            str(found[0]), str(found[1]), datetime.fromisoformat(str(found[2])),
            datetime.fromisoformat(str(found[3])), found[4],
        )

    def touch(self, session_hash: str, now: datetime) -> None:
        self._run(
            self._sql("UPDATE {sessions} SET last_seen = ? WHERE session_hash = ?"),
            (stamp(now), session_hash), commit=True,
        )

    def drop_session(self, session_hash: str) -> None:
        self._run(self._sql("DELETE FROM {sessions} WHERE session_hash = ?"), (session_hash,),
                  commit=True)

    def drop_sessions(self, account_id: str) -> int:
        rows = self._run(
            self._sql("DELETE FROM {sessions} WHERE account_id = ? RETURNING session_hash"),
            (account_id,), commit=True,
        )
        return len(rows)

    def sessions_of(self, account_id: str) -> int:
        rows = self._run(
            self._sql("SELECT COUNT(*) FROM {sessions} WHERE account_id = ?"), (account_id,)
        )
        return int(rows[0][0])

    def drop_idle_sessions(self, idle_since: datetime) -> None:
        self._run(self._sql("DELETE FROM {sessions} WHERE last_seen < ?"), (stamp(idle_since),),
                  commit=True)

    # -- failed sign-ins ----------------------------------------------------------------------

    def add_failure(self, kind: str, subject: str, now: datetime) -> None:
        self._run(
            self._sql("INSERT INTO {failures} (kind, subject, at) VALUES (?, ?, ?)"),
            (kind, subject, stamp(now)), commit=True,
        )

    def failures_since(self, kind: str, subject: str, since: datetime) -> list[datetime]:
        rows = self._run(
            self._sql(
                "SELECT at FROM {failures} WHERE kind = ? AND subject = ? AND at >= ? ORDER BY at"
            ),
            (kind, subject, stamp(since)),
        )
        return [datetime.fromisoformat(str(row[0])) for row in rows]

    def clear_failures(self, kind: str, subject: str, before: datetime | None = None) -> None:
        """Forget a subject's failures (all of them, or those older than ``before``)."""
        if before is None:
            self._run(self._sql("DELETE FROM {failures} WHERE kind = ? AND subject = ?"),
                      (kind, subject), commit=True)
        else:
            self._run(
                self._sql("DELETE FROM {failures} WHERE kind = ? AND subject = ? AND at < ?"),
                (kind, subject, stamp(before)), commit=True,
            )

    def _ddl(self) -> list[str]:
        return [self._sql(statement) for statement in (
            "CREATE TABLE IF NOT EXISTS {hashes} (account_id TEXT NOT NULL, "
            "set_at TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (account_id, set_at))",
            "CREATE TABLE IF NOT EXISTS {sessions} (session_hash TEXT PRIMARY KEY, "
            "account_id TEXT NOT NULL, created_at TEXT NOT NULL, last_seen TEXT NOT NULL, "
            "client_address TEXT)",
            "CREATE INDEX IF NOT EXISTS {sessions_index} ON {sessions} (account_id)",
            "CREATE TABLE IF NOT EXISTS {failures} (kind TEXT NOT NULL, subject TEXT NOT NULL, "
            "at TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS {failures_index} ON {failures} (kind, subject, at)",
        )]


class SQLiteCredentials(CredentialStore):
    def __init__(self, recorder: ChainedSQLiteRecorder) -> None:
        super().__init__({
            "hashes": HASHES, "sessions": SESSIONS, "failures": FAILURES,
            "sessions_index": f"{SESSIONS}_account", "failures_index": f"{FAILURES}_subject",
        })
        self.datastore = recorder.datastore

    def _run(self, statement: str, params: Sequence[Any] = (), *, commit: bool = False
             ) -> list[Sequence[Any]]:
        with self.datastore.transaction(commit=commit) as cursor:
            cursor.execute(statement, tuple(params))
            return [tuple(row) for row in cursor.fetchall()]

    def create_tables(self) -> None:
        for statement in self._ddl():
            self._run(statement, commit=True)


class PostgresCredentials(CredentialStore):
    placeholder = "%s"

    def __init__(self, recorder: ChainedPostgresRecorder) -> None:
        self.datastore = recorder.datastore
        schema = self.datastore.schema

        def name(raw: str) -> str:
            return Identifier(schema, raw).as_string(None)

        super().__init__({
            "hashes": name(HASHES), "sessions": name(SESSIONS), "failures": name(FAILURES),
            # An index takes its table's schema: its own name stays unqualified.
            "sessions_index": Identifier(f"{SESSIONS}_account").as_string(None),
            "failures_index": Identifier(f"{FAILURES}_subject").as_string(None),
        })

    def _run(self, statement: str, params: Sequence[Any] = (), *, commit: bool = False
             ) -> list[Sequence[Any]]:
        with self.datastore.transaction(commit=commit) as cursor:
            cursor.execute(statement, tuple(params))  # type: ignore[arg-type]
            if cursor.description is None:
                return []
            return [tuple(row.values()) for row in cursor.fetchall()]

    def create_tables(self) -> None:
        # Several processes may start at once: serialise the CREATEs (as for checkpoints).
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.t["hashes"],))
            for statement in self._ddl():
                cursor.execute(statement)  # type: ignore[arg-type]


_STORES: WeakKeyDictionary[object, CredentialStore] = WeakKeyDictionary()


def credential_store(recorder: object) -> CredentialStore:
    """The credentials tables next to ``recorder``'s event log (created on first use)."""
    store = _STORES.get(recorder)
    if store is None:
        if isinstance(recorder, ChainedSQLiteRecorder):
            store = SQLiteCredentials(recorder)
        elif isinstance(recorder, ChainedPostgresRecorder):
            store = PostgresCredentials(recorder)
        else:
            msg = f"credentials need a chained recorder, not {type(recorder).__name__}"
            raise TypeError(msg)
        store.create_tables()
        _STORES[recorder] = store
    return store
