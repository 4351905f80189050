"""What a command is asked with (``Request``: who, and the write's HTTP-level conditions) and
what it answers (``Outcome``); ``LianpingApp.execute`` runs a ``UseCase`` with them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from eventsourcing.domain import Aggregate

from application.principal import Principal
from domain.errors import VersionMismatchError


@dataclass(frozen=True)
class Request:
    """Who asks, and how: the authenticated principal plus the write's HTTP-level conditions."""

    principal: Principal
    idempotency_key: str | None = None
    fingerprint: str | None = None
    if_match: int | None = None
    #: Authenticates the caller again inside every attempt of the command (HTTP writes): the
    #: token and account are then read like the command's other aggregates, from the cache
    #: first and asserted by its save, so a token revoked meanwhile fails the write.
    authenticate: Callable[[], Principal] | None = field(default=None, compare=False)

    def authenticated(self) -> Request:
        if self.authenticate is None:
            return self
        return replace(self, principal=self.authenticate(), authenticate=None)

    @property
    def actor(self) -> str:
        return self.principal.account_id

    def check_version(self, item: Aggregate | None) -> None:
        """If-Match is answered before any other rule: a stale write records nothing."""
        current = item.version if item is not None else 0
        if self.if_match is not None and self.if_match != current:
            raise VersionMismatchError(
                "version_mismatch",
                f"If-Match names version {self.if_match}, the item is at version {current}",
                {"expected": self.if_match, "current": current},
            )


@dataclass(frozen=True)
class Outcome:
    body: dict[str, Any]
    version: int
    position: int
    created: bool = False
    replayed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


UseCase = Callable[..., Outcome]
