"""Old events stay readable: `Rating.Amended` is at class_version 2 (it records the grade it
replaces); amendments stored by version 1 of the code, without that field, are upcast as they are
read, by the repository, the read models, the audit trail and the exports, on both stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent

from application.app import LianpingApp
from application.settings import Settings
from application.store.chain import verify_recorder
from application.usecases import participants
from application.usecases.audit import get_aggregate_history
from application.usecases.exports import decoded_fields, export_lines
from application.usecases.integrity import chain_rows
from application.usecases.restore import restore_file
from domain import ids
from domain.rating import Rating
from projections import audit, flags
from projections.rebuild import rebuild_read_models
from projections.service import read_models
from tests.application.world import ADMIN, World

CYCLE = "city-2026"


def v1_amendment(recorded_at: str) -> bytes:
    """A `Rating.Amended` exactly as version 1 of the code stored it: no previous_rating, no
    class_version (the library writes class_version only from 2 on)."""
    return (
        '{"timestamp":{"_type_":"datetime_iso","_data_":"' + recorded_at + '"},'
        '"rating":"fairly_good","comment":"补充材料后调整","reason":"复核后修改",'
        '"actor":"reviewer-1"}'
    ).encode()


def given_a_rating_amended_by_version_1(app: LianpingApp) -> tuple[World, int]:
    world = World(app)
    world.cycle(CYCLE, 2026)
    world.reviewing(CYCLE)
    world.run("reviewer-1", participants.rate, CYCLE, "county-a", "good", None, None)
    recorded_at = app.now().isoformat()
    positions = app.recorder.insert_events([  # as the old code's save would have, chained
        StoredEvent(
            originator_id=ids.rating_id(CYCLE, "county-a", "reviewer-1"),
            originator_version=2,
            topic="lianping:Rating.Amended",
            state=v1_amendment(recorded_at),
        )
    ])
    assert positions
    return world, positions[-1]


def stored_state(app: LianpingApp, position: int) -> dict[str, Any]:
    notification = app.recorder.select_notifications(start=position, limit=1)[0]
    return json.loads(notification.state)


class TestAnAmendmentStoredByVersion1:
    def test_is_read_by_todays_repository(self, app: LianpingApp) -> None:
        given_a_rating_amended_by_version_1(app)
        other = LianpingApp(app.settings)  # another process: nothing cached
        try:
            rating_id = ids.rating_id(CYCLE, "county-a", "reviewer-1")
            rating = other.repository.get(rating_id)
            assert isinstance(rating, Rating)
            assert (rating.version, rating.rating, rating.comment, rating.reason) == (
                2, "fairly_good", "补充材料后调整", "复核后修改")
            amended = list(other.events.get(rating_id))[1]
            assert isinstance(amended, Rating.Amended)
            assert amended.previous_rating is None
            assert amended.actor == "reviewer-1"
        finally:
            other.close()

    def test_shows_in_the_audit_trail_and_the_export_upcast(self, app: LianpingApp) -> None:
        _, position = given_a_rating_amended_by_version_1(app)
        rating_id = ids.rating_id(CYCLE, "county-a", "reviewer-1")

        history = get_aggregate_history(app, ADMIN, str(rating_id), None, None)

        event = history["events"][1]
        assert (event["position"], event["type"], event["actor"], event["reason"]) == (
            position, "lianping:Rating.Amended", "reviewer-1", "复核后修改")
        assert event["data"] == {"rating": "fairly_good", "comment": "补充材料后调整",
                                 "reason": "复核后修改", "actor": "reviewer-1",
                                 "previous_rating": None}
        assert history["state"]["rating"] == "fairly_good"
        row = app.recorder.chain_rows(after=position - 1, limit=1)[0]
        assert decoded_fields(app, row)["data"]["previous_rating"] is None
        assert verify_recorder(app.recorder).ok 

    def test_is_folded_by_todays_read_models(self, app: LianpingApp) -> None:
        _, position = given_a_rating_amended_by_version_1(app)
        models = read_models(app)
        rebuild_read_models(models)

        trail = models.store.ensure(models.projections[audit.NAME]).dump(audit.EVENTS)
        row = next(r for r in trail if r["position"] == position)
        assert (row["type"], row["actor"], row["reason"]) == (
            "lianping:Rating.Amended", "reviewer-1", "复核后修改")
        assert json.loads(row["data"])["previous_rating"] is None
        raised = models.store.ensure(models.projections[flags.NAME]).dump(flags.FLAGS)
        assert [(f["position"], f["kind"]) for f in raised if f["position"] == position] == [
            (position, "amendment")]

    def test_is_followed_by_a_version_2_amendment_that_names_the_grade_it_replaces(
        self, app: LianpingApp
    ) -> None:
        world, old = given_a_rating_amended_by_version_1(app)

        outcome = world.run("reviewer-1", participants.rate, CYCLE, "county-a", "average",
                            None, "再次复核")

        assert stored_state(app, old).get("class_version") is None  # stored bytes never change
        new = stored_state(app, outcome.position)
        assert (new["class_version"], new["previous_rating"], new["rating"]) == (
            2, "fairly_good", "average")
        assert verify_recorder(app.recorder).ok 

    def test_restores_from_a_backup_made_by_version_1(
        self, app: LianpingApp, tmp_path: Path
    ) -> None:
        """Version 1 exported the amendment's data without previous_rating: today's decoding
        differs, and the backup still restores, byte for byte."""
        _, position = given_a_rating_amended_by_version_1(app)
        lines = list(export_lines(app))
        for n, line in enumerate(lines):
            row = json.loads(line)
            if row.get("position") == position:
                del row["data"]["previous_rating"]
                lines[n] = json.dumps(row, ensure_ascii=False)
        backup = tmp_path / "backup.jsonl"
        backup.write_text("\n".join(lines) + "\n", encoding="utf-8")
        target = Settings(database_url=f"sqlite:///{tmp_path / 'restored.db'}",
                          signing_key_file=app.settings.signing_key_file)

        restored = restore_file(target, str(backup))

        assert restored.position == position
        again = LianpingApp(target)
        try:
            assert list(chain_rows(again.recorder)) == list(chain_rows(app.recorder))
        finally:
            again.close()
