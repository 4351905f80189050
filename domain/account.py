"""Accounts and their role grants, each bound to an org scope."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import RuleViolationError, ValidationError

ROLES = ("admin", "organizer", "secretary", "inspector")


class Account(Aggregate):
    TOPIC = "lianping:Account"

    # Console credentials. The events record only THAT a password was set or changed, or the
    # sessions revoked, and by whom (DOMAIN.md "Round 2": credentials are not history); the
    # Argon2id hash lives outside the log (application/store/credentials.py), keyed by the
    # account and ``password_set_at``, the time of the event that set it. Class defaults: an
    # account opened before these events existed has none of them.
    password_set_at: datetime | None = None
    must_change_password: bool = False
    #: Console sessions begun at or before this moment have ended.
    sessions_valid_after: datetime | None = None

    @staticmethod
    def create_id(account_id: str) -> UUID:
        return ids.account_id(account_id)

    @event("Created", topic="lianping:Account.Opened")
    def __init__(self, account_id: str, name: str, org_code: str | None, actor: str):
        self.account_id = account_id
        self.name = name
        self.org_code = org_code
        self.grants: list[list[str]] = []

    def has_grant(self, role: str, org_code: str) -> bool:
        return [role, org_code] in self.grants

    def grant(self, role: str, org_code: str, actor: str) -> None:
        check_role(role)
        if self.has_grant(role, org_code):
            raise RuleViolationError(
                "grant_exists", f"{self.account_id} already holds {role} @ {org_code}"
            )
        self._granted(role=role, org_code=org_code, actor=actor)

    @event("RoleGranted", topic="lianping:Account.RoleGranted")
    def _granted(self, role: str, org_code: str, actor: str) -> None:
        self.grants.append([role, org_code])

    def revoke(self, role: str, org_code: str, actor: str) -> None:
        check_role(role)
        if not self.has_grant(role, org_code):
            raise RuleViolationError(
                "grant_not_found", f"{self.account_id} does not hold {role} @ {org_code}"
            )
        self._revoked(role=role, org_code=org_code, actor=actor)

    @event("RoleRevoked", topic="lianping:Account.RoleRevoked")
    def _revoked(self, role: str, org_code: str, actor: str) -> None:
        self.grants.remove([role, org_code])


    def set_password(self, must_change: bool, actor: str) -> None:
        """An admin sets the password; ``must_change``: the account must choose a new one at
        its next console sign-in. Every console session begun before ends."""
        self._password_set(must_change=must_change, actor=actor)

    @event("PasswordSet", topic="lianping:Account.PasswordSet")
    def _password_set(
        self, must_change: bool, actor: str, timestamp: datetime | None = None
    ) -> None:
        self.password_set_at = timestamp
        self.must_change_password = must_change
        self.sessions_valid_after = timestamp

    def change_password(self, actor: str) -> None:
        """The account chose a new password itself. Every console session begun before ends."""
        self._password_changed(actor=actor)

    @event("PasswordChanged", topic="lianping:Account.PasswordChanged")
    def _password_changed(self, actor: str, timestamp: datetime | None = None) -> None:
        self.password_set_at = timestamp
        self.must_change_password = False
        self.sessions_valid_after = timestamp

    def revoke_sessions(self, reason: str | None, actor: str) -> None:
        self._sessions_revoked(reason=reason, actor=actor)

    @event("SessionsRevoked", topic="lianping:Account.SessionsRevoked")
    def _sessions_revoked(
        self, reason: str | None, actor: str, timestamp: datetime | None = None
    ) -> None:
        self.sessions_valid_after = timestamp

    @property
    def has_password(self) -> bool:
        return self.password_set_at is not None


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(
            "unknown_role",
            f"role must be one of {', '.join(ROLES)}",
            [{"field": "role", "message": f"unknown role {role!r}"}],
        )
    return role
