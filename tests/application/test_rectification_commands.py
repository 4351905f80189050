"""整改 commands: plans, approval, progress, completion claims, verification, extensions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.app import Request
from application.usecases import cycles, participants, rectification
from tests.application.scenario import event_types_since, position, then_refused
from tests.application.world import World

PROBLEMS = [
    {"code": "P1", "description": "后进村整顿不力"},
    {"code": "P2", "description": "经费保障不足"},
]


@pytest.fixture
def world(app):
    w = World(app)
    w.cycle("c1", 2026)
    w.reviewing("c1")
    w.run("organizer", cycles.finalize, "c1")
    w.run("organizer", participants.issue_feedback, "c1", "county-a", "书面反馈", PROBLEMS)
    w.advance("c1", "rectifying")
    return w


def items(world, due_in_days=30, codes=("P1", "P2")):
    due = (world.app.today() + timedelta(days=due_in_days)).isoformat()
    return [
        {
            "item_id": f"I{n}",
            "problem_code": code,
            "measure": "措施",
            "owner": "张三",
            "due_date": due,
        }
        for n, code in enumerate(codes, 1)
    ]


def submit(world, plan_items):
    return world.run("sec-county-a", rectification.submit_plan, "c1", "county-a", plan_items)


@pytest.fixture
def approved(world):
    submit(world, items(world))
    world.run("organizer", rectification.approve_plan, "c1", "county-a")
    return world


class TestSubmitPlan:
    def test_a_plan_covering_every_problem_is_submitted(self, app, world):
        assert submit(world, items(world)).body == {"version": 1, "status": "submitted"}

    def test_a_deadline_in_the_past_is_refused(self, app, world):
        error = then_refused(app, "invalid_plan", lambda: submit(world, items(world, -1)))
        assert {"field": "items[0].due_date", "message": "lies in the past"} in error.details

    def test_an_item_must_name_a_feedback_problem(self, app, world):
        then_refused(app, "invalid_plan", lambda: submit(world, items(world, codes=("P1", "P9"))))

    def test_every_problem_must_be_addressed(self, app, world):
        then_refused(app, "invalid_plan", lambda: submit(world, items(world, codes=("P1",))))

    def test_no_plan_without_feedback(self, app, world):
        then_refused(
            app,
            "feedback_not_issued",
            lambda: world.run(
                "sec-county-b", rectification.submit_plan, "c1", "county-b", items(world)
            ),
        )

    def test_a_returned_plan_is_resubmitted_as_a_new_version(self, app, world):
        submit(world, items(world))
        then_refused(
            app,
            "reason_required",
            lambda: world.run("organizer", rectification.return_plan, "c1", "county-a", ""),
        )
        world.run("organizer", rectification.return_plan, "c1", "county-a", "措施不具体")
        assert submit(world, items(world, 60)).body["version"] == 2

    def test_plans_only_while_rectifying(self, app, world):
        world.advance("c1", "closed")
        then_refused(app, "wrong_phase", lambda: submit(world, items(world)))


class TestItems:
    def test_progress_claim_and_verification(self, app, approved):
        approved.run(
            "sec-county-a", rectification.report_progress, "c1", "county-a", "I1", "已整顿2个村", 50
        )
        approved.run(
            "sec-county-a", rectification.claim_completion, "c1", "county-a", "I1", "整改材料"
        )
        before = position(app)
        approved.run("organizer", rectification.verify_item, "c1", "county-a", "I1", True, "销号")
        assert event_types_since(app, before) == ["RectificationPlan.ItemVerified"]

    def test_verification_only_after_a_claim(self, app, approved):
        then_refused(
            app,
            "completion_not_claimed",
            lambda: approved.run(
                "organizer", rectification.verify_item, "c1", "county-a", "I1", True, "x"
            ),
        )

    def test_a_rejected_claim_can_be_claimed_again(self, app, approved):
        approved.run("sec-county-a", rectification.claim_completion, "c1", "county-a", "I1", "e")
        approved.run("organizer", rectification.verify_item, "c1", "county-a", "I1", False, "不实")
        before = position(app)
        approved.run("sec-county-a", rectification.claim_completion, "c1", "county-a", "I1", "e2")
        assert event_types_since(app, before) == ["RectificationPlan.CompletionClaimed"]

    def test_an_approved_plan_cannot_be_replaced(self, app, approved):
        then_refused(app, "plan_already_approved", lambda: submit(approved, items(approved)))

    def test_items_only_on_an_approved_plan(self, app, world):
        submit(world, items(world))
        then_refused(
            app,
            "plan_not_approved",
            lambda: world.run(
                "sec-county-a", rectification.claim_completion, "c1", "county-a", "I1", "e"
            ),
        )

    def test_an_unknown_item_is_not_found(self, app, approved):
        then_refused(
            app,
            "unknown_item",
            lambda: approved.run(
                "sec-county-a", rectification.claim_completion, "c1", "county-a", "I9", "e"
            ),
            kind="not_found",
        )

    def test_a_deadline_moves_only_later_with_a_reason(self, app, approved):
        later = approved.app.today() + timedelta(days=90)
        then_refused(
            app,
            "reason_required",
            lambda: approved.run(
                "organizer", rectification.extend_deadline, "c1", "county-a", "I1", later, None
            ),
        )
        then_refused(
            app,
            "extension_not_later",
            lambda: approved.run(
                "organizer",
                rectification.extend_deadline,
                "c1",
                "county-a",
                "I1",
                approved.app.today() + timedelta(days=1),
                "x",
            ),
        )
        approved.run(
            "organizer",
            rectification.extend_deadline,
            "c1",
            "county-a",
            "I1",
            later,
            "汛期影响施工",
        )
        view = participants.get_participant(
            app, Request(approved.who("organizer")), "c1", "county-a"
        )
        item = next(i for i in view["plan"]["items"] if i["item_id"] == "I1")
        assert item["due_date"] == later.isoformat() and item["overdue"] is False

    def test_only_the_organizer_verifies(self, app, approved):
        approved.run("sec-county-a", rectification.claim_completion, "c1", "county-a", "I1", "e")
        then_refused(
            app,
            "organizer_required",
            lambda: approved.run(
                "sec-county-a", rectification.verify_item, "c1", "county-a", "I1", True, "自己销号"
            ),
        )
