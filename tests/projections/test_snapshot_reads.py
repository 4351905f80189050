"""A read of a read model sees one snapshot (its position and its rows agree, whatever commits
meanwhile), and the connection it used goes back to the pool as it was lent: writes after many
reads still work."""

from __future__ import annotations

from tests.projections.conftest import catch_up
from tests.projections.scripts import new_cycle


def test_a_read_sees_one_snapshot_while_the_view_moves_on(app, models, world):
    new_cycle(world, "c1", 2026, None)
    projection = models.projections["audit"]
    view = models.store.ensure(projection)
    catch_up(models, view)
    count = f"SELECT COUNT(*) AS n FROM {view.tables['events']}"

    with models.store.read(projection) as r:
        position, [rows] = r.position, r.fetch(count)
        new_cycle(world, "c2", 2027, None)
        assert catch_up(models, view) > position  # committed on another connection

        assert r.fetch(count) == [rows]

    with models.store.read(projection) as r:
        assert r.position > position and r.fetch(count)[0]["n"] > rows["n"]


def test_connections_go_back_to_the_pool_writable(app, models, world):
    projection = models.projections["flags"]
    for _ in range(3 * (app.settings.pool_size + app.settings.max_overflow)):
        with models.store.read(projection) as r:
            r.fetch(f"SELECT COUNT(*) AS n FROM {r.table(projection.tables[0])}")

    new_cycle(world, "c1", 2026, None)  # writes through the same pool
    catch_up(models, models.store.ensure(projection))
