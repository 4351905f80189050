"""One runner per projection at a time, across threads, API workers and dedicated workers.

- SQLite: ``flock`` on a lock file next to the database, one per projection. The kernel drops it
  when the holder's process dies. ``flock`` (not POSIX ``lockf``) so that two runners in one
  process exclude each other as well.
- PostgreSQL: session advisory locks, all held on ONE dedicated connection per process (not a
  pool connection). A dead holder's session ends and its locks go with it; ``held()`` checks
  the session before every batch, so a runner whose connection died stops at once.

The lock is for liveness and efficiency; exactly-once never depends on it (see views.py).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from typing import IO, Any, Protocol

import psycopg

log = logging.getLogger(__name__)

# First key of the two-key advisory lock: "lianping read models".
_LOCK_SPACE = 0x4C50524D


class Lock(Protocol):
    def try_acquire(self) -> bool: ...

    def held(self) -> bool: ...

    def release(self) -> None: ...


class Locks(Protocol):
    def lock(self, name: str) -> Lock: ...

    def close(self) -> None: ...


class FileLock:
    def __init__(self, path: str) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        file = open(self.path, "ab")  # noqa: SIM115 - held open for as long as the lock
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        self._file = file
        return True

    def held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class FileLocks:
    def __init__(self, db_path: str) -> None:
        self.prefix = os.path.realpath(db_path)

    def lock(self, name: str) -> FileLock:
        return FileLock(f"{self.prefix}.{name}.lock")

    def close(self) -> None:
        pass


class PostgresLocks:
    """The process's lock session: one dedicated connection, reconnected when it dies (every
    lock taken on the dead one counts as lost)."""

    def __init__(self, connect: Any, scope: str) -> None:
        self._connect = connect
        self.scope = scope
        self._conn: psycopg.Connection[Any] | None = None
        self._epoch = 0
        self._mutex = threading.Lock()

    def lock(self, name: str) -> PostgresLock:
        return PostgresLock(self, f"{self.scope}:{name}")

    def _execute(self, statement: str, key: str) -> tuple[Any, int]:
        with self._mutex:
            if self._conn is None or self._conn.closed:
                self._conn = self._connect()
                self._epoch += 1
            try:
                row = self._conn.execute(statement, (_LOCK_SPACE, key)).fetchone()
            except psycopg.Error:
                self._drop()
                raise
            return (row[0] if row else None), self._epoch

    def alive(self, epoch: int) -> bool:
        with self._mutex:
            if self._conn is None or self._conn.closed or epoch != self._epoch:
                return False
            try:
                self._conn.execute("SELECT 1")
            except psycopg.Error as error:
                log.warning("lock session lost (%s): its projection locks are gone", error)
                self._drop()
                return False
            return True

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def close(self) -> None:
        with self._mutex:
            self._drop()


class PostgresLock:
    def __init__(self, session: PostgresLocks, key: str) -> None:
        self.session = session
        self.key = key
        self._epoch: int | None = None

    def try_acquire(self) -> bool:
        if self._epoch is not None and self.held():
            return True
        got, epoch = self.session._execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(%s))", self.key
        )
        self._epoch = epoch if got else None
        return bool(got)

    def held(self) -> bool:
        return self._epoch is not None and self.session.alive(self._epoch)

    def release(self) -> None:
        if self._epoch is not None and self.session.alive(self._epoch):
            self.session._execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", self.key)
        self._epoch = None
