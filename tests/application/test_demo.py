"""The demo city seeds once, through the use cases, into an ordinary verifiable log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.app import Request
from application.demo import SYSTEM, demo_tokens, seed_demo
from application.store.chain import verify_recorder
from application.usecases import directory
from application.usecases.standings import get_standings
from projections import finding, rectification, tasks
from projections.runtime import start_projections_in_background
from projections.service import read_models
from tests.projections.conftest import FAST


def test_the_demo_city_is_seeded_once_with_working_tokens(app):
    tokens = seed_demo(app)

    assert tokens is not None and set(tokens) == {"jz-zzb", "jz-jw", "jz-yc-sj", "jz-pw01"}
    assert seed_demo(app) is None
    organizer = directory.authenticate(app, tokens["jz-zzb"])
    previous = get_standings(app, Request(organizer), "jz-2025", None)
    current = get_standings(app, Request(organizer), "jz-2026", None)
    assert (previous["provisional"], current["provisional"]) == (False, True)
    assert len(previous["rows"]) == len(current["rows"]) == 11
    assert verify_recorder(app.recorder).ok
    assert SYSTEM.is_admin


def test_the_previous_year_has_overdue_items_and_every_role_has_tasks(app):
    seed_demo(app)
    handle = start_projections_in_background(app, config=FAST)
    try:
        models = read_models(app)
        head = app.recorder.max_notification_id() or 0
        assert all(models.wait(name, head, 30) for name in (finding.NAME, rectification.NAME))
        with models.read(rectification.NAME) as view:
            items = rectification.board(view, "jz-2025", app.today())["items"]
        with models.read(finding.NAME) as view:
            todo = {account: {t["kind"] for t in tasks.tasks(
                        view, directory.authenticate(app, token), app.today(), app.tz)["tasks"]}
                    for account, token in demo_tokens(app).items()}
    finally:
        handle.stop()

    yc = {i["item_id"]: (i["status"], i["overdue"]) for i in items if i["org_code"] == "jz-yc"}
    assert yc == {"P1-1": ("planned", True), "P2-1": ("claimed", True),
                  "P3-1": ("verified", False)}
    assert any(i["overdue"] for i in items if i["org_code"] != "jz-yc")
    assert not any(i["overdue"] for i in items if i["problem_code"] == "P3")  # due next year
    assert todo["jz-zzb"] >= {"score", "verify_item"}
    assert todo["jz-yc-sj"] >= {"resubmit_report", "report_progress"}
    assert "rate" in todo["jz-pw01"] and "rate" in todo["jz-jw"]
    assert app.now() - datetime.now(UTC) < timedelta(seconds=5)  # the wall clock again
