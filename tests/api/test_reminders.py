"""Reminders (红黄灯) on SQLite and PostgreSQL: a plan item turning yellow, then red, sends
exactly one e-mail each through a real SMTP conversation; the webhook sender POSTs JSON; a failing
webhook is retried with exponential backoff and shown to the organizer; running twice, or two
processes at once, never sends twice. Contact details are set by the admin, outside the log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from api.cli import main as cli_main
from api.console import paths
from api.main import create_app
from api.reminders.process import Reminders
from application.app import LianpingApp
from application.settings import Settings
from application.store.reminders import reminder_store
from application.usecases import rectification
from projections.runtime import start_projections_in_background
from projections.service import read_models
from tests.api.conftest import TestClient
from tests.api.helpers import CYCLE, Api, error_code
from tests.api.test_console import csrf_of, given_password, sign_in
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)
from tests.e2e.server import poll_until
from tests.mail_support import smtp_server, webhook_server
from tests.projections.conftest import FAST

pytestmark = pytest.mark.usefixtures("runner")
SECRETARY = "sec-county-a"


@pytest.fixture
def runner(app: LianpingApp) -> Iterator[None]:
    handle = start_projections_in_background(app, names=["finding"], config=FAST)
    try:
        yield
    finally:
        handle.stop()


def plan_item_due_in(api: Api, days: int) -> str:
    """county-a's approved plan: item I1 due in ``days`` days (returned), item Z (P2) in a
    year."""
    api.cycle_in("rectifying")
    items = [{"item_id": "I1", "problem_code": "P1", "measure": "措施", "owner": "责任人",
              "due_date": api.due(days)},
             {"item_id": "Z", "problem_code": "P2", "measure": "措施", "owner": "责任人",
              "due_date": api.due(365)}]
    api.world.run(SECRETARY, rectification.submit_plan, CYCLE, "county-a", items)
    api.world.run("organizer", rectification.approve_plan, CYCLE, "county-a")
    return str(items[0]["due_date"])


def contact(api: Api, account_id: str, **fields: str | None) -> None:
    response = api.admin.post(f"/accounts/{account_id}/contact", fields)
    assert response.status_code == 200, response.text


def later(api: Api, monkeypatch: pytest.MonkeyPatch, days: int) -> None:
    day = api.app.today() + timedelta(days=days)
    monkeypatch.setattr(api.app, "today", lambda: day)


def run_once(api: Api, reminders: Reminders) -> dict[str, int]:
    assert read_models(api.app).wait("finding", api.position())
    return reminders.run_once()


def configured(app: LianpingApp, **change: object) -> Settings:
    return app.settings.model_copy(update={"reminder_backoff_seconds": 30, **change})


def outbox(api: Api, who: str = "organizer", **params: object) -> dict:
    response = api.as_(who).get(f"/cycles/{CYCLE}/reminders", params=params)
    assert response.status_code == 200, response.text
    return response.json()


class TestSmtp:
    def test_yellow_then_red_send_exactly_one_mail_each(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        due = plan_item_due_in(api, 5)
        contact(api, SECRETARY, email="yc-sj@example.cn", mobile="13800000000")
        with smtp_server() as box:
            settings = configured(api.app, reminder_sender="smtp", smtp_host="127.0.0.1",
                                  smtp_port=box.port, smtp_sender="lianping@example.cn")
            reminders = Reminders(api.app, settings=settings)

            run_once(api, reminders)
            assert box.mails == []  # green: nothing to say
            later(api, monkeypatch, 2)  # due in 3 days: yellow
            run_once(api, reminders)
            run_once(api, reminders)
            assert len(box.mails) == 1
            later(api, monkeypatch, 6)  # a day past due: red
            run_once(api, reminders)
            run_once(api, Reminders(api.app, settings=settings))  # a restart: still nothing new

        mine = [m for m in box.mails if m[1] == ["yc-sj@example.cn"]]
        assert len(mine) == len(box.mails) == 2
        (sender, _, yellow), (_, _, red) = mine
        assert sender == "lianping@example.cn"
        assert "黄灯" in yellow["Subject"] and "红灯" in red["Subject"]
        assert "报告整改进展" in yellow["Subject"]
        assert due in yellow.get_content() and "已逾期" in red.get_content()
        assert yellow["Message-ID"] != red["Message-ID"]
        delivered = outbox(api, status="delivered")["reminders"]
        assert [(r["account_id"], r["light"], r["item_id"], r["attempts"]) for r in delivered
                if r["account_id"] == SECRETARY] == [
            (SECRETARY, "yellow", "I1", 1), (SECRETARY, "red", "I1", 1)]

    def test_an_account_without_an_address_fails_at_once_and_is_shown(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        plan_item_due_in(api, 1)
        with smtp_server() as box:
            settings = configured(api.app, reminder_sender="smtp", smtp_port=box.port)
            run_once(api, Reminders(api.app, settings=settings))
        assert box.mails == []
        failed = [r for r in outbox(api, status="failed")["reminders"]
                  if r["account_id"] == SECRETARY]
        assert [(r["light"], r["attempts"]) for r in failed] == [("yellow", 1)]
        assert "no e-mail address" in failed[0]["last_error"]


class TestWebhook:
    def test_the_gateway_gets_one_json_post_per_light(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        plan_item_due_in(api, 2)
        contact(api, SECRETARY, mobile="13800000000")
        with webhook_server() as hook:
            settings = configured(api.app, reminder_sender="webhook", webhook_url=hook.url)
            first = run_once(api, Reminders(api.app, settings=settings))
            run_once(api, Reminders(api.app, settings=settings))

        posted = [p["body"] for p in hook.posts if p["body"]["account_id"] == SECRETARY]
        assert len(posted) == 1 and first["enqueued"] >= 1
        assert posted[0]["mobile"] == "13800000000" and posted[0]["light"] == "yellow"
        assert posted[0]["due"] == api.due(2) and "黄灯" in posted[0]["text"]
        assert posted[0]["link"].endswith(paths.item_progress(CYCLE, "county-a", "I1"))
        assert hook.posts[0]["headers"]["Idempotency-Key"]

    def test_a_failing_gateway_is_retried_with_backoff_then_failed_and_shown(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        plan_item_due_in(api, 2)
        contact(api, SECRETARY, mobile="13800000000")
        clock = [api.app.now()]
        monkeypatch.setattr(api.app, "now", lambda: clock[0])
        with webhook_server() as hook:
            hook.status = 500
            settings = configured(api.app, reminder_sender="webhook", webhook_url=hook.url,
                                  reminder_max_attempts=3)
            reminders = Reminders(api.app, settings=settings)

            def sent() -> int:
                return sum(1 for p in hook.posts if p["body"]["account_id"] == SECRETARY)

            def mine() -> dict:
                return next(r for r in outbox(api)["reminders"] if r["account_id"] == SECRETARY)

            run_once(api, reminders)
            first = mine()
            run_once(api, reminders)  # not yet due again
            assert (sent(), first["status"], first["attempts"]) == (1, "pending", 1)
            assert "500" in first["last_error"]
            clock[0] += timedelta(seconds=31)  # the first backoff: 30 s
            run_once(api, reminders)
            second = mine()
            assert (sent(), second["attempts"]) == (2, 2)
            assert second["next_attempt_at"] >= (clock[0] + timedelta(seconds=60)).isoformat()
            clock[0] += timedelta(seconds=45)  # less than the doubled backoff
            run_once(api, reminders)
            assert sent() == 2
            clock[0] += timedelta(seconds=20)
            run_once(api, reminders)
            clock[0] += timedelta(hours=2)
            run_once(api, reminders)  # failed for good: no fourth attempt

        assert sent() == 3
        body = outbox(api)
        failed = [r for r in body["reminders"] if r["account_id"] == SECRETARY]
        assert [(r["status"], r["attempts"]) for r in failed] == [("failed", 3)]
        assert body["counts"]["failed"] >= 1
        assert outbox(api, "inspector")["counts"] == body["counts"]
        refused = api.as_(SECRETARY).get(f"/cycles/{CYCLE}/reminders")
        assert refused.status_code == 403


def test_two_processes_at_once_enqueue_and_send_each_reminder_once(
    api: Api, app: LianpingApp
):
    plan_item_due_in(api, 0)
    contact(api, SECRETARY, mobile="13800000000")
    with webhook_server() as hook:
        settings = configured(app, reminder_sender="webhook", webhook_url=hook.url)
        other = LianpingApp(app.settings)  # a second process: its own pool and connections
        try:
            assert read_models(app).wait("finding", api.position())
            one, two = Reminders(app, settings=settings), Reminders(other, settings=settings)
            assert one.evaluate() >= 1
            assert two.evaluate() == 0
            results = [one.deliver(), two.deliver()]
        finally:
            other.close()
    assert sum(r["delivered"] for r in results) == len(hook.posts) >= 1
    keys = [p["body"]["key"] for p in hook.posts]
    assert len(keys) == len(set(keys))


def test_the_run_once_command_logs_by_default(
    api: Api, app: LianpingApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    plan_item_due_in(api, 1)
    assert read_models(app).wait("finding", api.position())
    for name, value in app.settings.model_dump().items():
        if value is not None and name in ("database_url", "postgres_schema", "timezone"):
            monkeypatch.setenv(f"LIANPING_{name.upper()}", str(value))
    monkeypatch.setenv("LIANPING_AGGREGATE_CACHE_SIZE", "0")

    assert cli_main(["reminders", "run-once"]) == 0
    first = capsys.readouterr().out
    assert cli_main(["reminders", "run-once"]) == 0
    second = capsys.readouterr().out

    assert '"enqueued": ' in first and '"delivered": ' in first
    assert '"enqueued": 0' in second and '"delivered": 0' in second
    logged = outbox(api, status="delivered")["reminders"]
    assert any(r["account_id"] == SECRETARY and r["light"] == "yellow" for r in logged)


class TestContacts:
    def test_the_admin_sets_and_clears_contact_details_outside_the_log(self, api: Api):
        api.world  # noqa: B018
        before = api.position()
        contact(api, SECRETARY, email="yc-sj@example.cn", mobile="+86 138-0000-0000")
        shown = api.admin.get(f"/accounts/{SECRETARY}/contact").json()
        contact(api, SECRETARY, email=None, mobile="")
        cleared = api.admin.get(f"/accounts/{SECRETARY}/contact").json()

        assert shown == {"account_id": SECRETARY, "email": "yc-sj@example.cn",
                         "mobile": "+86 138-0000-0000"}
        assert cleared == {"account_id": SECRETARY, "email": None, "mobile": None}
        assert api.position() == before  # never an event: personal data stays out of the log

    def test_bad_values_others_and_unknown_accounts_are_refused(self, api: Api):
        api.world  # noqa: B018
        bad = api.admin.post(f"/accounts/{SECRETARY}/contact", {"email": "not-an-address"})
        phone = api.admin.post(f"/accounts/{SECRETARY}/contact", {"mobile": "call me"})
        other = api.as_("organizer").post(f"/accounts/{SECRETARY}/contact", {"email": "a@b.cn"})
        peek = api.as_(SECRETARY).get(f"/accounts/{SECRETARY}/contact")
        unknown = api.admin.post("/accounts/nobody/contact", {"email": "a@b.cn"})
        extra = api.admin.post(f"/accounts/{SECRETARY}/contact", {"fax": "1"})

        assert (bad.status_code, error_code(bad)) == (422, "invalid_contact")
        assert (phone.status_code, error_code(phone)) == (422, "invalid_contact")
        assert other.status_code == 403 and peek.status_code == 403
        assert unknown.status_code == 404 and extra.status_code == 422


@pytest.mark.usefixtures("cheap_hashes")
def test_the_cycle_page_tells_the_organizer_of_failed_reminders(api: Api):
    plan_item_due_in(api, 1)
    with smtp_server() as box:
        settings = configured(api.app, reminder_sender="smtp", smtp_port=box.port)
        run_once(api, Reminders(api.app, settings=settings))
    api.client.cookies.clear()
    given_password(api, "organizer")
    sign_in(api.client, "organizer")

    page = api.client.get(paths.cycle(CYCLE))

    assert page.status_code == 200
    assert "提醒发送失败" in page.text and paths.reminders(CYCLE) in page.text


@pytest.mark.usefixtures("cheap_hashes")
class TestConsole:
    def test_the_admin_sets_contact_details_on_the_account_page(self, api: Api):
        api.world  # noqa: B018
        api.client.cookies.clear()
        given_password(api, "admin")
        sign_in(api.client, "admin")
        here = paths.admin_account(SECRETARY)
        page = api.client.get(here)
        assert page.status_code == 200 and "提醒联系方式" in page.text

        saved = api.client.post(here, data={
            "csrf_token": csrf_of(page.text), "action": "contact",
            "email": "yc-sj@example.cn", "mobile": "13800000000"}, follow_redirects=False)
        refused = api.client.post(here, data={
            "csrf_token": csrf_of(page.text), "action": "contact", "email": "nope",
            "mobile": ""}, follow_redirects=False)

        assert saved.status_code == 303
        assert 'value="yc-sj@example.cn"' in api.client.get(here).text
        assert refused.status_code == 422 and "联系方式格式不正确" in refused.text
        assert api.admin.get(f"/accounts/{SECRETARY}/contact").json()["email"] == \
            "yc-sj@example.cn"

    def test_the_reminders_page_lists_failed_ones_with_their_error(self, api: Api):
        plan_item_due_in(api, 1)
        with smtp_server() as box:
            settings = configured(api.app, reminder_sender="smtp", smtp_port=box.port)
            run_once(api, Reminders(api.app, settings=settings))
        api.client.cookies.clear()
        given_password(api, "organizer")
        sign_in(api.client, "organizer")

        page = api.client.get(paths.reminders(CYCLE))
        api.client.cookies.clear()
        given_password(api, SECRETARY)
        sign_in(api.client, SECRETARY)
        refused = api.client.get(paths.reminders(CYCLE))

        assert page.status_code == 200
        assert "发送失败" in page.text and "no e-mail address" in page.text
        assert 'data-light="yellow"' in page.text
        assert refused.status_code == 403


def test_the_served_app_runs_the_reminders_beside_its_read_models(api: Api, app: LianpingApp):
    plan_item_due_in(api, 1)
    settings = configured(app, reminder_interval_seconds=0.05, checkpoint_interval_seconds=0)
    store = reminder_store(app.recorder)

    with TestClient(create_app(settings)):  # owns its application: runners and reminders
        assert poll_until(lambda: store.counts(CYCLE)["delivered"] >= 1, 20.0)

    logged = outbox(api, status="delivered")["reminders"]
    assert (SECRETARY, "yellow") in {(r["account_id"], r["light"]) for r in logged}
