"""A rehearsal (模拟测评 / 演练) as an aggregate (no store): created marked, ended from any phase
with a reason, and nothing done in it afterwards; a real cycle cannot be ended so."""

from __future__ import annotations

from typing import Any

import pytest

from domain.cycle import PHASES, Cycle
from domain.errors import RuleViolationError
from domain.scheme import DEFAULT_SCHEME


def codes(error: pytest.ExceptionInfo[Exception]) -> str:
    return getattr(error.value, "code", "")


def a_cycle(rehearsal: bool = True) -> Cycle:
    return Cycle(cycle_id="city-2026-rehearsal", organizer_org="city", level="county",
                 year=2026, title="模拟测评", scheme=DEFAULT_SCHEME.to_dict(),
                 previous_cycle_id=None, deadlines=None, actor="organizer",
                 rehearsal=rehearsal)


def moved_to(cycle: Cycle, phase: str) -> Cycle:
    for step in PHASES[1:PHASES.index(phase) + 1]:
        if step == "finalized":
            cycle.finalize([], "organizer")
        else:
            cycle.advance(step, None, "organizer")
    return cycle


def replayed(cycle: Cycle) -> Any:
    state = None
    for event in cycle.collect_events():
        state = event.mutate(state)
    return state


class TestCreating:
    def test_records_whether_it_is_a_rehearsal_and_a_real_cycle_by_default(self):
        rehearsal = a_cycle()
        real = Cycle(cycle_id="city-2026", organizer_org="city", level="county", year=2026,
                     title="正式", scheme=DEFAULT_SCHEME.to_dict(), previous_cycle_id=None,
                     deadlines=None, actor="organizer")

        assert (rehearsal.rehearsal, rehearsal.rehearsal_ended) == (True, None)
        assert (real.rehearsal, real.rehearsal_ended) == (False, None)
        created = rehearsal.collect_events()[0]
        assert isinstance(created, Cycle.Created) and created.rehearsal is True

    def test_a_created_event_of_version_1_reads_as_a_real_cycle(self):
        state: dict[str, Any] = {"cycle_id": "old"}

        Cycle.Created.upcast_v1_v2(state)

        assert state == {"cycle_id": "old", "rehearsal": False}
        assert Cycle.Created.class_version == 2


class TestEnding:
    @pytest.mark.parametrize("phase", PHASES)
    def test_from_any_phase_closes_it_with_who_when_and_why(self, phase: str):
        cycle = moved_to(a_cycle(), phase)

        cycle.end_rehearsal("  演练完毕  ", "organizer")

        assert cycle.phase == "closed"
        ended = cycle.rehearsal_ended
        assert ended is not None
        assert (ended["from_phase"], ended["reason"], ended["by"]) == (
            phase, "演练完毕", "organizer")
        assert ended["at"] is not None
        again = replayed(cycle)
        assert (again.phase, again.rehearsal_ended) == ("closed", ended)

    def test_nothing_follows(self):
        cycle = moved_to(a_cycle(), "reviewing")
        cycle.end_rehearsal("演练完毕", "organizer")

        with pytest.raises(RuleViolationError) as advance:
            cycle.advance("rectifying", None, "organizer")
        with pytest.raises(RuleViolationError) as back:
            cycle.advance("rectifying", "重新打开", "organizer")
        with pytest.raises(RuleViolationError) as veto:
            cycle.veto("county-a", "理由", "organizer")
        with pytest.raises(RuleViolationError) as deadlines:
            cycle.set_deadlines({"report_due": "2026-12-20"}, None, "organizer")
        with pytest.raises(RuleViolationError) as talk:
            cycle.require_not_ended("a talk")
        with pytest.raises(RuleViolationError) as twice:
            cycle.end_rehearsal("再次结束", "organizer")

        assert [codes(e) for e in (advance, back, veto, deadlines, talk, twice)] == [
            "invalid_transition", "invalid_transition", "wrong_phase", "wrong_phase",
            "rehearsal_ended", "rehearsal_already_ended"]

    def test_needs_a_reason(self):
        cycle = a_cycle()
        with pytest.raises(RuleViolationError) as blank:
            cycle.end_rehearsal("  ", "organizer")
        with pytest.raises(RuleViolationError) as missing:
            cycle.end_rehearsal(None, "organizer")
        assert (codes(blank), codes(missing)) == ("reason_required", "reason_required")
        assert (cycle.phase, cycle.rehearsal_ended) == ("preparing", None)

    @pytest.mark.parametrize("phase", PHASES)
    def test_a_real_cycle_refuses_in_every_phase(self, phase: str):
        cycle = moved_to(a_cycle(rehearsal=False), phase)

        with pytest.raises(RuleViolationError) as refused:
            cycle.end_rehearsal("演练完毕", "organizer")

        assert codes(refused) == "not_a_rehearsal"
        assert (cycle.phase, cycle.rehearsal_ended) == (phase, None)
        cycle.require_not_ended("a talk")  # a closed real cycle still allows talks
