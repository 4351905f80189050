"""Inspection flags that depend on when something happened: a deadline extended after it had
passed stays flagged, one extended in time does not. Real events from the use cases, folded with
the extension's time moved (the clock cannot be moved for the library's event timestamps)."""

from __future__ import annotations

from datetime import timedelta

from application.usecases import cycles, participants, rectification
from projections import flags
from projections.tables import fold_all
from tests.application.world import COUNTIES


def extended_item_history(world, models, extended_after_days: int):
    app = world.app
    cycle_id = world.cycle("c-flags", 2026)
    world.reviewing(cycle_id)
    world.run("organizer", cycles.finalize, cycle_id)
    world.advance(cycle_id, "rectifying")
    world.run("organizer", participants.issue_feedback, cycle_id, COUNTIES[0], "书面反馈",
              [{"code": "P1", "description": "问题一"}])
    due = app.today() + timedelta(days=10)
    world.run(f"sec-{COUNTIES[0]}", rectification.submit_plan, cycle_id, COUNTIES[0],
              [{"item_id": "I1", "problem_code": "P1", "measure": "措施", "owner": "责任人",
                "due_date": due.isoformat()}])
    world.run("organizer", rectification.approve_plan, cycle_id, COUNTIES[0])
    world.run("organizer", rectification.extend_deadline, cycle_id, COUNTIES[0], "I1",
              due + timedelta(days=60), "客观原因")
    events = models.source.read(0, 1_000_000)
    last = events[-1]
    assert last.type == "lianping:RectificationPlan.DeadlineExtended"
    moved = last._replace(recorded_at=last.recorded_at + timedelta(days=extended_after_days))
    return cycle_id, [*events[:-1], moved]


def flag_kinds(models, events, cycle_id):
    rows = fold_all(models.projections[flags.NAME], events)
    return [(f["kind"], f["org_code"], f["reason"]) for f in rows.dump(flags.FLAGS)
            if f["cycle_id"] == cycle_id]


def test_an_extension_granted_after_the_deadline_had_passed_stays_flagged(world, models):
    cycle_id, events = extended_item_history(world, models, extended_after_days=12)

    assert flag_kinds(models, events, cycle_id) == [
        ("overdue_extension", COUNTIES[0], "客观原因")
    ]


def test_an_extension_granted_in_time_is_no_flag(world, models):
    cycle_id, events = extended_item_history(world, models, extended_after_days=0)

    assert flag_kinds(models, events, cycle_id) == []
