"""The one Application of lianping: one event log (positions are its notification ids), the command
runner (idempotency, If-Match, retries) and aggregate lookups shared by the use cases."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from contextvars import ContextVar
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, PersistenceError

from application.cache import CopyOnWriteRepository
from application.command import Outcome, Request, UseCase
from application.keys import load_signing_key
from application.settings import Settings
from application.store import ChainedPostgresRecorder, ChainedRecorder, ChainedSQLiteRecorder
from application.store.records import IdempotencyRecord, ReadGuard
from domain import ids, registry  # noqa: F401  (registers every event topic)
from domain.errors import NotFoundError, ValidationError, WriteConflictError

A = TypeVar("A", bound=Aggregate)


def of_type(cls: type[A], found: object) -> A | None:
    """``found`` if it is a ``cls`` (ids are uuid5 of natural keys: another type means absent)."""
    return found if isinstance(found, cls) else None


def _uuid(value: object) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


COMMAND_ATTEMPTS = 12
BACKOFF_SECONDS = 0.002


@dataclass
class _Attempt:
    """One attempt of a command: the version of every aggregate it read (0: none yet), which
    its save asserts (ReadGuard), and whether any of them came from the cache unchecked."""

    fresh: bool
    #: Ids read from the store even in a cached attempt (taken as absent by the attempt before).
    refresh: frozenset[UUID] = frozenset()
    read: dict[UUID, int] = field(default_factory=dict)
    unchecked: bool = False
    assumed_absent: set[UUID] = field(default_factory=set)  # new_unless_cached, not looked up
    committed: bool = False  # its save was sent (and did not fail as a lost race)

    def saw(self, aggregate_id: UUID, aggregate: Aggregate | None) -> None:
        self.read.setdefault(aggregate_id, 0 if aggregate is None else aggregate.version)

    def guards(self, saved: Iterable[Aggregate]) -> list[ReadGuard]:
        written = {aggregate.id for aggregate in saved}
        return [ReadGuard(i, v) for i, v in self.read.items() if i not in written]


_ATTEMPT: ContextVar[_Attempt | None] = ContextVar("lianping_command_attempt", default=None)


class LianpingApp(Application[UUID]):
    name = "Lianping"
    recorder: ChainedRecorder

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        # The key first: a missing or too open key file fails before the store is opened.
        self.signing_key = load_signing_key(
            self.settings.signing_key_file, create=self.settings.create_signing_key
        )
        super().__init__(env=self.settings.eventsourcing_env())
        self.tz = ZoneInfo(self.settings.timezone)

    def construct_repository(self) -> CopyOnWriteRepository:
        """The library's repository, except that a cached aggregate is never changed in place
        (read-only lookups share it across requests): see application/cache.py."""
        base = super().construct_repository()
        cache_maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return CopyOnWriteRepository(
            event_store=base.event_store, snapshot_store=base.snapshot_store,
            cache_maxsize=int(cache_maxsize) if cache_maxsize else None,
            fastforward=base.fastforward, deepcopy_from_cache=base.deepcopy_from_cache,
        )
    def construct_recorder(self) -> ChainedRecorder:
        recorder = super().construct_recorder()
        if not isinstance(recorder, ChainedSQLiteRecorder | ChainedPostgresRecorder):
            msg = f"lianping needs a chained recorder, not {type(recorder).__name__}"
            raise TypeError(msg)
        if isinstance(recorder, ChainedPostgresRecorder):
            recorder.group_commit = self.settings.group_commit
        return recorder

    # -- clock ----------------------------------------------------------------------------------

    #: The wall clock. Only the demo and tests put another here, on an instance of their own
    #: (the demo records an earlier year as it happened, before any request is served).
    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    # -- lookups --------------------------------------------------------------------------------

    def find(
        self, cls: type[A], aggregate_id: UUID, *, read_only: bool = False,
        new_unless_cached: bool = False,
    ) -> A | None:
        """The aggregate, or None. ``read_only``: a cached aggregate is handed out as it is, not
        copied (the copy protects the cache from a command's changes); the caller must then
        never call a command method on it.

        Inside a command's first attempt a cached aggregate is taken as cached, without asking
        the store for newer events: the save asserts every version the command read (see
        ``execute``), so a stale read can only cost a second attempt, never a wrong write.

        ``new_unless_cached``: the command creates this aggregate when it is absent (a rating,
        a score; the use cases ask so only when the write is not an amendment, which needs a
        reason). On the first attempt one this process has not cached is taken as absent
        without reading the store: if it does exist, the save of the new one fails on its
        version like a lost race, and the next attempt reads that one aggregate from the store
        (the rest as cached, still asserted by the save). A new item costs no read; one made
        by another process costs a failed save and a read."""
        attempt = _ATTEMPT.get()
        aggregate: Any = None
        if attempt is not None and not attempt.fresh and aggregate_id not in attempt.refresh:
            aggregate = self._cached(aggregate_id, copy=not read_only)
            attempt.unchecked |= aggregate is not None
            if aggregate is None and new_unless_cached and self.repository.cache is not None:
                attempt.unchecked = True
                attempt.assumed_absent.add(aggregate_id)
                attempt.saw(aggregate_id, None)
                return None
        if aggregate is None:
            try:
                aggregate = self.repository.get(aggregate_id, deepcopy_from_cache=not read_only)
            except AggregateNotFoundError:
                aggregate = None
        if attempt is not None:
            attempt.saw(aggregate_id, aggregate)
        return of_type(cls, aggregate)

    def cached(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate as this process's cache holds it, without I/O (None if not cached):
        possibly stale, and shared, so for reading only."""
        return of_type(cls, self._cached(aggregate_id, copy=False))

    def _cached(self, aggregate_id: UUID, copy: bool) -> Aggregate | None:
        cache = self.repository.cache
        if cache is None:
            return None
        try:
            aggregate: Any = cache.get(aggregate_id)
        except KeyError:
            return None
        return deepcopy(aggregate) if copy else aggregate

    def _cache_saved(self, aggregates: Iterable[Aggregate]) -> None:
        """Saved aggregates are the newest state this process knows: cache them (the library
        does not when it fast-forwards), unless the cache already holds a newer one. From here
        on nothing changes them: a cached aggregate is never mutated (application/cache.py)."""
        repository = self.repository
        if repository.cache is None or not isinstance(repository, CopyOnWriteRepository):
            return
        for aggregate in aggregates:
            repository.put_newer(aggregate)

    def find_all(
        self, aggregate_ids: Iterable[UUID], as_of: datetime | None = None
    ) -> dict[UUID, Aggregate]:
        """Many aggregates in one read, for reading only (e.g. every rating of a cycle): their
        state now, or as of a moment (each folded from its events up to then). Ids with no
        event (yet) are left out."""
        found: dict[UUID, Any] = {}
        wanted = list(dict.fromkeys(aggregate_ids))
        stored = self.recorder.select_events_of(wanted)
        for stored_event in stored:
            event: Any = self.mapper.to_domain_event(stored_event)
            if as_of is not None and event.timestamp > as_of:
                continue  # an aggregate's events come in version order: the rest is later too
            found[event.originator_id] = event.mutate(found.get(event.originator_id))
        attempt = _ATTEMPT.get()
        if attempt is not None and as_of is None:
            for aggregate_id in wanted:
                attempt.saw(aggregate_id, found.get(aggregate_id))
        return found

    def read_all(self, aggregate_ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
        """``find_all``'s current state for reading only, the objects shared with this process's
        cache (never call a command method on them): one read asks only for the events after
        the versions cached, and folds just those (onto copies), so a cycle's hundreds of
        ratings cost a decode only when they changed. Inside a command: ``find_all``."""
        repository = self.repository
        cache = repository.cache
        if cache is None or _ATTEMPT.get() is not None or not isinstance(
                repository, CopyOnWriteRepository):
            return self.find_all(aggregate_ids)
        wanted = list(dict.fromkeys(aggregate_ids))
        found: dict[UUID, Any] = {}
        for aggregate_id in wanted:
            with suppress(KeyError):
                found[aggregate_id] = cache.get(aggregate_id)
        newer = self.recorder.select_events_of(
            wanted, [found[i].version if i in found else 0 for i in wanted])
        changed: dict[UUID, Any] = {}
        for stored_event in newer:
            event: Any = self.mapper.to_domain_event(stored_event)
            aggregate_id = event.originator_id
            if aggregate_id not in changed:
                held = found.get(aggregate_id)
                changed[aggregate_id] = None if held is None else deepcopy(held)
            changed[aggregate_id] = event.mutate(changed[aggregate_id])
        for aggregate in changed.values():
            repository.put_newer(aggregate)
        return found | changed

    def having_event(self, aggregate_ids: Iterable[UUID], topic: str) -> set[UUID]:
        """Which of these aggregates have a stored event of ``topic``: one read, no event
        decoded (e.g. which ballots were cast). For queries, not inside a command."""
        wanted = list(dict.fromkeys(aggregate_ids))
        if not wanted:
            return set()
        return {_uuid(stored.originator_id)
                for stored in self.recorder.select_events_of(wanted) if stored.topic == topic}

    def load(self, cls: type[A], aggregate_id: UUID, code: str, message: str) -> A:
        aggregate = self.find(cls, aggregate_id)
        if aggregate is None:
            raise NotFoundError(code, message)
        return aggregate

    # -- commands -------------------------------------------------------------------------------

    def execute(self, request: Request, use_case: UseCase, /, *args: Any, **kwargs: Any) -> Outcome:
        """Run a use case: replay an idempotent retry, re-decide on a lost race (the decision is
        taken again on fresh state, so rules and If-Match are checked again), never half-write.

        The first attempt does not read the idempotency record: a retry's save fails on the
        record's unique key (as a lost race), and a refusal is answered only after checking
        that the key was not used already, so a retry still gets the recorded answer even
        when the command, decided again now, would be refused."""
        refresh: frozenset[UUID] | None = None
        for number in range(COMMAND_ATTEMPTS):
            # The first attempt decides on cached state; a save that finds anything it read
            # changed fails as a lost race, and every later attempt reads the store first.
            # Except: when the first attempt took an aggregate as absent unread (see ``find``),
            # the second reads only that one from the store (if its save fails too, the third
            # reads everything). A use case marked ``reads_fresh`` (it saves no events, so no
            # save checks its reads) reads the store from the start and runs once.
            fresh = (number > 0 and refresh is None) or getattr(use_case, "reads_fresh", False)
            attempt = _Attempt(fresh=fresh, refresh=refresh or frozenset())
            refresh = None
            token = _ATTEMPT.set(attempt)
            asked = None
            try:
                asked = request.authenticated()
                replay = self._replay(asked, use_case) if number > 0 else None
                outcome = replay or use_case(self, asked, *args, **kwargs)
            except IntegrityError:
                if number == COMMAND_ATTEMPTS - 1:
                    assert asked is not None
                    if (replay := self._replay(asked, use_case)) is not None:
                        return replay
                    raise WriteConflictError(
                        "write_conflict",
                        "a concurrent write kept winning the race; nothing was recorded, retry",
                    ) from None
                if number == 0 and attempt.assumed_absent:
                    refresh = frozenset(attempt.assumed_absent)
                elif number > 0:
                    # Jittered exponential backoff, so racing writers stop colliding in lockstep.
                    time.sleep(random.uniform(0, BACKOFF_SECONDS * 2 ** min(number, 6)))
                continue  # the next attempt reads fresh, and finds the winner's replay if any
            except PersistenceError:
                raise  # the store is down or busy: deciding again would only wait as long again
            except Exception:
                if attempt.unchecked and not attempt.committed:
                    continue  # a refusal decided on cached state: decide again on fresh state
                if number == 0 and asked is not None and not attempt.committed:
                    replay = self._replay(asked, use_case)  # a refused retry of a done command?
                    if replay is not None:
                        return replay
                raise  # (a save that landed is never decided again)
            finally:
                _ATTEMPT.reset(token)
            if attempt.unchecked and not attempt.committed:
                continue  # nothing saved, so nothing checked what it read: read it fresh
            return outcome
        raise AssertionError("unreachable")

    def commit(
        self,
        request: Request,
        *aggregates: Aggregate,
        item: Aggregate,
        body: dict[str, Any],
        created: bool = False,
        secret_fields: tuple[str, ...] = (),
    ) -> Outcome:
        """Save the decided events, and the idempotency record in the same transaction.
        ``secret_fields`` of the body are not stored; the use case's ``on_replay`` restores them."""
        record = None
        if request.idempotency_key is not None:
            record = IdempotencyRecord(
                key_id=ids.idempotency_id(request.actor, request.idempotency_key),
                actor=request.actor,
                fingerprint=request.fingerprint or "",
                response=json.dumps(
                    {
                        "body": {k: v for k, v in body.items() if k not in secret_fields},
                        "version": item.version,
                        "created": created,
                    },
                    ensure_ascii=False,
                    default=str,
                ),
            )
        attempt = _ATTEMPT.get()
        guards = attempt.guards(aggregates) if attempt is not None else []
        if attempt is not None:
            # From here on the command is never decided again, unless its save fails as a lost
            # race (nothing recorded): a store error leaves the outcome unknown, the save may have
            # landed (the PostgreSQL recorder retries it once and finds it if it did).
            attempt.committed = True
        try:
            recordings = self.save(*aggregates, idempotency=record, guards=guards)
        except IntegrityError:
            if attempt is not None:
                attempt.committed = False
            raise
        self._cache_saved(aggregates)
        return Outcome(body, item.version, recordings[-1].notification.id, created)

    def _replay(self, request: Request, use_case: UseCase) -> Outcome | None:
        if request.idempotency_key is None:
            return None
        key_id = ids.idempotency_id(request.actor, request.idempotency_key)
        stored = self.recorder.get_idempotency_record(key_id)
        if stored is None:
            return None
        if stored.fingerprint != (request.fingerprint or ""):
            raise ValidationError(
                "idempotency_key_reused",
                "this Idempotency-Key was used with another path or body",
                [{"field": "Idempotency-Key", "message": "reused with a different request"}],
            )
        answer = json.loads(stored.response)
        position = stored.position or 0  # a save without events (verify) has none
        outcome = Outcome(
            answer["body"], answer["version"], position, answer["created"], replayed=True
        )
        on_replay = getattr(use_case, "on_replay", None)
        return on_replay(self, request, outcome) if on_replay else outcome
