"""The 大屏 hall screen through HTTP, on SQLite and PostgreSQL: 回收率 per ballot category and
the panel's ratings recorded / expected; the tally hidden until the organizer reveals it (one
recorded event, in the audit trail); read-only screen links (a key shown once, never in the log,
nothing once revoked); who may see and do what; the console's page and its data."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from api.console import paths
from api.console.ballot import RedactBallotCodes
from tests.api.ballot_meeting import CYCLE, Meeting
from tests.api.helpers import Api, error_code, read
from tests.api.test_console import csrf_of, given_password, main_text, sign_in
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.usefixtures("runners", "cheap_hashes"),
    pytest.mark.read_models("finding", "audit"),
]
SCREEN = f"/cycles/{CYCLE}/screen"


def screen(api: Api, who: str = "organizer") -> dict[str, Any]:
    response = read(api, who, SCREEN)
    assert response.status_code == 200, response.text
    return dict(response.json())


def events_of(api: Api, name: str) -> list[Any]:
    return [n for n in api.app.recorder.select_notifications(start=1, limit=100000)
            if n.topic == f"lianping:HallScreen.{name}"]


class TestTheFigures:
    def test_returns_per_category_and_panel_progress_move_with_the_vote(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        batch = meeting.issue("department", 4)
        voided = meeting.issue("department", 2)
        empty = screen(api)

        assert meeting.cast(batch["codes"][0], {"county-a": "good"}).status_code == 201
        assert meeting.cast(voided["codes"][0], {"county-a": "poor"}).status_code == 201
        meeting.ok(meeting.organizer, f"/cycles/{CYCLE}/ballots/{voided['batch_id']}/void",
                   {"reason": "发放有误"})
        meeting.ok(api.as_("reviewer-1"), f"/cycles/{CYCLE}/participants/county-a/reviews",
                   {"rating": "good"})
        moved = screen(api)

        department = {c["code"]: c for c in empty["categories"]}["department"]
        assert (department["issued"], department["cast"], department["rate"]) == (6, 0, "0.0000")
        assert [(c["code"], c["name"], c["issued"], c["cast"], c["rate"])
                for c in moved["categories"]] == [
            ("committee", "市委委员", 0, 0, None),
            ("department", "部门负责人", 4, 1, "0.2500"),
            ("delegate", "党代表和群众代表", 0, 0, None)]
        assert moved["ballots"] == {"issued": 4, "cast": 1, "rate": "0.2500"}
        assert [(p["org_code"], p["reported"], p["panel"]) for p in moved["participants"]] == [
            ("county-a", True, {"recorded": 1, "expected": 4}),
            ("county-b", True, {"recorded": 0, "expected": 4}),
            ("county-c", False, {"recorded": 0, "expected": 4})]
        assert moved["panel"] == {"recorded": 1, "expected": 12}
        assert (moved["phase"], moved["revealed"], moved["tally"]) == ("reviewing", False, None)

    def test_each_poll_counts_the_casts_since_and_reads_only_ballots_not_seen_cast(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        meeting = Meeting(api).prepare().to_reviewing()
        codes = meeting.issue("department", 3)["codes"]
        asked: list[int] = []
        having_event = api.app.having_event

        def counted(ids: Any, topic: str) -> set[Any]:
            wanted = list(ids)
            asked.append(len(wanted))
            return having_event(wanted, topic)

        monkeypatch.setattr(api.app, "having_event", counted)
        casts = [screen(api)["ballots"]["cast"]]
        for code in codes[:2]:
            assert meeting.cast(code, {"county-a": "good"}).status_code == 201
            casts.append(screen(api)["ballots"]["cast"])
        batches = read(api, "organizer", f"/cycles/{CYCLE}/ballots").json()["batches"]

        assert casts == [0, 1, 2]
        assert [b["cast"] for b in batches] == [2]
        assert asked == [3, 3, 2, 1]  # the batches' list: the one ballot still unused


class TestRevealing:
    def test_the_tally_is_hidden_until_revealed_once_then_counts_only(self, api: Api):
        meeting = Meeting(api)
        meeting.the_worked_example()
        before = screen(api)
        inspector_before = screen(api, "inspector")

        revealed = meeting.organizer.post(f"/cycles/{CYCLE}/tally-reveal")
        again = meeting.organizer.post(f"/cycles/{CYCLE}/tally-reveal")
        after = screen(api)
        trail = read(api, "inspector", "/audit/events", cycle_id=CYCLE).json()["events"]

        assert before["revealed"] is False and before["tally"] is None
        assert inspector_before["tally"] is None
        assert revealed.status_code == 200, revealed.text
        assert revealed.json()["revealed"] is True and revealed.json()["revealed_at"]
        assert (again.status_code, error_code(again)) == (409, "tally_revealed")
        assert len(events_of(api, "TallyRevealed")) == 1
        assert after["revealed"] is True and after["revealed_at"]
        assert after["tally"][0] == {"org_code": "county-a", "org_name": "甲县", "good": 18,
                                     "fairly_good": 12, "average": 4, "poor": 0}
        assert [t["org_code"] for t in after["tally"]] == ["county-a", "county-b", "county-c"]
        assert sum(after["tally"][1][g] for g in ("good", "fairly_good", "average", "poor")) == 0
        shown = [(e["type"], e["actor"]) for e in trail if "HallScreen" in e["type"]]
        assert ("lianping:HallScreen.TallyRevealed", "organizer") in shown
        # counts only: no rater, no code, no ballot id anywhere on the screen
        text = str(after)
        assert not any(f"reviewer-{n}" in text for n in range(1, 5))

    def test_before_the_vote_or_by_anyone_but_the_organizer_it_is_refused(self, api: Api):
        meeting = Meeting(api).prepare()
        early = meeting.organizer.post(f"/cycles/{CYCLE}/tally-reveal")
        meeting.to_reviewing()
        position = api.position()
        by_inspector = api.as_("inspector").post(f"/cycles/{CYCLE}/tally-reveal")
        by_secretary = api.as_("sec-county-a").post(f"/cycles/{CYCLE}/tally-reveal")
        unknown = meeting.organizer.post("/cycles/nope/tally-reveal")

        assert (early.status_code, error_code(early)) == (409, "wrong_phase")
        assert (by_inspector.status_code, error_code(by_inspector)) == (403, "organizer_required")
        assert (by_secretary.status_code, error_code(by_secretary)) == (403, "organizer_required")
        assert (unknown.status_code, error_code(unknown)) == (404, "unknown_cycle")
        assert api.position() == position
        assert events_of(api, "TallyRevealed") == []


class TestWhoSees:
    def test_the_organizer_and_inspectors_over_it_only(self, api: Api):
        Meeting(api).prepare().to_reviewing()
        secretary = read(api, "sec-county-a", SCREEN)
        reviewer = read(api, "reviewer-1", SCREEN)
        anonymous = api.anonymous.get(SCREEN)

        assert screen(api, "inspector")["cycle_id"] == CYCLE
        assert screen(api, "admin")["cycle_id"] == CYCLE
        assert (secretary.status_code, error_code(secretary)) == (403, "organizer_or_inspector")
        assert (reviewer.status_code, error_code(reviewer)) == (403, "organizer_or_inspector")
        assert (anonymous.status_code, error_code(anonymous)) == (401, "missing_token")


class TestScreenLinks:
    def test_a_link_reads_without_a_token_and_nothing_once_revoked(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        created = meeting.organizer.post(f"/cycles/{CYCLE}/screen-links")
        link = created.json()
        key = link["key"]
        by_link = api.anonymous.get(SCREEN, params={"k": key},
                                    headers={"X-Min-Position": str(api.position())})
        page = api.client.get(paths.screen(CYCLE, key))
        data = api.client.get(paths.screen_data(CYCLE, key))
        cannot_reveal = api.anonymous.post(f"/cycles/{CYCLE}/tally-reveal?k={key}")
        log = b"".join(n.state for n in api.app.recorder.select_notifications(start=1,
                                                                              limit=100000))

        revoked = meeting.organizer.post(
            f"/cycles/{CYCLE}/screen-links/{link['link_id']}/revocation")
        twice = meeting.organizer.post(
            f"/cycles/{CYCLE}/screen-links/{link['link_id']}/revocation")
        after = [api.anonymous.get(SCREEN, params={"k": key}),
                 api.anonymous.get(SCREEN, params={"k": "not-a-key"}),
                 api.anonymous.get("/cycles/nope/screen", params={"k": key}),
                 api.as_("organizer").get(SCREEN, params={"k": key})]
        page_after = api.client.get(paths.screen(CYCLE, key))
        data_after = api.client.get(paths.screen_data(CYCLE, key))

        assert created.status_code == 201, created.text
        assert link["path"] == f"/screen/{CYCLE}?k={key}" and len(key) >= 40
        assert key.encode() not in log
        assert by_link.status_code == 200, by_link.text
        assert by_link.json() == screen(api) | {"position": by_link.json()["position"]}
        assert page.status_code == 200 and "测评票回收率" in page.text
        assert data.status_code == 200 and data.json()["cycle_id"] == CYCLE
        assert cannot_reveal.status_code == 401
        assert revoked.status_code == 200 and revoked.json() == {
            "link_id": link["link_id"], "revoked": True}
        assert (twice.status_code, error_code(twice)) == (409, "screen_link_revoked")
        for answer in after:
            assert (answer.status_code, error_code(answer)) == (404, "screen_link_not_found")
            assert "county" not in answer.text and CYCLE not in answer.text.replace(
                "screen_link_not_found", "")
        assert page_after.status_code == 404 and "测评票回收率" not in page_after.text
        assert data_after.status_code == 404 and "county" not in data_after.text
        assert [e.topic for e in events_of(api, "LinkCreated") + events_of(api, "LinkRevoked")
                ] == ["lianping:HallScreen.LinkCreated", "lianping:HallScreen.LinkRevoked"]

    def test_only_the_organizer_makes_or_revokes_links(self, api: Api):
        meeting = Meeting(api).prepare()
        link = meeting.ok(meeting.organizer, f"/cycles/{CYCLE}/screen-links")
        position = api.position()
        made = api.as_("inspector").post(f"/cycles/{CYCLE}/screen-links")
        revoked = api.as_("inspector").post(
            f"/cycles/{CYCLE}/screen-links/{link['link_id']}/revocation")
        unknown = meeting.organizer.post(f"/cycles/{CYCLE}/screen-links/nope/revocation")

        assert (made.status_code, error_code(made)) == (403, "organizer_required")
        assert (revoked.status_code, error_code(revoked)) == (403, "organizer_required")
        assert (unknown.status_code, error_code(unknown)) == (404, "unknown_screen_link")
        assert api.position() == position

    def test_a_retried_create_names_the_link_but_never_its_key(self, api: Api):
        meeting = Meeting(api).prepare()
        key = {"Idempotency-Key": "link-1"}
        first = meeting.organizer.post(f"/cycles/{CYCLE}/screen-links", headers=key)
        retry = meeting.organizer.post(f"/cycles/{CYCLE}/screen-links", headers=key)

        assert first.status_code == retry.status_code == 201
        assert retry.json() == {**first.json(), "key": None, "path": None}


class TestTheConsole:
    def test_the_page_renders_without_script_and_the_organizer_reveals_from_the_ballots_page(
        self, api: Api
    ):
        meeting = Meeting(api).prepare().to_reviewing()
        meeting.panel_rates()
        given_password(api, "organizer")
        assert sign_in(api.client, "organizer").status_code == 303
        read(api, "organizer", SCREEN)  # the read model has caught up
        hidden = api.client.get(paths.screen(CYCLE))
        ballots_page = api.client.get(paths.ballots(CYCLE))
        unconfirmed = api.client.post(paths.ballots_action(CYCLE, "reveal"),
                                      data={"csrf_token": csrf_of(ballots_page.text)},
                                      follow_redirects=False)
        revealed_unconfirmed = events_of(api, "TallyRevealed")
        confirmed = api.client.post(paths.ballots_action(CYCLE, "reveal"),
                                    data={"csrf_token": csrf_of(ballots_page.text),
                                          "confirm": "1"}, follow_redirects=True)
        shown = api.client.get(paths.screen(CYCLE))
        made = api.client.post(paths.ballots_action(CYCLE, "screen-links"),
                               data={"csrf_token": csrf_of(ballots_page.text)})

        assert hidden.status_code == 200
        assert '<meta http-equiv="refresh" content="10">' in hidden.text
        assert "测评结果待公布" in hidden.text and 'class="results' not in hidden.text
        assert "src=\"/static/screen.js\"" in hidden.text and "http" not in hidden.text.split(
            "<body")[0].replace('http-equiv', '')
        assert "公布结果" in main_text(ballots_page.text)
        assert unconfirmed.status_code == 303 and revealed_unconfirmed == []
        assert confirmed.status_code == 200 and "结果已公布" in confirmed.text
        assert len(events_of(api, "TallyRevealed")) == 1
        assert "测评结果待公布" not in shown.text and 'class="results' in shown.text
        assert made.status_code == 200 and "/screen/" + CYCLE + "?k=" in made.text

    def test_before_reviewing_the_ballots_page_offers_no_reveal(self, api: Api):
        Meeting(api).prepare()
        given_password(api, "organizer")
        sign_in(api.client, "organizer")
        page = main_text(api.client.get(paths.ballots(CYCLE)).text)

        assert "进入评议阶段、投票开始后可以公布结果" in page
        assert "我已确认投票结束" not in page and "打开大屏" in page

    def test_a_secretary_gets_the_refusal_page_and_a_stranger_the_sign_in(self, api: Api):
        Meeting(api).prepare()
        stranger = api.client.get(paths.screen(CYCLE), follow_redirects=False)
        given_password(api, "sec-county-a")
        sign_in(api.client, "sec-county-a")
        secretary = api.client.get(paths.screen(CYCLE))
        data = api.client.get(paths.screen_data(CYCLE))

        assert stranger.status_code == 303 and stranger.headers["location"].startswith("/login")
        assert secretary.status_code == 403 and "测评票回收率" not in secretary.text
        assert data.status_code == 403


def test_the_access_log_never_writes_a_screen_links_key() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s "%s %s"',
                               ("127.0.0.1", "GET", "/screen/c-2026/data?k=SECRETKEY&x=1"), None)

    RedactBallotCodes().filter(record)

    assert record.args == ("127.0.0.1", "GET", "/screen/c-2026/data?k=***&x=1")
