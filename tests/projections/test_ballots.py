"""Read models with ballots in the log: every view equals its fold and a rebuild gives the same
tables; the flags show a voided batch (ballots_voided) with its reason."""

from __future__ import annotations

from application.app import Request
from application.usecases import ballots, cycles, participants
from application.usecases.ballots import PaperSheet
from domain.scheme import DEFAULT_SCHEME
from projections import flags
from projections.rebuild import rebuild_read_model
from projections.registry import NAMES
from tests.projections.conftest import assert_view_is_the_fold, catch_up, head, tables_of

CATEGORIES = [{"code": "committee", "name": "市委委员", "weight": "0.6"},
              {"code": "public", "name": "群众代表", "weight": "0.4"}]


def meeting(world) -> str:
    scheme = {**DEFAULT_SCHEME.to_dict(), "ballot_categories": CATEGORIES}
    world.run("organizer", cycles.create_cycle, "city", "county", 2026, "测评", cycle_id="m",
              scheme=scheme)
    for county in ("county-a", "county-b", "county-c"):
        world.run("organizer", cycles.add_participant, "m", county)
    world.run("organizer", cycles.add_panel_member, "m", "reviewer-1", "committee")
    world.reviewing("m")
    world.run("reviewer-1", participants.rate, "m", "county-a", "good", None, None)
    codes = world.run("organizer", ballots.issue_ballots, "m", "public", 3).body["codes"]
    for code in codes[:2]:
        world.app.execute(Request(ballots.BALLOT_PRINCIPAL), ballots.cast_ballot, code,
                          {"county-a": "average", "county-b": "good"})
    paper = PaperSheet({"B": "county-a"}, 2, [(3, {"B": "差"}), (4, {"B": "好"})])
    batch = world.run("organizer", ballots.import_paper, "m", "public", paper, False)
    world.run("organizer", ballots.void_batch, "m", batch.body["batch_id"], "录入重复")
    return "m"


class TestReadModelsWithBallots:
    def test_views_equal_their_folds_and_rebuilds(self, app, world, models):
        meeting(world)
        for name in NAMES:
            view = models.store.ensure(models.projections[name])
            catch_up(models, view, batch_size=13)
            assert_view_is_the_fold(models, view)
            before = tables_of(view)
            result = rebuild_read_model(models, name, batch_size=9)
            assert result["position"] == head(app)
            assert tables_of(models.store.ensure(models.projections[name])) == before

    def test_flags_show_the_voided_batch(self, app, world, models):
        meeting(world)
        view = models.store.ensure(models.projections[flags.NAME])
        catch_up(models, view)
        with models.read(flags.NAME) as reader:
            found = flags.cycle_flags(reader, "m", app.today(), app.tz)["flags"]
        assert [(f["kind"], f["actor"], f["reason"]) for f in found] == [
            ("ballots_voided", "organizer", "录入重复")]
