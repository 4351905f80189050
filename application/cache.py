"""The aggregate cache without shared mutation: a cached aggregate is never changed in place.

The library's ``Repository.get`` fast-forwards a cached aggregate by applying newer events to the
cached object itself (under a per-aggregate lock that readers do not take). Read-only lookups
hand that same object out uncopied, so a reader in another thread could see it half-updated, or
iterate one of its dicts while an event adds a key ("dictionary changed size during iteration").
Here a fast-forward applies the new events to a copy and puts the copy in the cache: a reader
keeps the consistent object it was given, the next reader gets the newer one.

It also remembers, beyond what it caches, the ids of aggregates it has seen exist (``knows``): a
command that creates an aggregate when it is absent (``LianpingApp.find(new_unless_cached=...)``)
reads the store for one that was evicted, instead of taking it as absent and failing its save."""

from __future__ import annotations

from copy import deepcopy
from threading import Lock
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate

#: How many ids of aggregates known to exist are remembered, per aggregate the cache holds.
KNOWN_PER_CACHED = 8


class CopyOnWriteRepository(Repository[UUID]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._put_lock = Lock()
        # Ids (as ints) of aggregates this process has seen stored, oldest first. An aggregate
        # never stops existing, so the memory is never wrong, only bounded.
        self._known: dict[int, None] = {}
        self._known_max = KNOWN_PER_CACHED * getattr(self.cache, "maxsize", 0)

    def knows(self, aggregate_id: UUID) -> bool:
        """Whether this process has seen ``aggregate_id`` stored (cached now or not)."""
        return aggregate_id.int in self._known

    def get(  # type: ignore[override]
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: Any = project_aggregate,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> Any:
        if not self.cache or version is not None:
            return super().get(aggregate_id, version=version, projector_func=projector_func,
                               deepcopy_from_cache=deepcopy_from_cache)
        try:
            aggregate = self.cache.get(aggregate_id)
        except KeyError:
            aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
            self.put_newer(aggregate)
        else:
            if self.fastforward:
                newer = list(self.event_store.get(originator_id=aggregate_id, gt=aggregate.version))
                if newer:
                    aggregate = projector_func(deepcopy(aggregate), newer)
                    if aggregate is None:
                        raise AggregateNotFoundError(aggregate_id)
                    self.put_newer(aggregate)
        if deepcopy_from_cache and self.deepcopy_from_cache:
            aggregate = deepcopy(aggregate)
        return aggregate

    def put_newer(self, aggregate: Any) -> None:
        """Cache ``aggregate`` unless the cache holds the same or a newer version (two threads
        that fast-forward or save the same aggregate at once: the newest stays)."""
        assert self.cache is not None
        with self._put_lock:
            try:
                cached = self.cache.get(aggregate.id)
            except KeyError:
                cached = None
            if cached is None or cached.version < aggregate.version:
                self.cache.put(aggregate.id, aggregate)
            known = self._known
            if self._known_max and aggregate.id.int not in known:
                known[aggregate.id.int] = None
                if len(known) > self._known_max:
                    del known[next(iter(known))]
