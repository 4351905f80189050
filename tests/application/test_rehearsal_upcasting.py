"""Old events stay readable: `Cycle.Created` is at class_version 2 (it records `rehearsal`);
cycles created by version 1 of the code, without that field, read as real cycles — by the
repository, the read models (records, the cycle list) and the audit trail, on both stores."""

from __future__ import annotations

import json

from eventsourcing.persistence import StoredEvent

from application.app import LianpingApp
from application.usecases.audit import get_aggregate_history
from domain import ids
from domain.cycle import Cycle
from projections import finding, records
from projections.rebuild import rebuild_read_models
from projections.service import read_models
from tests.application.world import ADMIN, World

OLD = "city-2024"


def given_a_cycle_created_by_version_1(app: LianpingApp) -> int:
    """The state today's code stores for a cycle, as version 1 wrote it: no class_version, no
    rehearsal."""
    world = World(app)
    world.cycle("city-2026", 2026)
    stored = app.recorder.select_notifications(start=1, limit=10_000)
    today = json.loads(next(n for n in stored if n.topic == "lianping:Cycle.Created").state)
    assert (today["class_version"], today["rehearsal"]) == (2, False)
    old = {k: v for k, v in today.items() if k not in ("class_version", "rehearsal")}
    old.update({"cycle_id": OLD, "year": 2024, "title": "2024年度述职评议"})
    positions = app.recorder.insert_events([StoredEvent(
        originator_id=ids.cycle_id(OLD), originator_version=1, topic="lianping:Cycle.Created",
        state=json.dumps(old, ensure_ascii=False).encode())])
    assert positions
    return positions[-1]


def test_is_read_as_a_real_cycle_by_the_repository_and_the_audit_trail(app: LianpingApp):
    position = given_a_cycle_created_by_version_1(app)
    other = LianpingApp(app.settings)  # another process: nothing cached
    try:
        cycle = other.repository.get(ids.cycle_id(OLD))
        assert isinstance(cycle, Cycle)
        assert (cycle.cycle_id, cycle.rehearsal, cycle.rehearsal_ended) == (OLD, False, None)
    finally:
        other.close()
    history = get_aggregate_history(app, ADMIN, str(ids.cycle_id(OLD)), None, None)
    assert history["events"][0]["position"] == position
    assert history["events"][0]["data"]["rehearsal"] is False


def test_is_folded_as_a_real_cycle_by_todays_read_models(app: LianpingApp):
    given_a_cycle_created_by_version_1(app)
    models = read_models(app)
    rebuild_read_models(models)

    listed = models.store.ensure(models.projections[finding.NAME]).dump(finding.CYCLES)
    recorded = models.store.ensure(models.projections[records.NAME]).dump(records.CYCLES)

    assert {row["cycle_id"]: row["rehearsal"] for row in listed} == {OLD: 0, "city-2026": 0}
    assert {row["cycle_id"] for row in recorded} == {OLD, "city-2026"}
