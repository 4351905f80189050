"""Hypothesis properties on real stores: results do not depend on the order ratings arrive in, and
an aggregate reloaded from the store equals the one that was saved."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.app import LianpingApp
from application.usecases import cycles, participants
from domain.report import Report
from tests.application.world import COUNTIES, REVIEWERS, World
from tests.conftest import fresh_app

GRADES = st.sampled_from(["good", "fairly_good", "average", "poor", "好", "较好", "一般", "差"])
RATINGS = st.lists(
    st.tuples(st.sampled_from(COUNTIES), st.sampled_from(REVIEWERS[:4]), GRADES),
    min_size=1,
    max_size=10,
    unique_by=lambda r: (r[0], r[1]),
)
PROPERTY = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def finalize_with(app: LianpingApp, ratings: list[tuple[str, str, str]]) -> list[dict]:
    world = World(app)
    world.cycle("c1", 2026, panel=REVIEWERS[:4])
    world.reviewing("c1")
    for county, reviewer, grade in ratings:
        world.run(reviewer, participants.rate, "c1", county, grade, None, None)
    return world.run("organizer", cycles.finalize, "c1").body["results"]


@PROPERTY
@given(ratings=RATINGS, data=st.data())
def test_results_do_not_depend_on_the_order_ratings_arrive_in(store, ratings, data):
    shuffled = data.draw(st.permutations(ratings))
    with fresh_app(store) as first, fresh_app(store) as second:
        assert finalize_with(first, ratings) == finalize_with(second, list(shuffled))


TEXT = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())


@PROPERTY
@given(versions=st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=4), returned=st.booleans())
def test_a_report_reloaded_from_the_store_equals_the_one_saved(store, versions, returned):
    with fresh_app(store) as app:
        report = None
        for title, body in versions:
            content = {"title": title, "achievements": body, "problems": body, "plans": body}
            if report is None:
                report = Report.submit_first("c", "o", "reporting", content, "书记", "sec")
            else:
                report.resubmit("reporting", content, "书记", "sec")
        if returned:
            report.return_for_revision("reporting", "请补充", "organizer")
        app.save(report)
        reloaded = app.repository.get(report.id)
        assert vars(reloaded) == vars(report)
