"""API tokens: only a SHA-256 of the token is stored; expiry and revocation are events."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import RuleViolationError


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(Aggregate):
    TOPIC = "lianping:ApiToken"

    @staticmethod
    def create_id(token_hash: str) -> UUID:
        return ids.token_id(token_hash)

    @event("Created", topic="lianping:ApiToken.Issued")
    def __init__(self, token_hash: str, account_id: str, expires_at: datetime, actor: str):
        self.token_hash = token_hash
        self.account_id = account_id
        self.expires_at = expires_at
        self.revoked = False

    def is_valid(self, now: datetime) -> bool:
        return not self.revoked and now < self.expires_at

    def revoke(self, reason: str | None, actor: str) -> None:
        if self.revoked:
            raise RuleViolationError("token_already_revoked", "the token is already revoked")
        self._revoked(reason=reason, actor=actor)

    @event("Revoked", topic="lianping:ApiToken.Revoked")
    def _revoked(self, reason: str | None, actor: str) -> None:
        self.revoked = True
