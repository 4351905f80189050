"""Exactly once over HTTP without an Idempotency-Key: the real server's connection to PostgreSQL
drops right after PostgreSQL committed a write and before its reply arrived (a proxy in between
swallows the reply). Each write is recorded once and answered as its first decision: the same
status, body, ETag and X-Event-Position, and no Idempotent-Replayed header."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from application.app import LianpingApp
from application.settings import Settings
from application.usecases import cycles, participants, rectification
from tests.application.scenario import event_types_since, position
from tests.application.world import World
from tests.conftest import POSTGRES_URL, fresh_postgres_schema
from tests.e2e.proxy import CuttableProxy
from tests.e2e.server import bootstrap_admin, lianping_env, running_server

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

PROBLEMS = [{"code": "P1", "description": "后进村整顿不力"}]


def plan(app: LianpingApp, days: int) -> list[dict[str, str]]:
    due = (app.today() + timedelta(days=days)).isoformat()
    return [{"item_id": "I1", "problem_code": "P1", "measure": "措施", "owner": "张三",
             "due_date": due}]


def seed(app: LianpingApp) -> None:
    """c1 (2026) rectifying: county-a's plan returned, county-b's approved; c2 (2027) reporting,
    every report in but county-a's."""
    world = World(app)
    world.cycle("c1", 2026)
    world.reviewing("c1")
    world.run("organizer", cycles.finalize, "c1")
    for county in ("county-a", "county-b"):
        world.run("organizer", participants.issue_feedback, "c1", county, "书面反馈", PROBLEMS)
    world.advance("c1", "rectifying")
    for county in ("county-a", "county-b"):
        world.run(f"sec-{county}", rectification.submit_plan, "c1", county, plan(app, 30))
    world.run("organizer", rectification.return_plan, "c1", "county-a", "措施不具体")
    world.run("organizer", rectification.approve_plan, "c1", "county-b")
    world.cycle("c2", 2027, previous="c1")
    world.advance("c2", "reporting")
    for county in ("county-b", "county-c"):
        world.report("c2", county)


@dataclass
class Setup:
    app: LianpingApp  # on the same schema, directly: to count what was recorded
    proxy: CuttableProxy
    clients: dict[str, httpx.Client]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    folder: Path = tmp_path_factory.mktemp("uncertain-commit")
    proxy = CuttableProxy(("127.0.0.1", 5432))
    with fresh_postgres_schema() as schema:
        env = lianping_env(f"postgresql://postgres@127.0.0.1:{proxy.port}/test", folder, schema)
        admin_token = bootstrap_admin(env)
        app = LianpingApp(Settings(
            database_url=POSTGRES_URL, postgres_schema=schema,
            signing_key_file=env["LIANPING_SIGNING_KEY_FILE"], pool_size=2,
        ))
        seed(app)
        with running_server(env) as base:
            admin = httpx.Client(
                base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {admin_token}"},
                timeout=30,
            )
            clients = {"admin": admin}
            for who in ("organizer", "inspector", "reviewer-1", "sec-county-a", "sec-county-b"):
                issued = admin.post(f"/accounts/{who}/tokens", json={"expires_in_days": 1})
                assert issued.status_code == 201, issued.text
                clients[who] = httpx.Client(
                    base_url=f"{base}/api/v1", timeout=30,
                    headers={"Authorization": f"Bearer {issued.json()['token']}"},
                )
            yield Setup(app, proxy, clients)
            for client in clients.values():
                client.close()
        app.close()
    proxy.cut()


def when_the_commit_reply_is_lost(
    setup: Setup, who: str, path: str, body: dict, status: int, recorded: str
) -> httpx.Response:
    before = position(setup.app)
    setup.proxy.cut_after_commit(lambda sql: "_append" in sql)
    response = setup.clients[who].post(path, json=body)
    assert response.status_code == status, response.text
    assert setup.proxy.commit_cut.is_set(), "the proxy never saw the write's commit"
    assert event_types_since(setup.app, before) == [recorded]
    assert response.headers["X-Event-Position"] == str(position(setup.app))
    assert "Idempotent-Replayed" not in response.headers
    return response


def test_a_report_submission_is_recorded_once(setup):
    response = when_the_commit_reply_is_lost(
        setup, "sec-county-a", "/cycles/c2/participants/county-a/report",
        {"title": "述职报告", "achievements": "成效", "problems": "问题", "plans": "打算"},
        201, "Report.Submitted",
    )
    assert response.json() == {"version": 1}
    assert response.headers["ETag"] == '"1"'


def test_a_first_rating_answers_201_and_is_recorded_once(setup):
    advanced = setup.clients["organizer"].post("/cycles/c2/advance", json={"to": "reviewing"})
    assert advanced.status_code == 200, advanced.text
    response = when_the_commit_reply_is_lost(
        setup, "reviewer-1", "/cycles/c2/participants/county-a/reviews",
        {"rating": "好", "comment": "认真"}, 201, "Rating.Recorded",
    )
    assert response.json()["rating"] == "good"
    assert response.headers["ETag"] == '"1"'


def test_a_plan_resubmission_is_recorded_once(setup):
    response = when_the_commit_reply_is_lost(
        setup, "sec-county-a", "/cycles/c1/participants/county-a/rectification/plan",
        {"items": plan(setup.app, 60)}, 201, "RectificationPlan.Resubmitted",
    )
    assert response.json()["version"] == 2


def test_a_progress_report_is_recorded_once(setup):
    response = when_the_commit_reply_is_lost(
        setup, "sec-county-b", "/cycles/c1/participants/county-b/rectification/items/I1/progress",
        {"note": "已整顿", "percent": 50}, 200, "RectificationPlan.ProgressReported",
    )
    assert response.json()["item"]["status"] == "in_progress"


def test_a_note_is_recorded_once(setup):
    subject = position(setup.app)
    response = when_the_commit_reply_is_lost(
        setup, "inspector", "/audit/notes", {"subject_position": subject, "note": "此处需核实"},
        201, "InspectionNote.Recorded",
    )
    assert response.json()["subject_position"] == subject
