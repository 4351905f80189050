"""A cycle (年度述职评议考核): one organizer org hears its direct subordinate orgs once a year."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.deadlines import DEFAULT_WARN_DAYS, check_warn_days
from domain.errors import RuleViolationError, ValidationError
from domain.rules import require_reason
from domain.scheme import Scheme

PHASES = ("preparing", "reporting", "reviewing", "finalized", "rectifying", "closed")
# Phases in which a conflict of interest can still be declared ("until finalization").
OPEN_PHASES = ("preparing", "reporting", "reviewing")
# Each cycle deadline, in the order they fall, and the phase whose work it closes: changing a
# deadline once that phase has begun needs a reason and is flagged.
DEADLINE_PHASES = {"report_due": "reporting", "review_due": "reviewing", "plan_due": "rectifying"}


class WrongPhaseError(RuleViolationError):
    def __init__(self, action: str, phase: str, allowed: tuple[str, ...]) -> None:
        super().__init__(
            "wrong_phase",
            f"{action} is not allowed while the cycle is {phase} (allowed: {', '.join(allowed)})",
            {"phase": phase, "allowed": list(allowed)},
        )


class Cycle(Aggregate):
    TOPIC = "lianping:Cycle"
    # 红黄灯: deadlines turn yellow this many days ahead (set by WarnDaysSet; older cycles: 3).
    warn_days: int = DEFAULT_WARN_DAYS

    @staticmethod
    def create_id(cycle_id: str) -> UUID:
        return ids.cycle_id(cycle_id)

    class Created(Aggregate.Created):
        """v2 also records whether the cycle is a rehearsal (模拟测评/演练): one that runs the
        whole flow and never counts. Cycles created by v1 were all real: ``rehearsal`` False."""

        TOPIC = "lianping:Cycle.Created"
        class_version = 2

        cycle_id: str
        organizer_org: str
        level: str
        year: int
        title: str
        scheme: dict[str, Any]
        previous_cycle_id: str | None
        deadlines: dict[str, str] | None
        actor: str
        rehearsal: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["rehearsal"] = False

    @event(Created)
    def __init__(
        self,
        cycle_id: str,
        organizer_org: str,
        level: str,
        year: int,
        title: str,
        scheme: dict[str, Any],
        previous_cycle_id: str | None,
        deadlines: dict[str, str] | None,
        actor: str,
        rehearsal: bool = False,
    ):
        self.cycle_id = cycle_id
        self.organizer_org = organizer_org
        self.level = level
        self.year = year
        self.title = title
        self.scheme = scheme
        self.scheme_version = 1
        self.previous_cycle_id = previous_cycle_id
        self.deadlines = deadlines or {}
        self.phase = "preparing"
        # The furthest phase ever reached: a reopened phase had begun all the same.
        self.furthest_phase = "preparing"
        self.participants: list[str] = []
        self.panel: list[str] = []
        # With ballot categories in the scheme: each panel member's category code.
        self.panel_categories: dict[str, str] = {}
        self.conflicts: list[dict[str, str]] = []
        self.vetoes: dict[str, str] = {}
        self.results: list[dict[str, Any]] | None = None
        self.results_scheme_version: int | None = None
        self.finalized_at: datetime | None = None
        self.rehearsal = rehearsal
        # Once a rehearsal is ended: {"from_phase", "reason", "by", "at"}; it is then closed.
        self.rehearsal_ended: dict[str, Any] | None = None

    # -- checks shared with the use cases -------------------------------------------------------

    def require_phase(self, action: str, *allowed: str) -> None:
        if self.phase not in allowed:
            raise WrongPhaseError(action, self.phase, allowed)

    def require_participant(self, org_code: str) -> None:
        if org_code not in self.participants:
            raise RuleViolationError(
                "not_a_participant",
                f"{org_code} is not a participant of cycle {self.cycle_id}",
                {"org_code": org_code},
            )

    def is_panel_member(self, account_id: str) -> bool:
        return account_id in self.panel

    def require_panel_member(self, account_id: str) -> None:
        if not self.is_panel_member(account_id):
            raise RuleViolationError(
                "not_panel_member", f"{account_id} is not on the panel", {"account_id": account_id}
            )

    def has_conflict(self, account_id: str, org_code: str) -> bool:
        return any(
            c["account_id"] == account_id and c["org_code"] == org_code for c in self.conflicts
        )

    # -- preparing --------------------------------------------------------------------------------

    def set_scheme(self, scheme: dict[str, Any], actor: str) -> None:
        self.require_phase("changing the scheme", "preparing")
        codes = Scheme.from_dict(scheme).category_codes
        if codes:
            without = [m for m in self.panel if self.panel_categories.get(m) not in codes]
            if without:
                raise RuleViolationError(
                    "panel_member_without_category",
                    f"with ballot categories every panel member needs one of {', '.join(codes)}:"
                    f" {', '.join(without)} has none",
                    {"account_ids": without},
                )
        self._scheme_set(scheme=scheme, actor=actor)

    @event("SchemeSet", topic="lianping:Cycle.SchemeSet")
    def _scheme_set(self, scheme: dict[str, Any], actor: str) -> None:
        self.scheme = scheme
        self.scheme_version += 1

    def add_participant(self, org_code: str, actor: str) -> None:
        self.require_phase("adding participants", "preparing")
        if org_code in self.participants:
            raise RuleViolationError(
                "already_participant",
                f"{org_code} is already a participant",
                {"org_code": org_code},
            )
        self._participant_added(org_code=org_code, actor=actor)

    @event("ParticipantAdded", topic="lianping:Cycle.ParticipantAdded")
    def _participant_added(self, org_code: str, actor: str) -> None:
        self.participants.append(org_code)

    def add_panel_member(self, account_id: str, actor: str, category: str | None = None) -> None:
        """``category`` is required when the scheme has ballot categories, refused otherwise."""
        self.require_phase("changing the panel", "preparing")
        if account_id in self.panel:
            raise RuleViolationError(
                "already_panel_member",
                f"{account_id} is already on the panel",
                {"account_id": account_id},
            )
        scheme = Scheme.from_dict(self.scheme)
        if scheme.ballot_categories or category is not None:
            scheme.require_category(category)
        self._panel_member_added(account_id=account_id, category=category, actor=actor)

    @event("PanelMemberAdded", topic="lianping:Cycle.PanelMemberAdded")
    def _panel_member_added(self, account_id: str, actor: str, category: str | None = None) -> None:
        self.panel.append(account_id)
        if category is not None:
            self.panel_categories[account_id] = category

    # Declared conflicts stay recorded when a member is removed: a conflict is a fact about the
    # person and the org, and re-adding someone removed by mistake must not lift it silently.

    def remove_participant(self, org_code: str, reason: str | None, actor: str) -> None:
        self.require_phase("removing participants", "preparing")
        reason = require_reason(reason, "removing a participant")
        self.require_participant(org_code)
        self._participant_removed(org_code=org_code, reason=reason, actor=actor)

    @event("ParticipantRemoved", topic="lianping:Cycle.ParticipantRemoved")
    def _participant_removed(self, org_code: str, reason: str, actor: str) -> None:
        self.participants.remove(org_code)

    def remove_panel_member(self, account_id: str, reason: str | None, actor: str) -> None:
        self.require_phase("changing the panel", "preparing")
        reason = require_reason(reason, "removing a panel member")
        self.require_panel_member(account_id)
        self._panel_member_removed(account_id=account_id, reason=reason, actor=actor)

    @event("PanelMemberRemoved", topic="lianping:Cycle.PanelMemberRemoved")
    def _panel_member_removed(self, account_id: str, reason: str, actor: str) -> None:
        self.panel.remove(account_id)
        self.panel_categories.pop(account_id, None)

    # -- deadlines (until closed) -----------------------------------------------------------------

    def set_deadlines(self, given: dict[str, str], reason: str | None, actor: str) -> None:
        """Set or move cycle deadlines (ISO dates, already in order with the others). Setting
        one that had none is not a change; moving one once its phase has begun needs a reason
        and is recorded as such (flagged deadline_changed). Deadlines may lie in the past."""
        self.require_phase("setting deadlines", *PHASES[:-1])
        changed = {name: due for name, due in given.items() if self.deadlines.get(name) != due}
        if not changed:
            raise RuleViolationError(
                "deadlines_unchanged", "the deadlines given are already in force",
                {"deadlines": dict(self.deadlines)},
            )
        reached = PHASES.index(self.furthest_phase)
        after_start = [
            name for name in changed
            if name in self.deadlines and reached >= PHASES.index(DEADLINE_PHASES[name])
        ]
        if after_start:
            what = f"changing {', '.join(after_start)} once its phase has begun"
            reason = require_reason(reason, what)
        elif reason is not None:
            reason = reason.strip() or None
        self._deadlines_set(
            deadlines=changed,
            previous={name: self.deadlines.get(name) for name in changed},
            changed_after_start=after_start,
            reason=reason,
            actor=actor,
        )

    def set_warn_days(self, days: int, actor: str) -> None:
        """How many days ahead the cycle's deadlines turn yellow (红黄灯), until closed."""
        self.require_phase("setting warn_days", *PHASES[:-1])
        self._warn_days_set(days=check_warn_days(days), actor=actor)

    @event("WarnDaysSet", topic="lianping:Cycle.WarnDaysSet")
    def _warn_days_set(self, days: int, actor: str) -> None:
        self.warn_days = days

    @event("DeadlinesSet", topic="lianping:Cycle.DeadlinesSet")
    def _deadlines_set(
        self,
        deadlines: dict[str, str],
        previous: dict[str, str | None],
        changed_after_start: list[str],
        reason: str | None,
        actor: str,
    ) -> None:
        self.deadlines = {**self.deadlines, **deadlines}

    def record_conflict(
        self, account_id: str, org_code: str, reason: str | None, actor: str
    ) -> None:
        self.require_phase("declaring a conflict of interest", *OPEN_PHASES)
        reason = require_reason(reason, "a conflict of interest")
        self.require_panel_member(account_id)
        self.require_participant(org_code)
        if self.has_conflict(account_id, org_code):
            raise RuleViolationError(
                "conflict_exists",
                f"a conflict of {account_id} with {org_code} is already recorded",
            )
        self._conflict_recorded(
            account_id=account_id, org_code=org_code, reason=reason, actor=actor
        )

    @event("ConflictRecorded", topic="lianping:Cycle.ConflictRecorded")
    def _conflict_recorded(self, account_id: str, org_code: str, reason: str, actor: str) -> None:
        self.conflicts.append({"account_id": account_id, "org_code": org_code, "reason": reason})

    # -- phases -----------------------------------------------------------------------------------

    def advance(self, to: str, reason: str | None, actor: str) -> None:
        index = PHASES.index(self.phase)
        if to not in PHASES:
            raise ValidationError(
                "unknown_phase",
                f"unknown phase {to!r}",
                [{"field": "to", "message": f"one of {', '.join(PHASES)}"}],
            )
        target = PHASES.index(to)
        if target == index + 1 and to != "finalized":
            self._advanced(from_phase=self.phase, to_phase=to, reason=reason, actor=actor)
        elif target == index + 1:
            raise RuleViolationError(
                "finalize_required", "the cycle reaches finalized only through finalize"
            )
        elif target == index - 1 and self.phase != "closed":
            reason = require_reason(reason, "reopening a phase")
            self._reopened(from_phase=self.phase, to_phase=to, reason=reason, actor=actor)
        else:
            raise RuleViolationError(
                "invalid_transition",
                f"cannot move from {self.phase} to {to}: phases move one step at a time"
                + (" and nothing leaves closed" if self.phase == "closed" else ""),
                {"phase": self.phase, "to": to},
            )

    @event("PhaseAdvanced", topic="lianping:Cycle.PhaseAdvanced")
    def _advanced(self, from_phase: str, to_phase: str, reason: str | None, actor: str) -> None:
        self.phase = to_phase
        self._reach(to_phase)

    def _reach(self, phase: str) -> None:
        if PHASES.index(phase) > PHASES.index(self.furthest_phase):
            self.furthest_phase = phase

    @event("Reopened", topic="lianping:Cycle.Reopened")
    def _reopened(self, from_phase: str, to_phase: str, reason: str, actor: str) -> None:
        self.phase = to_phase
        if from_phase == "finalized":
            self.results = None
            self.results_scheme_version = None
            self.finalized_at = None

    # -- reviewing --------------------------------------------------------------------------------

    def veto(self, org_code: str, reason: str | None, actor: str) -> None:
        self.require_phase("a veto", "reviewing")
        reason = require_reason(reason, "a veto (一票否决)")
        self.require_participant(org_code)
        if org_code in self.vetoes:
            raise RuleViolationError("already_vetoed", f"{org_code} is already vetoed")
        self._vetoed(org_code=org_code, reason=reason, actor=actor)

    @event("Vetoed", topic="lianping:Cycle.Vetoed")
    def _vetoed(self, org_code: str, reason: str, actor: str) -> None:
        self.vetoes[org_code] = reason

    def finalize(self, results: list[dict[str, Any]], actor: str) -> None:
        self.require_phase("finalizing", "reviewing")
        self._finalized(results=results, scheme_version=self.scheme_version, actor=actor)

    @event("Finalized", topic="lianping:Cycle.Finalized")
    def _finalized(
        self,
        results: list[dict[str, Any]],
        scheme_version: int,
        actor: str,
        timestamp: datetime | None = None,
    ) -> None:
        self.phase = "finalized"
        self._reach("finalized")
        self.results = results
        self.results_scheme_version = scheme_version
        self.finalized_at = timestamp


    # -- rehearsals (模拟测评) -----------------------------------------------------------------

    def end_rehearsal(self, reason: str | None, actor: str) -> None:
        """A rehearsal may be ended from any phase (with a reason): it is closed, so nothing more
        is done in it and it leaves everyone's tasks; its events stay in the log."""
        if not self.rehearsal:
            raise RuleViolationError(
                "not_a_rehearsal",
                f"cycle {self.cycle_id} is a real cycle: only a rehearsal (演练) can be ended",
                {"cycle_id": self.cycle_id},
            )
        if self.rehearsal_ended is not None:
            raise RuleViolationError(
                "rehearsal_already_ended", f"rehearsal {self.cycle_id} was already ended",
                {"ended": dict(self.rehearsal_ended)},
            )
        reason = require_reason(reason, "ending a rehearsal")
        self._rehearsal_ended(from_phase=self.phase, reason=reason, actor=actor)

    def require_not_ended(self, action: str) -> None:
        """For what a closed real cycle still allows (talks): an ended rehearsal allows none."""
        if self.rehearsal_ended is not None:
            raise RuleViolationError(
                "rehearsal_ended", f"{action}: rehearsal {self.cycle_id} was ended",
                {"ended": dict(self.rehearsal_ended)},
            )

    @event("RehearsalEnded", topic="lianping:Cycle.RehearsalEnded")
    def _rehearsal_ended(
        self, from_phase: str, reason: str, actor: str, timestamp: datetime | None = None
    ) -> None:
        self.phase = "closed"
        self.rehearsal_ended = {
            "from_phase": from_phase, "reason": reason, "by": actor,
            "at": timestamp.isoformat() if timestamp else None,
        }
