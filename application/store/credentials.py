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
from typing import ClassVar

from application.store.side_tables import SideTableStore, side_store

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


class CredentialStore(SideTableStore):
    """The three tables."""

    TABLES: ClassVar[dict[str, str]] = {
        "hashes": HASHES, "sessions": SESSIONS, "failures": FAILURES,
    }
    INDEXES: ClassVar[dict[str, str]] = {
        "sessions_index": f"{SESSIONS}_account", "failures_index": f"{FAILURES}_subject",
    }

    # -- password hashes ----------------------------------------------------------------------

    def put_hash(self, account_id: str, set_at: datetime, password_hash: str) -> None:
        self._run(
            "INSERT INTO {hashes} (account_id, set_at, hash) VALUES (?, ?, ?)",
            (account_id, stamp(set_at), password_hash), commit=True,
        )

    def hash_of(self, account_id: str, set_at: datetime) -> str | None:
        rows = self._run(
            "SELECT hash FROM {hashes} WHERE account_id = ? AND set_at = ?",
            (account_id, stamp(set_at)),
        )
        return str(rows[0][0]) if rows else None

    def forget_before(self, account_id: str, set_at: datetime) -> None:
        """Forget the account's hashes older than the one in force (superseded ones, and any
        whose event was never saved). Newer ones are left: another process may be about to
        save the event that puts one in force."""
        self._run(
            "DELETE FROM {hashes} WHERE account_id = ? AND set_at < ?",
            (account_id, stamp(set_at)), commit=True,
        )

    # -- console sessions ---------------------------------------------------------------------

    def add_session(self, session_hash: str, account_id: str, now: datetime,
                    client_address: str | None) -> None:
        self._run(
            "INSERT INTO {sessions} (session_hash, account_id, created_at, last_seen, "
            "client_address) VALUES (?, ?, ?, ?, ?)",
            (session_hash, account_id, stamp(now), stamp(now), client_address), commit=True,
        )

    def session(self, session_hash: str) -> StoredSession | None:
        rows = self._run(
            "SELECT session_hash, account_id, created_at, last_seen, client_address "
            "FROM {sessions} WHERE session_hash = ?",
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
            "UPDATE {sessions} SET last_seen = ? WHERE session_hash = ?",
            (stamp(now), session_hash), commit=True,
        )

    def drop_session(self, session_hash: str) -> None:
        self._run("DELETE FROM {sessions} WHERE session_hash = ?", (session_hash,),
                  commit=True)

    def drop_sessions(self, account_id: str) -> int:
        rows = self._run(
            "DELETE FROM {sessions} WHERE account_id = ? RETURNING session_hash",
            (account_id,), commit=True,
        )
        return len(rows)

    def sessions_of(self, account_id: str) -> int:
        rows = self._run(
            "SELECT COUNT(*) FROM {sessions} WHERE account_id = ?", (account_id,)
        )
        return int(rows[0][0])

    def drop_idle_sessions(self, idle_since: datetime) -> None:
        self._run("DELETE FROM {sessions} WHERE last_seen < ?", (stamp(idle_since),),
                  commit=True)

    # -- failed sign-ins ----------------------------------------------------------------------

    def add_failure(self, kind: str, subject: str, now: datetime) -> None:
        self._run(
            "INSERT INTO {failures} (kind, subject, at) VALUES (?, ?, ?)",
            (kind, subject, stamp(now)), commit=True,
        )

    def failures_since(self, kind: str, subject: str, since: datetime) -> list[datetime]:
        rows = self._run(
            "SELECT at FROM {failures} WHERE kind = ? AND subject = ? AND at >= ? ORDER BY at",
            (kind, subject, stamp(since)),
        )
        return [datetime.fromisoformat(str(row[0])) for row in rows]

    def clear_failures(self, kind: str, subject: str, before: datetime | None = None) -> None:
        """Forget a subject's failures (all of them, or those older than ``before``)."""
        if before is None:
            self._run("DELETE FROM {failures} WHERE kind = ? AND subject = ?",
                      (kind, subject), commit=True)
        else:
            self._run(
                "DELETE FROM {failures} WHERE kind = ? AND subject = ? AND at < ?",
                (kind, subject, stamp(before)), commit=True,
            )

    def ddl(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {hashes} (account_id TEXT NOT NULL, "
            "set_at TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (account_id, set_at))",
            "CREATE TABLE IF NOT EXISTS {sessions} (session_hash TEXT PRIMARY KEY, "
            "account_id TEXT NOT NULL, created_at TEXT NOT NULL, last_seen TEXT NOT NULL, "
            "client_address TEXT)",
            "CREATE INDEX IF NOT EXISTS {sessions_index} ON {sessions} (account_id)",
            "CREATE TABLE IF NOT EXISTS {failures} (kind TEXT NOT NULL, subject TEXT NOT NULL, "
            "at TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS {failures_index} ON {failures} (kind, subject, at)",
        ]


def credential_store(recorder: object) -> CredentialStore:
    """The credentials tables next to ``recorder``'s event log (created on first use)."""
    return side_store(recorder, CredentialStore)
