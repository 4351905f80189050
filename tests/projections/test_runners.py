"""Runners: they follow the log (woken by saves, polling when a wake-up is lost), survive crashes
and restarts without losing or repeating an event, and never run one projection twice at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest

from application.app import LianpingApp
from application.store import subscription
from projections.envelope import Envelope
from projections.registry import NAMES
from projections.runner import RunnerConfig, Runners
from projections.service import read_models
from projections.tables import Change, Projection, Put, Rows, table
from tests.application.world import World
from tests.conftest import make_settings
from tests.projections.conftest import FAST, assert_view_is_the_fold, head
from tests.projections.scripts import new_cycle, rich_history, run_script

WAIT = 10.0
#: ``recording`` adds a table to a read model in place: no rebuild for that change of shape.
IN_PLACE = replace(FAST, rebuild_changed_shapes=False)


APPLIED = table("applied", "position times applier", "position", "position times")


def recording(projection: Projection, tag: str, crash_at: set[int] | None = None) -> Projection:
    """The projection plus a table counting how often each position was applied, and by whom;
    crashes once (before its transaction commits) at each position of ``crash_at``."""

    def fold(rows: Rows, event: Envelope) -> Iterator[Change]:
        yield from projection.fold(rows, event)
        if crash_at and event.position in crash_at:
            crash_at.discard(event.position)
            raise RuntimeError(f"injected crash at {event.position}")
        before = rows.get(APPLIED, (event.position,))
        times = before["times"] + 1 if before else 1
        yield Put(APPLIED, {"position": event.position, "times": times, "applier": tag})

    return Projection(projection.name, (*projection.tables, APPLIED), fold)


def applied(models, projection: Projection) -> list[dict]:
    return models.store.ensure(projection).dump(APPLIED)


def more_events(world, n: int) -> None:
    cycle_id = new_cycle(world, f"more-{n}", 2100 + n, None)
    run_script(world, cycle_id, [("forward",), ("report", "county-a"), ("report", "county-b")])


class TestRunnersInTheBackground:
    def test_keep_every_view_equal_to_the_fold_while_commands_arrive(
        self, app, models, world, runners
    ):
        rich_history(world)

        for name in NAMES:
            assert models.wait(name, head(app), WAIT), name
        for projection in models.projections.values():
            assert_view_is_the_fold(models, models.store.ensure(projection))

    def test_wake_on_this_process_s_saves_without_waiting_for_a_poll(self, app, models, world):
        with Runners(list(models.projections.values()), models.store, models.source,
                     RunnerConfig(poll_interval=60.0, lock_retry=0.02),
                     committed=models.committed) as handle:
            for runner in handle.runners.values():
                assert runner.holding.wait(WAIT)
            more_events(world, 1)
            for name in NAMES:
                assert models.wait(name, head(app), WAIT), name

    def test_poll_when_no_wake_up_comes(self, app, models, world, monkeypatch):
        # As if another process saved (SQLite), or NOTIFY was lost / LISTEN stalled (PostgreSQL).
        monkeypatch.setattr(subscription, "saved", lambda recorder: None)
        monkeypatch.setattr(subscription.PostgresListener, "_run", lambda self: None)
        with Runners(list(models.projections.values()), models.store, models.source, FAST,
                     committed=models.committed):
            more_events(world, 2)
            for name in NAMES:
                assert models.wait(name, head(app), WAIT), name


class TestLingering:
    def test_events_arriving_while_the_runner_lingers_share_one_transaction(
        self, app, models, world
    ):
        more_events(world, 1)
        commits: list[int] = []

        def committed(name: str, position: int) -> None:
            commits.append(position)
            models.committed(name, position)

        config = RunnerConfig(batch_size=500, poll_interval=0.05, lock_retry=0.02, linger=1.0)
        with Runners([models.projections["audit"]], models.store, models.source, config,
                     committed=committed):
            assert models.wait("audit", head(app), WAIT)
            before = len(commits)
            more_events(world, 2)  # several commands, well within the linger
            assert models.wait("audit", head(app), WAIT)

        assert len(commits) == before + 1 and commits[-1] == head(app)
        assert_view_is_the_fold(models, models.store.ensure(models.projections["audit"]))


class TestARunnerThatCrashesOrStops:
    def test_is_restarted_and_loses_or_repeats_nothing(self, app, models, world):
        rich_history(world)
        middle = head(app) // 2
        projection = recording(models.projections["audit"], "first",
                               crash_at={middle, middle + 1, head(app)})
        config = RunnerConfig(batch_size=7, poll_interval=0.05, lock_retry=0.02,
                              backoff_initial=0.01, backoff_max=0.05,
                              rebuild_changed_shapes=False)

        with Runners([projection], models.store, models.source, config,
                     committed=models.committed) as first:
            assert models.wait("audit", head(app), WAIT)
            assert first.runners["audit"].errors == 3
        stopped_at = models.position("audit")
        more_events(world, 3)
        projection = recording(models.projections["audit"], "second")
        with Runners([projection], models.store, models.source, config,
                     committed=models.committed):
            assert models.wait("audit", head(app), WAIT)

        rows = applied(models, projection)
        assert [r["position"] for r in rows] == [e.position for e in models.source.read(0, 10**6)]
        assert {r["times"] for r in rows} == {1}
        assert {r["position"] for r in rows if r["applier"] == "second"} == set(
            range(stopped_at + 1, head(app) + 1)
        )
        assert_view_is_the_fold(models, models.store.ensure(models.projections["audit"]))


class TestTwoRunnersOfOneProjection:
    def test_never_both_apply_and_the_second_takes_over_when_the_first_stops(
        self, app, models, world
    ):
        a = Runners([recording(models.projections["records"], "a")], models.store,
                    models.source, IN_PLACE, committed=models.committed)
        b = Runners([recording(models.projections["records"], "b")], models.store,
                    models.source, IN_PLACE, committed=models.committed)
        try:
            runner_a, runner_b = a.runners["records"], b.runners["records"]
            holder, other = _holder(runner_a, runner_b)
            rich_history(world)
            assert models.wait("records", head(app), WAIT)
            assert not other.holding.is_set()

            (a if holder is runner_a else b).stop()
            assert other.holding.wait(WAIT)
            more_events(world, 4)
            assert models.wait("records", head(app), WAIT)
        finally:
            a.stop()
            b.stop()

        rows = applied(models, runner_a.projection)
        assert {r["times"] for r in rows} == {1}, "a position was applied twice"
        assert {r["applier"] for r in rows} == {"a", "b"}
        assert_view_is_the_fold(models, models.store.ensure(models.projections["records"]))


def _holder(*runners):
    """The runner that got the lock (the others keep trying)."""
    got = threading.Event()
    for runner in runners:
        threading.Thread(target=lambda r=runner: r.holding.wait(WAIT) and got.set(),
                         daemon=True).start()
    assert got.wait(WAIT)
    holding = [r for r in runners if r.holding.is_set()]
    assert len(holding) == 1
    return holding[0], next(r for r in runners if r is not holding[0])


@pytest.fixture
def pg_app(tmp_path, request) -> Iterator[LianpingApp]:
    application = LianpingApp(make_settings("postgres", tmp_path, request))
    try:
        yield application
    finally:
        application.close()


@pytest.mark.postgres
def test_a_runner_whose_lock_session_dies_steps_back_and_one_runner_goes_on(pg_app):
    """PostgreSQL: the advisory lock lives and dies with its session (SQLite's flock dies with
    the process, which stopping the holder above stands for)."""
    app, models, world = pg_app, read_models(pg_app), World(pg_app)
    handles = [Runners([recording(models.projections["flags"], tag)], models.store,
                       models.source, IN_PLACE, committed=models.committed)
               for tag in ("a", "b")]
    try:
        holder, _ = _holder(*(h.runners["flags"] for h in handles))
        session = next(h for h in handles if h.runners["flags"] is holder).locks
        pid = session._conn.info.backend_pid
        with app.recorder.datastore.get_connection() as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        rich_history(world)
        assert models.wait("flags", head(app), WAIT)
    finally:
        for handle in handles:
            handle.stop()
    assert {r["times"] for r in applied(models, holder.projection)} == {1}
    assert_view_is_the_fold(models, models.store.ensure(models.projections["flags"]))
