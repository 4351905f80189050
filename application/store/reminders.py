"""Reminders' own tables beside the event log, never in it (like application/store/credentials.py):

- ``account_contacts``: each account's e-mail address and mobile number. Personal data that
  must be correctable and erasable, not history: the log is append-only and hash-chained, so
  whatever enters it stays forever. Only the admin sets them; reminders read them when sending.
- ``reminder_outbox``: one row per (person, item, due date, light) — the unique ``key`` makes
  enqueueing idempotent, so a restart or two reminder processes never enqueue a reminder twice.
  A row is claimed (``lease_until``) before it is sent, then marked delivered; a failure is
  retried with exponential backoff (``attempts``, ``next_attempt_at``, ``last_error``) until
  ``failed``. Same database as the log (SQLite file or PostgreSQL schema), created on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from psycopg.sql import Identifier

from application.store.credentials import stamp
from application.store.postgres import ChainedPostgresRecorder
from application.store.sqlite import ChainedSQLiteRecorder

CONTACTS, OUTBOX = "account_contacts", "reminder_outbox"
STATUSES = ("pending", "delivered", "failed")
#: The columns of an outbox row, as ``Reminder`` holds them.
COLUMNS = ("key", "account_id", "cycle_id", "org_code", "item_id", "kind", "light", "due",
           "title", "org_name", "path", "status", "attempts", "next_attempt_at", "last_error",
           "lease_until", "created_at", "delivered_at")


@dataclass(frozen=True)
class Reminder:
    key: str
    account_id: str
    cycle_id: str | None
    org_code: str
    item_id: str | None
    kind: str
    light: str
    due: str
    title: str
    org_name: str | None
    path: str
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: str | None = None
    last_error: str | None = None
    lease_until: str | None = None
    created_at: str | None = None
    delivered_at: str | None = None


class ReminderStore:
    placeholder = "?"
    insert_ignore = "INSERT INTO {outbox} ({columns}) VALUES ({marks}) ON CONFLICT (key) DO NOTHING"

    def __init__(self, names: dict[str, str]) -> None:
        self.t = names

    def _run(self, statement: str, params: Sequence[Any] = (), *, commit: bool = False
             ) -> tuple[list[Sequence[Any]], int]:
        raise NotImplementedError

    def _sql(self, statement: str) -> str:
        return statement.format(**self.t).replace("?", self.placeholder)

    def create_tables(self) -> None:
        raise NotImplementedError

    def _ddl(self) -> list[str]:
        text = ", ".join(f"{c} {'INTEGER NOT NULL DEFAULT 0' if c == 'attempts' else 'TEXT'}"
                         for c in COLUMNS if c != "key")
        return [self._sql(statement) for statement in (
            "CREATE TABLE IF NOT EXISTS {contacts} (account_id TEXT PRIMARY KEY, email TEXT, "
            "mobile TEXT, updated_at TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {{outbox}} (key TEXT PRIMARY KEY, {text})",
            "CREATE INDEX IF NOT EXISTS {outbox_due} ON {outbox} (status, next_attempt_at)",
            "CREATE INDEX IF NOT EXISTS {outbox_cycle} ON {outbox} (cycle_id, status)",
        )]

    # -- contacts -----------------------------------------------------------------------------

    def set_contact(self, account_id: str, email: str | None, mobile: str | None,
                    now: datetime) -> None:
        self._run(self._sql("DELETE FROM {contacts} WHERE account_id = ?"), (account_id,),
                  commit=True)
        if email or mobile:
            self._run(
                self._sql("INSERT INTO {contacts} (account_id, email, mobile, updated_at) "
                          "VALUES (?, ?, ?, ?)"),
                (account_id, email, mobile, stamp(now)), commit=True,
            )

    def contact(self, account_id: str) -> dict[str, str | None]:
        rows, _ = self._run(
            self._sql("SELECT email, mobile FROM {contacts} WHERE account_id = ?"), (account_id,))
        return {"email": rows[0][0], "mobile": rows[0][1]} if rows else \
            {"email": None, "mobile": None}

    # -- the outbox ---------------------------------------------------------------------------

    def enqueue(self, reminders: Iterable[Reminder], now: datetime) -> int:
        """Add the reminders not yet in the outbox (by key); how many were new."""
        statement = self._sql(self.insert_ignore.format(
            outbox="{outbox}", columns=", ".join(COLUMNS), marks=", ".join("?" for _ in COLUMNS)))
        added = 0
        for reminder in reminders:
            row = {**reminder.__dict__, "status": "pending", "attempts": 0,
                   "next_attempt_at": stamp(now), "created_at": stamp(now)}
            _, count = self._run(statement, [row[c] for c in COLUMNS], commit=True)
            added += count
        return added

    def due(self, now: datetime, limit: int) -> list[Reminder]:
        """Pending reminders whose next attempt has come and that nobody holds."""
        rows, _ = self._run(
            self._sql(f"SELECT {', '.join(COLUMNS)} FROM {{outbox}} WHERE status = 'pending' "
                      "AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) "
                      "ORDER BY next_attempt_at, key LIMIT ?"),
            (stamp(now), stamp(now), limit),
        )
        return [Reminder(*row) for row in rows]

    def claim(self, reminder: Reminder, now: datetime, until: datetime) -> bool:
        """Take the reminder for sending (True), unless another sender took it first."""
        _, count = self._run(
            self._sql("UPDATE {outbox} SET lease_until = ? WHERE key = ? AND status = 'pending' "
                      "AND (lease_until IS NULL OR lease_until < ?)"),
            (stamp(until), reminder.key, stamp(now)), commit=True,
        )
        return count == 1

    def delivered(self, key: str, now: datetime) -> None:
        self._run(
            self._sql("UPDATE {outbox} SET status = 'delivered', delivered_at = ?, "
                      "attempts = attempts + 1, last_error = NULL, lease_until = NULL "
                      "WHERE key = ?"),
            (stamp(now), key), commit=True,
        )

    def attempt_failed(self, key: str, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt: retried at ``retry_at``, or failed for good (None)."""
        self._run(
            self._sql("UPDATE {outbox} SET attempts = attempts + 1, last_error = ?, "
                      "lease_until = NULL, status = ?, next_attempt_at = ? WHERE key = ?"),
            (error[:1000], "pending" if retry_at else "failed",
             stamp(retry_at) if retry_at else None, key), commit=True,
        )

    def of_cycle(self, cycle_id: str, statuses: Sequence[str]) -> list[Reminder]:
        marks = ", ".join("?" for _ in statuses)
        rows, _ = self._run(
            self._sql(f"SELECT {', '.join(COLUMNS)} FROM {{outbox}} WHERE cycle_id = ? "
                      f"AND status IN ({marks}) ORDER BY created_at, key"),
            (cycle_id, *statuses),
        )
        return [Reminder(*row) for row in rows]

    def counts(self, cycle_id: str) -> dict[str, int]:
        rows, _ = self._run(
            self._sql("SELECT status, COUNT(*) FROM {outbox} WHERE cycle_id = ? GROUP BY status"),
            (cycle_id,),
        )
        found = {str(row[0]): int(row[1]) for row in rows}
        return {status: found.get(status, 0) for status in STATUSES}


class SQLiteReminders(ReminderStore):
    def __init__(self, recorder: ChainedSQLiteRecorder) -> None:
        super().__init__({"contacts": CONTACTS, "outbox": OUTBOX,
                          "outbox_due": f"{OUTBOX}_due", "outbox_cycle": f"{OUTBOX}_cycle"})
        self.datastore = recorder.datastore

    def _run(self, statement: str, params: Sequence[Any] = (), *, commit: bool = False
             ) -> tuple[list[Sequence[Any]], int]:
        with self.datastore.transaction(commit=commit) as cursor:
            cursor.execute(statement, tuple(params))
            rows: list[Sequence[Any]] = [tuple(row) for row in cursor.fetchall()]
            return rows, cursor.sqlite_cursor.rowcount

    def create_tables(self) -> None:
        for statement in self._ddl():
            self._run(statement, commit=True)


class PostgresReminders(ReminderStore):
    placeholder = "%s"

    def __init__(self, recorder: ChainedPostgresRecorder) -> None:
        self.datastore = recorder.datastore
        schema = self.datastore.schema

        def name(raw: str) -> str:
            return Identifier(schema, raw).as_string(None)

        super().__init__({
            "contacts": name(CONTACTS), "outbox": name(OUTBOX),
            "outbox_due": Identifier(f"{OUTBOX}_due").as_string(None),
            "outbox_cycle": Identifier(f"{OUTBOX}_cycle").as_string(None),
        })

    def _run(self, statement: str, params: Sequence[Any] = (), *, commit: bool = False
             ) -> tuple[list[Sequence[Any]], int]:
        with self.datastore.transaction(commit=commit) as cursor:
            cursor.execute(statement, tuple(params))  # type: ignore[arg-type]
            if cursor.description is None:
                return [], cursor.rowcount
            return [tuple(row.values()) for row in cursor.fetchall()], cursor.rowcount

    def create_tables(self) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.t["outbox"],))
            for statement in self._ddl():
                cursor.execute(statement)  # type: ignore[arg-type]


_STORES: WeakKeyDictionary[object, ReminderStore] = WeakKeyDictionary()


def reminder_store(recorder: object) -> ReminderStore:
    """The contacts and outbox tables next to ``recorder``'s event log (created on first use)."""
    store = _STORES.get(recorder)
    if store is None:
        if isinstance(recorder, ChainedSQLiteRecorder):
            store = SQLiteReminders(recorder)
        elif isinstance(recorder, ChainedPostgresRecorder):
            store = PostgresReminders(recorder)
        else:
            msg = f"reminders need a chained recorder, not {type(recorder).__name__}"
            raise TypeError(msg)
        store.create_tables()
        _STORES[recorder] = store
    return store
