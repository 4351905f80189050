"""Every persistent view equals the in-memory fold of the same events, for random command scripts,
whatever the batch sizes, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import ids
from domain.feedback import Feedback
from domain.plan import RectificationPlan
from projections import rectification
from tests.application.world import COUNTIES
from tests.projections.conftest import assert_view_is_the_fold, catch_up
from tests.projections.scripts import new_cycle, run_script, scripts

_cycles = itertools.count(1)


@settings(
    max_examples=25, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    script=scripts(),
    batch_size=st.integers(1, 40),
    report_due_in=st.sampled_from([None, -2, 30]),
)
def test_every_view_equals_the_fold_of_the_same_events(
    app, world, models, script, batch_size, report_due_in
):
    n = next(_cycles)
    due = None if report_due_in is None else app.today() + timedelta(days=report_due_in)
    cycle_id = new_cycle(world, f"prop-{n}", 2000 + n, due)

    run_script(world, cycle_id, script)

    for projection in models.projections.values():
        view = models.store.ensure(projection)
        catch_up(models, view, batch_size)
        assert_view_is_the_fold(models, view)
    assert_board_matches_the_plans(app, models, cycle_id)


def assert_board_matches_the_plans(app, models, cycle_id):
    """An oracle outside the folds: the board shows each approved plan's items as the plan
    aggregate itself has them."""
    with models.read(rectification.NAME) as view:
        board = rectification.board(view, cycle_id, app.today())
    expected = []
    for county in COUNTIES:
        plan = app.find(RectificationPlan, ids.plan_id(cycle_id, county))
        if plan is not None and plan.status == "approved":
            expected += [(county, i["item_id"], i["status"], i["due_date"], i["percent"])
                         for i in plan.items.values()]
    assert [(i["org_code"], i["item_id"], i["status"], i["due_date"], i["percent"])
            for i in board["items"]] == expected
    # Per org: every county given problems (plan or not), and every county with a plan.
    listed = []
    for county, name in zip(COUNTIES, ("甲县", "乙县", "丙县"), strict=True):
        feedback = app.find(Feedback, ids.feedback_id(cycle_id, county))
        plan = app.find(RectificationPlan, ids.plan_id(cycle_id, county))
        if plan is not None or (feedback is not None and feedback.problems):
            listed.append((county, name, plan.status if plan is not None else "none"))
    assert [(o["org_code"], o["org_name"], o["plan_status"]) for o in board["by_org"]] == listed
