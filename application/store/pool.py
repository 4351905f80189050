"""Connection checks that cost a round trip only when one is likely to be needed, and the retry
rules of the PostgreSQL recorder (FAIL_FAST for reads, FIND_ON_RETRY for saves).

The library's ``POSTGRES_PRE_PING`` pings on *every* checkout from the pool: several extra round
trips per command (measured: ~25 % of a rating command). Instead, a connection is pinged only when
it sat unused for a while (a server-side timeout, a restart, a network cut are likely then), and
when any statement fails with a connection error, :func:`recover` checks every idle connection at
once, so the retry (and the requests after it) get good ones instead of finding the broken ones one
by one.
"""

from __future__ import annotations

import functools
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError
from psycopg.errors import LockNotAvailable
from psycopg_pool import ConnectionPool, PoolTimeout

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventsourcing.persistence import StoredEvent

    from application.store.records import IdempotencyRecord

T = TypeVar("T")

IDLE_PING_SECONDS = 5.0


class PingIfIdle:
    """A psycopg_pool ``check`` callback: ping connections last checked out > ``idle`` s ago."""

    def __init__(
        self,
        idle_seconds: float = IDLE_PING_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        ping: Callable[[Any], None] = ConnectionPool.check_connection,
    ) -> None:
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._ping = ping  # raises if the connection is broken: the pool then replaces it
        self._last_used: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    def __call__(self, conn: Any) -> None:
        now = self._clock()
        last = self._last_used.get(conn)
        if last is None or now - last > self.idle_seconds:
            self._ping(conn)
        self._last_used[conn] = now


def ping_when_idle(pool: ConnectionPool[Any], idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """Install :class:`PingIfIdle` on a pool the library built (it offers only ping-always)."""
    assert hasattr(pool, "_check"), "psycopg_pool changed: ConnectionPool._check is gone"
    pool._check = PingIfIdle(idle_seconds)


def recover(pool: ConnectionPool[Any] | None) -> None:
    """After a connection error: drop every broken idle connection (one ping each)."""
    if pool is None:
        return
    try:
        pool.check()
    except Exception:  # the database may still be down; the retry will say so
        return


def _waited_out(error: BaseException) -> bool:
    """A wait for a pooled connection or for the log's lock that ran out: the database is up and
    the connection fine, only busy. A retry would hold the request as long again (measured with
    one pooled connection: 4.1 s instead of 2 for a read, writes queued for 20 s), so answer."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, PoolTimeout | LockNotAvailable):
            return True
        cause = cause.__cause__
    return False


def FAIL_FAST(method: Callable[..., T]) -> Callable[..., T]:  # noqa: N802 (a decorator constant)
    """The library retries 10 times, each attempt waiting up to the connect timeout for a pooled
    connection: a dead database would hold a request for half a minute. Here one quick retry
    survives a dropped connection, after the pool has dropped every broken idle connection (so
    the retry does not pick up another one); then the caller gets a clear store error (the API
    answers 503)."""

    @functools.wraps(method)
    def retried(self: Any, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (InterfaceError, OperationalError) as error:
            if _waited_out(error):
                raise
            recover(getattr(self.datastore, "pool", None))
            time.sleep(0.1)
            return method(self, *args, **kwargs)

    return retried


def FIND_ON_RETRY(method: Callable[..., T]) -> Callable[..., T]:  # noqa: N802 (as FAIL_FAST)
    """FAIL_FAST for a save, whose outcome a connection error leaves unknown: the server may have
    committed it and the reply been lost. The retry sends the very same rows; if the first
    attempt landed, their unique keys refuse them, and only then (never on the happy path) are
    the stored rows read back: the save's own bytes at its own keys mean it landed, and its ids
    are returned as if the reply had arrived. (Every event carries its microsecond timestamp,
    actor and content, so another command's event is never byte-identical.) The retry takes the
    table lock, so the first attempt has ended one way or the other when the rows are read."""

    @functools.wraps(method)
    def retried(
        self: Any,
        stored_events: Sequence[StoredEvent],
        *,
        idempotency: IdempotencyRecord | None = None,
        **kwargs: Any,
    ) -> T:
        try:
            return method(self, stored_events, idempotency=idempotency, **kwargs)
        except (InterfaceError, OperationalError) as error:
            if _waited_out(error):  # no connection, or no lock: nothing was written
                raise
            recover(getattr(self.datastore, "pool", None))
            time.sleep(0.1)
        try:
            return method(self, stored_events, idempotency=idempotency, **kwargs)
        except IntegrityError:
            landed = self._landed(stored_events, idempotency)
            if landed is None:
                raise
            return cast("T", landed)

    return retried
