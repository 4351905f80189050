"""Read models after a cycle was set up and corrected: late submissions judged by the deadline in
force when they came in, deadline_changed flags, and the rectification board listing every
participant given problems — the live view, the in-memory fold and a rebuild agree."""

from __future__ import annotations

from datetime import timedelta

from application.usecases import cycles, participants, rectification
from projections import flags, records
from projections.rebuild import rebuild_read_model
from projections.rectification import board
from tests.projections.conftest import assert_view_is_the_fold, catch_up, tables_of
from tests.projections.scripts import new_cycle


def caught_up_and_rebuilt(models, name):
    """The live view caught up equals the fold; a rebuild gives the same tables."""
    view = models.store.ensure(models.projections[name])
    catch_up(models, view, batch_size=7)
    assert_view_is_the_fold(models, view)
    before = tables_of(view)
    rebuild_read_model(models, name, batch_size=11)
    assert tables_of(models.store.ensure(models.projections[name])) == before


class TestLateSubmissions:
    def test_are_judged_by_the_deadline_in_force_when_they_came_in(self, app, world, models):
        today = app.today()
        cycle_id = new_cycle(world, "moved", 2026, today - timedelta(days=1))
        world.advance(cycle_id, "reporting")
        world.report(cycle_id, "county-a")  # after the report_due then in force: late
        world.run("organizer", cycles.set_deadlines, cycle_id,
                  {"report_due": today + timedelta(days=10)}, "因防汛顺延")
        world.report(cycle_id, "county-b")  # before the moved deadline: in time
        world.run("organizer", cycles.set_deadlines, cycle_id,
                  {"report_due": today - timedelta(days=2)}, "恢复原定时间")
        world.report(cycle_id, "county-c")  # late again

        caught_up_and_rebuilt(models, flags.NAME)

        with models.read(flags.NAME) as view:
            found = flags.cycle_flags(view, cycle_id, today, app.tz)["flags"]
        assert [(f["kind"], f["org_code"], f["actor"], f["reason"]) for f in found] == [
            ("late_submission", "county-a", "sec-county-a", None),
            ("deadline_changed", "city", "organizer", "因防汛顺延"),
            ("deadline_changed", "city", "organizer", "恢复原定时间"),
            ("late_submission", "county-c", "sec-county-c", None),
        ]

    def test_setting_a_missing_deadline_or_moving_one_before_its_phase_is_no_flag(
        self, app, world, models
    ):
        today = app.today()
        cycle_id = new_cycle(world, "set", 2026, None)
        world.run("organizer", cycles.set_deadlines, cycle_id,
                  {"report_due": today - timedelta(days=1)}, None)
        world.run("organizer", cycles.set_deadlines, cycle_id,
                  {"report_due": today + timedelta(days=3)}, None)
        world.advance(cycle_id, "reporting")
        world.run("organizer", cycles.set_deadlines, cycle_id,
                  {"review_due": today + timedelta(days=20)}, None)
        world.report(cycle_id, "county-a")

        caught_up_and_rebuilt(models, flags.NAME)

        with models.read(flags.NAME) as view:
            assert flags.cycle_flags(view, cycle_id, today, app.tz)["flags"] == []


class TestRectificationBoard:
    def test_lists_every_participant_given_problems_with_name_and_plan_status(
        self, app, world, models
    ):
        cycle_id = world.cycle("board", 2026)
        world.reviewing(cycle_id)
        world.run("organizer", cycles.finalize, cycle_id)
        world.advance(cycle_id, "rectifying")
        for county, problems in (("county-a", 2), ("county-b", 1), ("county-c", 0)):
            world.run("organizer", participants.issue_feedback, cycle_id, county, "书面反馈",
                      [{"code": f"P{n}", "description": f"问题{n}"} for n in range(problems)])
        due = (app.today() + timedelta(days=30)).isoformat()
        world.run("sec-county-a", rectification.submit_plan, cycle_id, "county-a",
                  [{"item_id": f"I{n}", "problem_code": f"P{n}", "measure": "措施",
                    "owner": "责任人", "due_date": due} for n in range(2)])

        caught_up_and_rebuilt(models, "rectification")

        with models.read("rectification") as view:
            by_org = board(view, cycle_id, app.today())["by_org"]
        assert by_org == [
            {"org_code": "county-a", "org_name": "甲县", "plan_status": "submitted", "total": 0,
             "verified": 0, "overdue": 0, "completion_rate": None},
            {"org_code": "county-b", "org_name": "乙县", "plan_status": "none", "total": 0,
             "verified": 0, "overdue": 0, "completion_rate": None},
        ]

        world.run("organizer", rectification.approve_plan, cycle_id, "county-a")
        view = models.store.ensure(models.projections["rectification"])
        catch_up(models, view)
        with models.read("rectification") as view:
            by_org = board(view, cycle_id, app.today())["by_org"]
        assert [(o["org_code"], o["plan_status"], o["total"], o["completion_rate"])
                for o in by_org] == [("county-a", "approved", 2, "0.0000"),
                                     ("county-b", "none", 0, None)]


class TestOrgRecords:
    def test_a_participant_removed_did_not_take_part_unless_added_again(
        self, app, world, models
    ):
        world.cycle("removed", 2025)
        world.cycle("readded", 2026)
        for cycle_id in ("removed", "readded"):
            world.run("organizer", cycles.remove_participant, cycle_id, "county-b", "误列")
        world.run("organizer", cycles.add_participant, "readded", "county-b")

        caught_up_and_rebuilt(models, records.NAME)

        with models.read(records.NAME) as view:
            assert [c["cycle_id"] for c in records.record(view, "county-b")["cycles"]] == [
                "readded"
            ]
            assert [c["cycle_id"] for c in records.record(view, "county-a")["cycles"]] == [
                "removed", "readded"
            ]
