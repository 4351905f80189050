"""The conflict-of-interest rule for ratings (DOMAIN.md "Round 2"), as a pure function of facts.

It lives in the domain because both sides apply it: the rating command (through
``application/access/``, which loads the facts from aggregates) and the read models'
expected counts and ``rate`` tasks (which load the same facts from their tables)."""

from __future__ import annotations

from collections.abc import Iterable


def rating_conflicts(
    reviewer: str,
    org_code: str,
    granted_orgs: Iterable[str],
    own_org_and_ancestors: Iterable[str],
    appointed_secretary: str | None,
    declared: bool,
) -> list[str]:
    """Why ``reviewer`` may not rate ``org_code`` (empty: no conflict): a grant of any role
    there, being its appointed secretary, it being their own account's org or one of its
    ancestors, or a conflict they declared."""
    why = []
    if org_code in set(granted_orgs):
        why.append("holds_grant")
    if appointed_secretary is not None and appointed_secretary == reviewer:
        why.append("appointed_secretary")
    if org_code in set(own_org_and_ancestors):
        why.append("own_org")
    if declared:
        why.append("declared")
    return why
