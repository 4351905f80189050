"""The aggregate cache without shared mutation: a cached aggregate is never changed in place.

The library's ``Repository.get`` fast-forwards a cached aggregate by applying newer events to the
cached object itself (under a per-aggregate lock that readers do not take). Read-only lookups
hand that same object out uncopied, so a reader in another thread could see it half-updated, or
iterate one of its dicts while an event adds a key ("dictionary changed size during iteration").
Here a fast-forward applies the new events to a copy and puts the copy in the cache: a reader
keeps the consistent object it was given, the next reader gets the newer one."""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy
from threading import Lock
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository


def project_aggregate(aggregate: Any, domain_events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its ``assert isinstance(event,
    CanMutateProtocol)``: a runtime-protocol check, slow on Python 3.11, for every event of every
    aggregate read (the events come from the application's own mapper)."""
    for domain_event in domain_events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class CopyOnWriteRepository(Repository[UUID]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._put_lock = Lock()

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
