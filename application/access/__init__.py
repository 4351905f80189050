"""Who may see and do what — the one place for the scope rules of DOMAIN.md "Round 2":

- **Scope.** A grant at an org reaches that org's subtree; ``admin@*`` (``GLOBAL_SCOPE``, the
  account made by ``lianping admin bootstrap``) reaches everything. ``admin`` @org administers
  orgs, accounts, grants, tokens and secretaries in that subtree only.
- **Reviewer identity** (which account gave which rating) is known to the cycle's organizer,
  inspectors whose scope contains the organizer org, and the global admin; everyone else who
  may read a rating sees the per-cycle pseudonym (评议人1 …, by place on the panel) wherever a
  rating appears (``ReviewerMask``).
- **Conflict of interest.** A panel member never rates an org where they hold any grant, whose
  appointed secretary they are, or that is their account's org or one of its ancestors; nor one
  they declared a conflict with (the pure rule: ``domain/conflicts.py``, which the read models'
  expected counts and ``rate`` tasks apply too). An organizer does not act on one participant
  (score, veto, feedback, return its report, approve/return its plan, verify or extend its
  items) where the same account holds a secretary grant or is the appointed secretary.

The rules are pure functions of facts (grants, ancestors, panel); the ``app``-taking wrappers
only load those facts. Refusals raise ``ForbiddenError`` with a stable code."""

from __future__ import annotations

from application.access.conflicts import (
    appointed_secretary,
    organizer_conflicts,
    require_organizer_of,
    require_reviewer,
)
from application.access.cycles import (
    can_read_cycle,
    can_read_participant,
    can_read_report,
    is_organizer,
    oversees_cycle,
    sees_reviewers,
)
from application.access.reviewers import (
    PSEUDONYM_PREFIX,
    ReviewerMask,
    masked_id,
    pseudonym,
    unmasked_id,
)

# The package's names, re-exported so that ``from application.access import X`` keeps working;
# new code imports from the module of its concern.
from application.access.scope import (
    TrailScope,
    administers,
    administers_new_org,
    in_scope,
    inspects_org,
    reads_subtree,
    require_admin_of,
    trail_scope,
)
from application.access.supervision import (
    issuing_scope,
    order_readers_scope,
    person_record_filter,
    require_coverage_reader,
    require_order_answerer,
    require_order_closer,
    require_subtree_flags_reader,
    require_talk_holder,
)

__all__ = [
    "PSEUDONYM_PREFIX", "ReviewerMask", "TrailScope", "administers", "administers_new_org",
    "appointed_secretary", "can_read_cycle", "can_read_participant", "can_read_report",
    "in_scope", "inspects_org", "is_organizer", "issuing_scope", "masked_id",
    "order_readers_scope", "organizer_conflicts", "oversees_cycle", "person_record_filter",
    "pseudonym", "reads_subtree", "require_admin_of", "require_coverage_reader",
    "require_order_answerer", "require_order_closer", "require_organizer_of",
    "require_reviewer", "require_subtree_flags_reader", "require_talk_holder", "sees_reviewers",
    "trail_scope", "unmasked_id",
]
