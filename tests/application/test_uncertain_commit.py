"""Exactly once without a client key: PostgreSQL commits a save, the connection drops before its
reply arrives, and the retry finds the save instead of deciding the command again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from eventsourcing.persistence import OperationalError
from psycopg.sql import SQL, Identifier

from application.app import LianpingApp, Outcome, Request
from application.settings import Settings
from application.usecases import cycles, notes, participants, rectification
from tests.application.scenario import event_types_since, position
from tests.application.world import World
from tests.conftest import postgres_connection
from tests.e2e.proxy import CuttableProxy


def is_append(sql: str) -> bool:
    return "_append" in sql  # the recorder's append function


@pytest.fixture
def proxy() -> Iterator[CuttableProxy]:
    between = CuttableProxy(("127.0.0.1", 5432))
    yield between
    between.cut()


@pytest.fixture
def app(proxy: CuttableProxy, postgres_schema: str, tmp_path: Path) -> Iterator[LianpingApp]:
    application = LianpingApp(
        Settings(
            database_url=f"postgresql://postgres@127.0.0.1:{proxy.port}/test",
            postgres_schema=postgres_schema,
            signing_key_file=str(tmp_path / "signing-key.pem"),
            pool_size=3,
        )
    )
    yield application
    application.close()


@pytest.fixture
def world(app: LianpingApp) -> World:
    w = World(app)
    w.cycle("c1", 2026)
    return w


def when_the_commit_reply_is_lost(
    app: LianpingApp, proxy: CuttableProxy, command: Callable[[], Outcome], recorded: str
) -> Outcome:
    """Run the command with its COMMIT's reply dropped; then it is recorded exactly once, and
    answered as the first decision (its own position, not a replay)."""
    before = position(app)
    proxy.cut_after_commit(is_append)
    outcome = command()
    assert proxy.commit_cut.is_set(), "the proxy never saw the command's commit"
    assert event_types_since(app, before) == [recorded]
    assert outcome.position == position(app)
    assert not outcome.replayed
    return outcome


pytestmark = pytest.mark.postgres


class TestAReportSubmittedOnce:
    def test_the_report_is_recorded_once_and_answered_as_submitted(self, app, proxy, world):
        world.advance("c1", "reporting")
        outcome = when_the_commit_reply_is_lost(
            app, proxy, lambda: world.report("c1", "county-a"), "Report.Submitted"
        )
        assert outcome.version == 1 and outcome.created

    def test_a_resubmission_is_recorded_once(self, app, proxy, world):
        world.advance("c1", "reporting")
        world.report("c1", "county-a")
        world.run("organizer", participants.return_report, "c1", "county-a", "请补充")
        outcome = when_the_commit_reply_is_lost(
            app, proxy, lambda: world.report("c1", "county-a", "第二稿"), "Report.Resubmitted"
        )
        assert outcome.version == 3


class TestAFirstRatingOnce:
    def test_the_first_rating_is_created_not_refused(self, app, proxy, world):
        world.reviewing("c1")
        outcome = when_the_commit_reply_is_lost(
            app,
            proxy,
            lambda: world.run(
                "reviewer-1", participants.rate, "c1", "county-a", "good", None, None
            ),
            "Rating.Recorded",
        )
        assert outcome.created and outcome.version == 1
        assert outcome.body["rating"] == "good"

    def test_with_an_idempotency_key_the_first_answer_is_not_a_replay(self, app, proxy, world):
        world.reviewing("c1")
        keyed = Request(world.who("reviewer-1"), idempotency_key="k1", fingerprint="f")
        outcome = when_the_commit_reply_is_lost(
            app,
            proxy,
            lambda: app.execute(keyed, participants.rate, "c1", "county-a", "good", None, None),
            "Rating.Recorded",
        )
        again = app.execute(keyed, participants.rate, "c1", "county-a", "good", None, None)
        assert again.replayed and (again.position, again.body) == (outcome.position, outcome.body)


@pytest.fixture
def rectifying(world: World) -> World:
    world.reviewing("c1")
    world.run("organizer", cycles.finalize, "c1")
    problems = [{"code": "P1", "description": "后进村整顿不力"}]
    world.run("organizer", participants.issue_feedback, "c1", "county-a", "书面反馈", problems)
    world.advance("c1", "rectifying")
    return world


def plan_items(world: World, days: int) -> list[dict[str, str]]:
    due = (world.app.today() + timedelta(days=days)).isoformat()
    return [
        {"item_id": "I1", "problem_code": "P1", "measure": "措施", "owner": "张三", "due_date": due}
    ]


def submit_plan(world: World, days: int) -> Outcome:
    return world.run(
        "sec-county-a", rectification.submit_plan, "c1", "county-a", plan_items(world, days)
    )


class TestRectificationOnce:
    def test_a_plan_resubmission_is_recorded_once(self, app, proxy, rectifying):
        submit_plan(rectifying, 30)
        rectifying.run("organizer", rectification.return_plan, "c1", "county-a", "措施不具体")
        outcome = when_the_commit_reply_is_lost(
            app, proxy, lambda: submit_plan(rectifying, 60), "RectificationPlan.Resubmitted"
        )
        assert outcome.body["version"] == 2

    def test_a_progress_report_is_recorded_once(self, app, proxy, rectifying):
        submit_plan(rectifying, 30)
        rectifying.run("organizer", rectification.approve_plan, "c1", "county-a")
        outcome = when_the_commit_reply_is_lost(
            app,
            proxy,
            lambda: rectifying.run(
                "sec-county-a", rectification.report_progress, "c1", "county-a", "I1", "已整顿", 50
            ),
            "RectificationPlan.ProgressReported",
        )
        assert outcome.body["item"]["status"] == "in_progress"


class TestANoteOnce:
    def test_a_note_is_recorded_once(self, app, proxy, world):
        subject = world.advance("c1", "reporting")
        outcome = when_the_commit_reply_is_lost(
            app,
            proxy,
            lambda: world.run("inspector", notes.record_note, "此处需核实",
                              subject_position=subject.position),
            "InspectionNote.Recorded",
        )
        assert outcome.created


class TestAnUnknownOutcomeIsNeverDecidedAgain:
    def test_when_the_retry_fails_too_the_store_error_is_answered(self, app, proxy, world):
        """The save may have landed: answering 503 is right, deciding it again is not."""
        world.advance("c1", "reporting")
        before = position(app)
        proxy.cut_after_commit(is_append)
        real = app.recorder._append_saves

        def retry_fails(saves):
            if proxy.commit_cut.is_set():
                raise OperationalError("the database went away again")
            return real(saves)

        app.recorder._append_saves = retry_fails
        with pytest.raises(OperationalError):
            world.report("c1", "county-a")
        app.recorder._append_saves = real
        assert event_types_since(app, before) == ["Report.Submitted"]


class TestAGroupCommitOnce:
    def test_every_save_of_a_lost_group_is_found(self, app, proxy, world):
        """Concurrent saves share one transaction: when its reply is lost, each caller finds its
        own save. The table is held locked until the group has formed behind two lone saves."""
        world.reviewing("c1")
        reviewers = [f"reviewer-{n}" for n in range(1, 9)]
        before = position(app)
        table = Identifier(app.recorder.datastore.schema, app.recorder.events_table_name)
        appends: list[str] = []

        def the_group(sql: str) -> bool:  # the two lone saves go first, then the group
            appends.extend([sql] if is_append(sql) else [])
            return len(appends) == 3

        proxy.cut_after_commit(the_group)
        with postgres_connection() as holder, ThreadPoolExecutor(len(reviewers)) as pool:
            with holder.transaction():
                holder.execute(SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table))
                answers = [
                    pool.submit(world.run, who, participants.rate, "c1", "county-a", "good",
                                None, None)
                    for who in reviewers
                ]
                assert until(lambda: len(app.recorder._group._queue) == len(reviewers) - 2)
            outcomes = [answer.result(timeout=30) for answer in answers]
        assert proxy.commit_cut.is_set(), "no group commit was cut"
        assert event_types_since(app, before) == ["Rating.Recorded"] * len(reviewers)
        assert all(o.created and o.version == 1 and not o.replayed for o in outcomes)
        assert sorted(o.position for o in outcomes) == list(range(before + 1, position(app) + 1))


def until(condition: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.01)
    return True
