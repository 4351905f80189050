"""DOMAIN.md's worked example, end to end through the use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from application.usecases import cycles
from tests.application.world import World, worked_example


def test_finalizing_the_worked_example_gives_exactly_its_table(app):
    world = World(app)
    cycle_id = worked_example(world)

    results = world.run("organizer", cycles.finalize, cycle_id).body["results"]

    table = [
        (
            r["org_code"],
            r["review_score"],
            r["satisfaction"],
            r["indicator_score"],
            r["rectification_score"],
            r["total"],
            r["grade"],
            r["rank"],
        )
        for r in results
    ]
    assert table == [
        ("county-b", "88.00", "0.9000", "92.00", "100.00", "92.00", "good", 1),
        ("county-a", "96.00", "1.0000", "91.00", "80.00", "90.80", "good", 2),
        ("county-c", "74.00", "0.7000", "82.50", None, "78.25", "average", 3),
    ]
    assert [r["ratings"] for r in results][0] == {
        "good": 5,
        "fairly_good": 4,
        "average": 1,
        "poor": 0,
    }
    assert [r["talk_required"] for r in results] == [False, False, True]  # 一般 → 约谈
