"""Accounts and their role grants, each bound to an org scope."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import RuleViolationError, ValidationError

ROLES = ("admin", "organizer", "secretary", "inspector")


class Account(Aggregate):
    TOPIC = "lianping:Account"

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


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(
            "unknown_role",
            f"role must be one of {', '.join(ROLES)}",
            [{"field": "role", "message": f"unknown role {role!r}"}],
        )
    return role
