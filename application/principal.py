"""Who is asking, and what their grants let them do. Checks raise domain errors with stable
codes. The scope rules built on these grants live in ``application.access``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.errors import ForbiddenError

#: The scope of the one global admin's grant (``lianping admin bootstrap``): the whole system.
#: Every other grant names an org and reaches that org's subtree.
GLOBAL_SCOPE = "*"


@dataclass(frozen=True)
class Principal:
    account_id: str
    name: str
    org_code: str | None
    grants: tuple[tuple[str, str], ...]

    def has(self, role: str, org_code: str) -> bool:
        return (role, org_code) in self.grants

    def roles(self, role: str) -> list[str]:
        return [org for r, org in self.grants if r == role]

    @property
    def is_admin(self) -> bool:
        """Holds an admin grant of any scope (its reach: ``access.administers``)."""
        return bool(self.roles("admin"))

    @property
    def is_global_admin(self) -> bool:
        return self.has("admin", GLOBAL_SCOPE)

    def scoped_roles(self, role: str) -> list[str]:
        """The orgs of ``role``'s grants, without the global sentinel."""
        return [org for org in self.roles(role) if org != GLOBAL_SCOPE]


def forbid(message: str, code: str = "forbidden") -> ForbiddenError:
    return ForbiddenError(code, message)


def require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise forbid("only an admin may do this", "admin_required")


def require_organizer(principal: Principal, organizer_org: str) -> None:
    if not principal.has("organizer", organizer_org):
        raise forbid(f"only an organizer of {organizer_org} may do this", "organizer_required")


def require_secretary(principal: Principal, org_code: str) -> None:
    if not principal.has("secretary", org_code):
        raise forbid(f"only the secretary of {org_code} may do this", "secretary_required")


def within(org_code: str, scopes: set[str] | list[str], ancestors: list[str]) -> bool:
    """Whether ``org_code`` (whose ancestors are given) lies in the subtree of any of ``scopes``."""
    wanted = set(scopes)
    return bool(wanted) and any(code in wanted for code in [org_code, *ancestors])


def inspects(principal: Principal, org_code: str, ancestors: Callable[[str], list[str]]) -> bool:
    """Inspectors read everything in their org's subtree."""
    scopes = principal.roles("inspector")
    if not scopes:
        return False
    return org_code in scopes or within(org_code, scopes, ancestors(org_code))
