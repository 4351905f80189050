"""Running a cycle (organizer): scheme, participants and panel (added, removed, copied from the
previous cycle), deadlines, conflicts, phases, vetoes, finalize."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from application import lookups
from application.access import (
    require_organizer_of,
)
from application.app import LianpingApp, Outcome, Request
from application.principal import forbid, require_organizer
from application.usecases.rehearsals import refuse_rehearsal_as_previous, rehearsal_id
from application.usecases.standings import previous_cycle, standings_rows
from domain import ids
from domain.ballot import BallotBook
from domain.cycle import Cycle
from domain.cycle_slot import CycleSlot
from domain.errors import DomainError, RuleViolationError, ValidationError
from domain.organization import level_below
from domain.scheme import DEFAULT_SCHEME, Scheme


def _cycle_outcome(
    app: LianpingApp,
    request: Request,
    cycle: Cycle,
    body: dict[str, Any],
    *others: Any,
    created: bool = False,
) -> Outcome:
    return app.commit(request, cycle, *others, item=cycle, body=body, created=created)


DEADLINE_ORDER = ("report_due", "review_due", "plan_due")


def _check_deadline_order(deadlines: dict[str, date], prefix: str = "deadlines.") -> None:
    """Reports come before reviews, reviews before rectification plans."""
    given = [(name, deadlines[name]) for name in DEADLINE_ORDER if deadlines.get(name)]
    for (earlier, first), (later, then) in itertools.pairwise(given):
        if then < first:
            raise ValidationError(
                "deadlines_out_of_order",
                f"{later} ({then}) lies before {earlier} ({first})",
                [{"field": f"{prefix}{later}", "message": f"must not be before {earlier}"}],
            )


def create_cycle(
    app: LianpingApp,
    request: Request,
    organizer_org: str,
    level: str,
    year: int,
    title: str,
    cycle_id: str | None = None,
    scheme: dict[str, Any] | None = None,
    previous_cycle_id: str | None = None,
    deadlines: dict[str, date] | None = None,
    warn_days: int | None = None,
    rehearsal: bool = False,
) -> Outcome:
    """A real cycle claims its organizer, level and year (one a year); a rehearsal (模拟测评)
    claims nothing and takes an id of its own: ``<organizer_org>-<year>-rehearsal[-n]``."""
    organizer = lookups.org(app, organizer_org, "body", "organizer_org")
    require_organizer(request.principal, organizer_org)
    if level_below(organizer.level) != level:
        raise ValidationError(
            "invalid_level",
            f"a cycle organized by a {organizer.level} hears {level_below(organizer.level)} orgs",
            [{"field": "level", "message": f"must be {level_below(organizer.level)}"}],
        )
    if rehearsal:
        cycle_id = rehearsal_id(app, cycle_id, organizer_org, year)
    cycle_id = cycle_id or f"{organizer_org}-{year}"
    existing = app.find(Cycle, ids.cycle_id(cycle_id))
    request.check_version(existing)
    if existing is not None and existing.rehearsal and not rehearsal:
        raise RuleViolationError(
            "cycle_id_used_by_rehearsal",
            f"{cycle_id} was used by a rehearsal (演练): a real cycle takes another id",
            {"cycle_id": cycle_id},
        )
    if existing is not None:
        raise RuleViolationError("cycle_exists", f"cycle {cycle_id} already exists")
    if not rehearsal and app.find(
        CycleSlot, ids.cycle_slot_id(organizer_org, level, year)
    ) is not None:
        raise RuleViolationError(
            "cycle_exists", f"{organizer_org} already runs a {level} cycle for {year}"
        )
    if previous_cycle_id is not None:
        _check_previous(app, previous_cycle_id, organizer_org, level, year)
    _check_deadline_order(deadlines or {})
    cycle = Cycle(
        cycle_id=cycle_id,
        organizer_org=organizer_org,
        level=level,
        year=year,
        title=title,
        scheme=(Scheme.from_dict(scheme) if scheme is not None else DEFAULT_SCHEME).to_dict(),
        previous_cycle_id=previous_cycle_id,
        deadlines={k: v.isoformat() for k, v in (deadlines or {}).items() if v is not None},
        actor=request.actor,
        rehearsal=rehearsal,
    )
    if warn_days is not None and warn_days != cycle.warn_days:
        cycle.set_warn_days(warn_days, request.actor)
    claimed = [] if rehearsal else [CycleSlot(
        organizer_org=organizer_org,
        level=level,
        year=year,
        cycle_id=cycle_id,
        actor=request.actor,
    )]
    body = {"cycle_id": cycle_id, "phase": cycle.phase, "scheme_version": cycle.scheme_version,
            "rehearsal": rehearsal}
    return _cycle_outcome(app, request, cycle, body, *claimed, created=True)


def _check_previous(
    app: LianpingApp, previous_id: str, organizer: str, level: str, year: int
) -> None:
    previous = lookups.cycle(app, previous_id, "body", "previous_cycle_id", read_only=True)
    refuse_rehearsal_as_previous(previous)
    if previous.organizer_org != organizer or previous.level != level or previous.year >= year:
        raise ValidationError(
            "invalid_previous_cycle",
            "the previous cycle must be an earlier cycle of the same organizer and level",
            [{"field": "previous_cycle_id", "message": "not an earlier cycle of this organizer"}],
        )


def _organizer_cycle(app: LianpingApp, request: Request, cycle_id: str) -> Cycle:
    cycle = lookups.cycle(app, cycle_id)
    require_organizer(request.principal, cycle.organizer_org)
    request.check_version(cycle)
    return cycle


def set_scheme(
    app: LianpingApp, request: Request, cycle_id: str, scheme: dict[str, Any]
) -> Outcome:
    cycle = _organizer_cycle(app, request, cycle_id)
    parsed = Scheme.from_dict(scheme)
    book = app.find(BallotBook, ids.ballot_book_id(cycle_id), read_only=True)
    orphaned = sorted((book.categories_in_use() if book else set()) - set(parsed.category_codes))
    if orphaned:
        raise RuleViolationError(
            "ballot_category_in_use",
            f"ballots were issued for {', '.join(orphaned)}: keep the category or void them",
            {"categories": orphaned},
        )
    cycle.set_scheme(parsed.to_dict(), request.actor)
    return _cycle_outcome(app, request, cycle, {"scheme_version": cycle.scheme_version})


def _check_new_participant(app: LianpingApp, cycle: Cycle, org_code: str) -> None:
    """Participants are direct subordinates of the organizer (shared by adding and copying)."""
    org = lookups.org(app, org_code, "body")
    if org.parent_code != cycle.organizer_org:
        raise ValidationError(
            "not_direct_subordinate",
            f"{org_code} is not a direct subordinate of {cycle.organizer_org}",
            [{"field": "org_code", "message": f"parent is {org.parent_code}"}],
        )


def _check_new_panel_member(app: LianpingApp, cycle: Cycle, account_id: str) -> None:
    """Panel members are existing accounts (shared by adding and copying)."""
    lookups.account(app, account_id, "body")


def add_participant(app: LianpingApp, request: Request, cycle_id: str, org_code: str) -> Outcome:
    cycle = _organizer_cycle(app, request, cycle_id)
    _check_new_participant(app, cycle, org_code)
    cycle.add_participant(org_code, request.actor)
    return _cycle_outcome(app, request, cycle, {"participants": list(cycle.participants)})


def add_panel_member(
    app: LianpingApp, request: Request, cycle_id: str, account_id: str,
    category: str | None = None,
) -> Outcome:
    cycle = _organizer_cycle(app, request, cycle_id)
    _check_new_panel_member(app, cycle, account_id)
    cycle.add_panel_member(account_id, request.actor, category)
    return _cycle_outcome(app, request, cycle, {"panel": list(cycle.panel)})


def remove_participant(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str, reason: str | None
) -> Outcome:
    cycle = _organizer_cycle(app, request, cycle_id)
    if org_code not in cycle.participants:
        lookups.org(app, org_code)  # an unknown org in the path: 404, else 409 not_a_participant
    cycle.remove_participant(org_code, reason, request.actor)
    return _cycle_outcome(app, request, cycle, {"participants": list(cycle.participants)})


def remove_panel_member(
    app: LianpingApp, request: Request, cycle_id: str, account_id: str, reason: str | None
) -> Outcome:
    cycle = _organizer_cycle(app, request, cycle_id)
    if not cycle.is_panel_member(account_id):
        lookups.account(app, account_id)  # unknown account in the path: 404, else 409
    cycle.remove_panel_member(account_id, reason, request.actor)
    return _cycle_outcome(app, request, cycle, {"panel": list(cycle.panel)})


def copy_from_previous(
    app: LianpingApp, request: Request, cycle_id: str, participants: bool, panel: bool
) -> Outcome:
    """Add the previous cycle's participants and/or panel in one command (all or nothing).
    Those already here are skipped silently; those that can no longer be added (the org is gone
    or no longer directly under the organizer, the account is gone) are listed in left_out with
    the refusal's code."""
    if not (participants or panel):
        raise ValidationError(
            "participants_or_panel_required", "ask for participants, panel or both",
            [{"field": "participants", "message": "participants or panel must be true"}],
        )
    cycle = _organizer_cycle(app, request, cycle_id)
    cycle.require_phase("copying from the previous cycle", "preparing")
    previous = previous_cycle(app, cycle, None)
    if previous is None:
        raise RuleViolationError(
            "no_previous_cycle",
            f"cycle {cycle_id} has no previous cycle (none named, none of {cycle.year - 1})",
        )
    left_out: list[dict[str, str]] = []
    added: dict[str, list[str]] = {"participants": [], "panel": []}
    wanted = [
        *(("participants", code) for code in previous.participants if participants),
        *(("panel", account) for account in previous.panel if panel),
    ]
    for kind, key in wanted:
        if key in (cycle.participants if kind == "participants" else cycle.panel):
            continue
        try:
            if kind == "participants":
                _check_new_participant(app, cycle, key)
                cycle.add_participant(key, request.actor)
            else:
                _check_new_panel_member(app, cycle, key)
                # A member's category carries over when this scheme has it too.
                category = previous.panel_categories.get(key)
                carried = category if category in _category_codes(cycle) else None
                cycle.add_panel_member(key, request.actor, carried)
        except DomainError as refused:
            left_out.append(_left_out(kind, key, refused))
            continue
        added[kind].append(key)
    body = {"previous_cycle_id": previous.cycle_id, "added": added, "left_out": left_out}
    if not (added["participants"] or added["panel"]):
        raise RuleViolationError(
            "nothing_to_copy",
            f"nothing left to copy from {previous.cycle_id}: everything is here or left out",
            body,
        )
    return _cycle_outcome(app, request, cycle, body)


def _category_codes(cycle: Cycle) -> tuple[str, ...]:
    return Scheme.from_dict(cycle.scheme).category_codes


_LEFT_OUT_LABELS = {
    "category_required": "本次方案设有评议人类别，该评议人在上一周期没有对应类别",
    "unknown_org": "该单位已不存在",
    "not_direct_subordinate": "该单位已不是本级直接下级",
    "unknown_account": "该账号已不存在",
}


def _left_out(kind: str, key: str, refused: DomainError) -> dict[str, str]:
    return {
        "kind": "participant" if kind == "participants" else "panel_member",
        "code_or_account": key,
        "why": refused.code,
        "why_label": _LEFT_OUT_LABELS.get(refused.code, refused.message),
    }


def set_deadlines(
    app: LianpingApp,
    request: Request,
    cycle_id: str,
    deadlines: dict[str, date],
    reason: str | None,
    warn_days: int | None = None,
) -> Outcome:
    """Set or move cycle deadlines until the cycle is closed; the result must stay in order.
    ``warn_days``: how many days ahead they turn yellow (红黄灯)."""
    given = {name: due for name, due in deadlines.items() if due is not None}
    if not given and warn_days is None:
        raise ValidationError(
            "no_deadlines", "give at least one of report_due, review_due, plan_due",
            [{"field": name, "message": "at least one deadline"} for name in DEADLINE_ORDER],
        )
    cycle = _organizer_cycle(app, request, cycle_id)
    in_force = {name: date.fromisoformat(due) for name, due in cycle.deadlines.items()}
    _check_deadline_order({**in_force, **given}, prefix="")
    moved = any(cycle.deadlines.get(k) != v.isoformat() for k, v in given.items())
    new_warning = warn_days is not None and warn_days != cycle.warn_days
    if moved or not new_warning:  # (nothing changed at all: 409 deadlines_unchanged)
        cycle.set_deadlines({k: v.isoformat() for k, v in given.items()}, reason, request.actor)
    if new_warning and warn_days is not None:
        cycle.set_warn_days(warn_days, request.actor)
    return _cycle_outcome(app, request, cycle, {"deadlines": dict(cycle.deadlines)})


def record_conflict(
    app: LianpingApp,
    request: Request,
    cycle_id: str,
    account_id: str,
    org_code: str,
    reason: str | None,
) -> Outcome:
    cycle = lookups.cycle(app, cycle_id)
    is_self = account_id == request.actor and cycle.is_panel_member(account_id)
    if not is_self and not request.principal.has("organizer", cycle.organizer_org):
        raise forbid(
            "a conflict is recorded by the organizer, or declared by the panel member themself",
            "organizer_required",
        )
    request.check_version(cycle)
    lookups.account(app, account_id, "body")  # unknown codes in a body: 422
    lookups.org(app, org_code, "body")
    cycle.record_conflict(account_id, org_code, reason, request.actor)
    # Only the named account's conflicts: a panel member must not learn about the others'.
    own = [c for c in cycle.conflicts if c["account_id"] == account_id]
    return _cycle_outcome(app, request, cycle, {"conflicts": own})


def advance(
    app: LianpingApp, request: Request, cycle_id: str, to: str, reason: str | None
) -> Outcome:
    cycle = _organizer_cycle(app, request, cycle_id)
    cycle.advance(to, reason, request.actor)
    return _cycle_outcome(app, request, cycle, {"phase": cycle.phase})


def veto(
    app: LianpingApp, request: Request, cycle_id: str, org_code: str, reason: str | None
) -> Outcome:
    cycle = _organizer_cycle(app, request, cycle_id)
    lookups.org(app, org_code, "body")
    require_organizer_of(app, request.principal, cycle, org_code)
    cycle.veto(org_code, reason, request.actor)
    return _cycle_outcome(app, request, cycle, {"vetoes": list(cycle.vetoes)})


def finalize(app: LianpingApp, request: Request, cycle_id: str) -> Outcome:
    cycle = _organizer_cycle(app, request, cycle_id)
    cycle.require_phase("finalizing", "reviewing")
    results = standings_rows(app, cycle, as_of=None)
    cycle.finalize(results, request.actor)
    return _cycle_outcome(app, request, cycle, {"phase": cycle.phase, "results": results})


def add_participants(
    app: LianpingApp, request: Request, cycle_id: str, org_codes: list[str]
) -> Outcome:
    """Add several participants in one command, all or nothing (the console's 添加全部下级单位);
    those already taking part are skipped."""
    cycle = _organizer_cycle(app, request, cycle_id)
    added = [code for code in dict.fromkeys(org_codes) if code not in cycle.participants]
    if not added:
        raise RuleViolationError("nothing_to_add", "every org named already takes part")
    for code in added:
        _check_new_participant(app, cycle, code)
        cycle.add_participant(code, request.actor)
    return _cycle_outcome(app, request, cycle, {"participants": list(cycle.participants),
                                                "added": added})
