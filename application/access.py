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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from application.app import LianpingApp
from application.keys import derive_secret
from application.lookups import ancestors
from application.principal import GLOBAL_SCOPE, Principal, forbid, inspects, within
from domain import ids
from domain.conflicts import rating_conflicts
from domain.cycle import Cycle
from domain.organization import Organization

PSEUDONYM_PREFIX = "评议人"

# -- scope -------------------------------------------------------------------------------------


def in_scope(app: LianpingApp, scopes: Iterable[str], org_code: str | None) -> bool:
    """Whether ``org_code`` lies in the subtree of one of ``scopes`` (``*``: everywhere)."""
    wanted = set(scopes)
    if GLOBAL_SCOPE in wanted:
        return True
    if org_code is None:
        return False
    return within(org_code, wanted, ancestors(app, org_code))


def administers(app: LianpingApp, principal: Principal, org_code: str | None) -> bool:
    """Admin @org reaches its subtree; an org-less account or a province's parent (None) is for
    the global admin only."""
    return in_scope(app, principal.roles("admin"), org_code)


def administers_new_org(
    app: LianpingApp,
    principal: Principal,
    org_code: str,
    parent_code: str | None,
    *,
    parent_in_scope: bool | None = None,
) -> bool:
    """Whether an org not yet registered would lie in the admin's scope: when its parent does
    (a province, with no parent: the global admin only), or when it is itself the org of an
    admin grant. ``parent_in_scope``: already decided by the caller (a parent that is new too,
    e.g. earlier in the same import file)."""
    if org_code in principal.roles("admin"):
        return True
    if parent_in_scope is None:
        parent_in_scope = administers(app, principal, parent_code)
    return parent_in_scope


def require_admin_of(app: LianpingApp, principal: Principal, *org_codes: str | None) -> None:
    if not principal.is_admin:
        raise forbid("only an admin may do this", "admin_required")
    for org_code in org_codes:
        if not administers(app, principal, org_code):
            where = "the whole system" if org_code is None else org_code
            raise forbid(
                f"your admin grants do not reach {where} (an admin administers its org's "
                "subtree; only the global admin reaches beyond)",
                "outside_scope",
            )


def inspects_org(app: LianpingApp, principal: Principal, org_code: str) -> bool:
    return inspects(principal, org_code, partial(ancestors, app))


def reads_subtree(app: LianpingApp, principal: Principal, org_code: str | None) -> bool:
    """Subtree readers of the audit trail: inspectors and admins (the global admin: all)."""
    if principal.is_global_admin:
        return True
    if org_code is None:
        return False
    scopes = principal.scoped_roles("inspector") + principal.scoped_roles("admin")
    return in_scope(app, scopes, org_code)


@dataclass(frozen=True)
class TrailScope:
    """What one reader may see of the audit trail and feed: everything (the global admin), the
    subtrees of ``subtree_orgs`` (inspectors, admins), and the cycles organized by
    ``organizer_orgs`` (without inspection notes)."""

    everything: bool = False
    subtree_orgs: tuple[str, ...] = ()
    organizer_orgs: tuple[str, ...] = ()


def trail_scope(principal: Principal, *, organizers: bool = True) -> TrailScope:
    return TrailScope(
        everything=principal.is_global_admin,
        subtree_orgs=tuple(
            dict.fromkeys(principal.scoped_roles("inspector") + principal.scoped_roles("admin"))
        ),
        organizer_orgs=tuple(principal.roles("organizer")) if organizers else (),
    )


# -- cycles ------------------------------------------------------------------------------------


def is_organizer(principal: Principal, cycle: Cycle) -> bool:
    return principal.has("organizer", cycle.organizer_org)


def oversees_cycle(app: LianpingApp, principal: Principal, cycle: Cycle) -> bool:
    """The cycle's organizer and inspectors whose scope contains the organizer org: they read
    the whole cycle (standings, board, flags) by name."""
    return is_organizer(principal, cycle) or inspects_org(app, principal, cycle.organizer_org)


def sees_reviewers(app: LianpingApp, principal: Principal, cycle: Cycle) -> bool:
    """Reviewers are known to the organizer, inspectors over it and the global admin;
    anonymous (pseudonyms) to everyone else."""
    return principal.is_global_admin or oversees_cycle(app, principal, cycle)


def can_read_cycle(app: LianpingApp, principal: Principal, cycle: Cycle) -> bool:
    return (
        oversees_cycle(app, principal, cycle)
        or cycle.is_panel_member(principal.account_id)
        or any(can_read_participant(app, principal, cycle, org) for org in cycle.participants)
    )


def can_read_participant(app: LianpingApp, principal: Principal, cycle: Cycle, org: str) -> bool:
    return (
        is_organizer(principal, cycle)
        or principal.has("secretary", org)
        or inspects_org(app, principal, org)
    )


def can_read_report(app: LianpingApp, principal: Principal, cycle: Cycle, org: str) -> bool:
    return can_read_participant(app, principal, cycle, org) or cycle.is_panel_member(
        principal.account_id
    )


# -- conflicts of interest ---------------------------------------------------------------------


def organizer_conflicts(
    principal: Principal, org_code: str, appointed_secretary: str | None
) -> list[str]:
    """Why an organizer may not act on participant ``org_code`` (empty: no conflict). Pure."""
    why = []
    if principal.has("secretary", org_code):
        why.append("secretary_grant")
    if appointed_secretary is not None and appointed_secretary == principal.account_id:
        why.append("appointed_secretary")
    return why


def appointed_secretary(app: LianpingApp, org_code: str) -> str | None:
    org = app.find(Organization, ids.org_id(org_code), read_only=True)
    secretary = org.secretary_on(app.today()) if org else None
    return secretary.get("account_id") if secretary else None


def _conflict(who: str, org_code: str, why: list[str]) -> Exception:
    return forbid(
        f"{who} may not act on {org_code} (conflict of interest: {', '.join(why)})",
        "conflict_of_interest",
    )


def require_reviewer(app: LianpingApp, principal: Principal, cycle: Cycle, org_code: str) -> None:
    """A panel member of the cycle without a conflict with ``org_code``."""
    reviewer = principal.account_id
    if not cycle.is_panel_member(reviewer):
        raise forbid(f"{reviewer} is not on the panel of this cycle", "not_panel_member")
    own = principal.org_code
    why = rating_conflicts(
        reviewer,
        org_code,
        (org for _, org in principal.grants),
        [] if own is None else [own, *ancestors(app, own)],
        appointed_secretary(app, org_code),
        cycle.has_conflict(reviewer, org_code),
    )
    if why:
        raise _conflict(reviewer, org_code, why)


def require_organizer_of(
    app: LianpingApp, principal: Principal, cycle: Cycle, org_code: str
) -> None:
    """The cycle's organizer, acting on one participant it has no conflict with."""
    if not is_organizer(principal, cycle):
        raise forbid(
            f"only an organizer of {cycle.organizer_org} may do this", "organizer_required"
        )
    why = organizer_conflicts(principal, org_code, appointed_secretary(app, org_code))
    if why:
        raise _conflict(principal.account_id, org_code, why)


# -- reviewer identity -------------------------------------------------------------------------


def pseudonym(cycle: Cycle, account_id: str) -> str:
    """Reviewers are anonymous to secretaries: 评议人1, 评议人2 … by their place on the panel
    (an account no longer on it: 评议人, unnumbered)."""
    if account_id in cycle.panel:
        return f"{PSEUDONYM_PREFIX}{cycle.panel.index(account_id) + 1}"
    return PSEUDONYM_PREFIX


def _id_cipher(app: LianpingApp) -> Cipher[Any]:
    key = derive_secret(app.signing_key, b"masked-aggregate-id", b"")[:16]
    return Cipher(algorithms.AES(key), modes.ECB())  # one 16-byte block: a keyed permutation


def masked_id(app: LianpingApp, aggregate_id: UUID | str) -> str:
    """The id under which a rating is shown to readers who may not know its reviewer: its real
    id is uuid5(cycle, org, reviewer), which anyone could test candidate accounts against. The
    masked id is a keyed permutation of it, so the service alone maps it back."""
    encryptor = _id_cipher(app).encryptor()
    return str(UUID(bytes=encryptor.update(UUID(str(aggregate_id)).bytes) + encryptor.finalize()))


def unmasked_id(app: LianpingApp, aggregate_id: UUID) -> UUID:
    decryptor = _id_cipher(app).decryptor()
    return UUID(bytes=decryptor.update(aggregate_id.bytes) + decryptor.finalize())


@dataclass
class _CycleNames:
    cycle: Cycle
    _rating_ids: set[str] | None = None

    def name(self, account_id: Any) -> Any:
        return pseudonym(self.cycle, account_id) if isinstance(account_id, str) else account_id

    @property
    def rating_ids(self) -> set[str]:
        if self._rating_ids is None:
            c = self.cycle
            self._rating_ids = {
                str(ids.rating_id(c.cycle_id, org, member))
                for org in c.participants
                for member in c.panel
            }
        return self._rating_ids


@dataclass
class ReviewerMask:
    """Reviewer identities as one reader may see them: unchanged where the reader sees reviewers
    of the row's cycle, pseudonyms elsewhere. One per request (it caches the cycles it reads)."""

    app: LianpingApp
    principal: Principal
    _cycles: dict[str, _CycleNames | None] = field(default_factory=dict)

    def names(self, cycle_id: Any) -> _CycleNames | None:
        """None: the reader sees this cycle's reviewers (or there is no such cycle)."""
        if not isinstance(cycle_id, str) or self.principal.is_global_admin:
            return None
        if cycle_id not in self._cycles:
            cycle = self.app.find(Cycle, ids.cycle_id(cycle_id), read_only=True)
            hidden = cycle is not None and not sees_reviewers(self.app, self.principal, cycle)
            self._cycles[cycle_id] = _CycleNames(cycle) if hidden and cycle else None
        return self._cycles[cycle_id]

    def hides(self, cycle: Cycle) -> bool:
        return self.names(cycle.cycle_id) is not None

    # -- one event (audit trail, feed, exports, aggregate history) -------------------------------

    def event(self, row: dict[str, Any]) -> dict[str, Any]:
        """An audit row ``{aggregate_id, aggregate_type, cycle_id, actor, data, hash …}`` with
        every reviewer account id replaced by its pseudonym. A rating's id is masked and its
        chain hash left out (with the row's known content, the hash would confirm a guessed
        reviewer); ``/audit/verify`` still checks the whole chain."""
        return self._event(row)[0]

    def _event(self, row: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """(the row as shown, whether its actor was masked)."""
        names = self.names(row.get("cycle_id"))
        if names is None:
            return row, False
        kind, data, actor = row.get("aggregate_type"), dict(row.get("data") or {}), row["actor"]
        changed: dict[str, Any] = {}
        if kind == "Rating":
            subject = actor  # only the reviewer records or amends a rating
            if "reviewer" in data:
                data["reviewer"] = names.name(data["reviewer"])
            changed = {"aggregate_id": masked_id(self.app, row["aggregate_id"]), "hash": None}
        elif kind == "Cycle" and isinstance(data.get("account_id"), str):
            subject = data["account_id"]  # a panel member added, removed, or in conflict
            data["account_id"] = names.name(subject)
        elif kind == "InspectionNote" and data.get("subject_aggregate_id") in names.rating_ids:
            data["subject_aggregate_id"] = masked_id(self.app, data["subject_aggregate_id"])
            return {**row, "data": data}, False
        else:
            return row, False
        hide_actor = actor == subject
        if hide_actor:
            actor = names.name(actor)
            if "actor" in data:
                data["actor"] = actor
        return {**row, **changed, "actor": actor, "data": data}, hide_actor

    def events(
        self, rows: Iterable[dict[str, Any]], actor_filter: str | None = None
    ) -> list[dict[str, Any]]:
        """``event`` for each row. A row whose actor was masked is left out when the reader
        filtered by actor: else the filter would tell which ratings an account gave."""
        shown = []
        for row in rows:
            masked, hid_actor = self._event(row)
            if not (hid_actor and actor_filter is not None):
                shown.append(masked)
        return shown

    # -- flags -----------------------------------------------------------------------------------

    def flags(
        self,
        cycle: Cycle,
        rows: Iterable[dict[str, Any]],
        is_rating_event: Callable[[int], bool],
    ) -> list[dict[str, Any]]:
        """Flags raised by a rating (amendment, late_submission, amendment_after_finalization)
        name the reviewer by pseudonym."""
        names = self.names(cycle.cycle_id)
        if names is None:
            return list(rows)
        shown = []
        for row in rows:
            actor = row.get("actor")
            if (
                actor in cycle.panel
                and row["kind"] in ("amendment", "late_submission", "amendment_after_finalization")
                and (row["kind"] == "amendment" or is_rating_event(row["position"]))
            ):
                row = {**row, "actor": names.name(actor)}
            shown.append(row)
        return shown

    # -- aggregate state (history) ---------------------------------------------------------------

    def state(self, aggregate_type: str, cycle_id: Any, state: dict[str, Any]) -> dict[str, Any]:
        names = self.names(cycle_id)
        if names is None:
            return state
        state = dict(state)
        if aggregate_type == "Rating" and "reviewer" in state:
            state["reviewer"] = names.name(state["reviewer"])
        elif aggregate_type == "Cycle":
            state["panel"] = [names.name(m) for m in state.get("panel", [])]
            state["conflicts"] = [
                {**c, "account_id": names.name(c.get("account_id"))}
                for c in state.get("conflicts", [])
            ]
        elif aggregate_type == "InspectionNote":
            subject = state.get("subject_aggregate_id")
            if subject in names.rating_ids:
                state["subject_aggregate_id"] = masked_id(self.app, subject)
        return state


# -- supervision (约谈, 督办) -------------------------------------------------------------------


def require_talk_holder(app: LianpingApp, principal: Principal, cycle: Cycle) -> None:
    """Talks are scheduled and recorded by the organizer or an inspector over the organizer."""
    if not oversees_cycle(app, principal, cycle):
        raise forbid(
            f"only an organizer of {cycle.organizer_org} or an inspector over it may do this",
            "talk_holder_required",
        )


def issuing_scope(app: LianpingApp, principal: Principal, org_code: str) -> str:
    """The org of the caller's inspector grant whose subtree holds ``org_code`` (the order's
    issuer org, nearest first): an order goes to an org in the issuer's scope."""
    scopes = principal.scoped_roles("inspector")
    if not scopes:
        raise forbid("only an inspector may issue a supervision order", "inspector_required")
    chain = [org_code, *ancestors(app, org_code)]
    for org in chain:
        if org in scopes:
            return org
    raise forbid(f"{org_code} lies outside your inspection scope", "outside_scope")


def require_order_closer(app: LianpingApp, principal: Principal, issuer_org: str) -> None:
    if not inspects_org(app, principal, issuer_org):
        raise forbid(
            f"only an inspector whose scope contains {issuer_org} (the issuer's org) may close "
            "or send back this order", "inspector_required",
        )


def require_order_answerer(principal: Principal, org_code: str) -> None:
    if not principal.has("secretary", org_code):
        raise forbid(f"only the secretary of {org_code} may answer this order",
                     "secretary_required")


def order_readers_scope(principal: Principal) -> tuple[bool, list[str], list[str]]:
    """(everything, subtree orgs, own orgs): orders a caller may list — the global admin all,
    inspectors and admins their subtrees, secretaries their own org's."""
    subtrees = list(dict.fromkeys(
        principal.scoped_roles("inspector") + principal.scoped_roles("admin")
    ))
    return principal.is_global_admin, subtrees, principal.roles("secretary")


def person_record_filter(
    app: LianpingApp, principal: Principal, account_id: str
) -> Callable[[str], bool]:
    """Which rows of a person's record the caller reads: all of them for the person and the
    global admin; for inspectors and admins, the rows of orgs in their subtrees (the rest left
    out). Anyone else is refused."""
    if principal.account_id == account_id or principal.is_global_admin:
        return lambda org_code: True
    if not (principal.scoped_roles("inspector") or principal.scoped_roles("admin")):
        raise forbid(
            "a person's record is for the person, admins and inspectors", "record_forbidden"
        )
    return lambda org_code: reads_subtree(app, principal, org_code)


def require_coverage_reader(app: LianpingApp, principal: Principal, org_code: str) -> None:
    """Coverage of the level below (一级抓一级): organizers and inspectors whose scope contains
    the org, and admins of it."""
    scopes = principal.scoped_roles("organizer") + principal.scoped_roles("inspector")
    if not (in_scope(app, scopes, org_code) or administers(app, principal, org_code)):
        raise forbid(
            f"coverage of {org_code} is for organizers and inspectors whose scope contains it, "
            "and its admins", "outside_scope",
        )


def require_subtree_flags_reader(app: LianpingApp, principal: Principal, org_code: str) -> None:
    """A subtree's flags: inspectors and admins whose scope contains the org, and organizers
    of the org itself or above it."""
    if not (reads_subtree(app, principal, org_code)
            or in_scope(app, principal.scoped_roles("organizer"), org_code)):
        raise forbid(
            f"the flags of {org_code}'s subtree are for inspectors, organizers and admins whose "
            "scope contains it", "outside_scope",
        )
