"""The 民主测评 phone page /b/{code} (no sign-in, no script, works without JavaScript) and the
printable slips with QR codes, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from tests.api.ballot_meeting import CYCLE, Meeting
from tests.api.helpers import Api, error_code

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


class TestThePhonePage:
    def test_offers_each_participant_with_reported_grades_and_one_submit(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        code = meeting.issue("department", 1)["codes"][0]
        page = api.client.get(f"/b/{code}")

        assert page.status_code == 200
        html = page.text
        assert page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "<script" not in html and "http://" not in html.replace(
            'xmlns="http://www.w3.org/2000/svg"', "")
        assert 'name="viewport"' in html and 'lang="zh-CN"' in html
        assert html.count("<fieldset>") == 2  # county-c has no report: not offered
        assert "甲县" in html and "乙县" in html and "丙县" not in html
        for label in ("好", "较好", "一般", "差"):
            assert f"> {label}</label>" in html
        assert html.count('type="submit"') == 1 and "提交" in html
        assert f'action="/b/{code}"' in html and 'method="post"' in html

    def test_a_form_post_casts_it_and_the_same_code_is_then_refused_like_an_unknown_one(
        self, api: Api
    ):
        meeting = Meeting(api).prepare().to_reviewing()
        code = meeting.issue("department", 1)["codes"][0]
        posted = api.client.post(f"/b/{code}", content="r_county-a=good&r_county-b=average",
                                 headers=FORM)
        again = api.client.post(f"/b/{code}", content="r_county-a=poor", headers=FORM)
        reopened = api.client.get(f"/b/{code}")
        unknown = api.client.get("/b/ABCDEFGHJKMN")

        assert posted.status_code == 201 and "提交成功" in posted.text
        assert again.status_code == reopened.status_code == unknown.status_code == 404
        assert text_of(again.text) == text_of(unknown.text) == text_of(reopened.text)
        assert "此测评码无效或已使用" in unknown.text
        assert meeting.row()["by_category"]["department"]["good"] == 1
        assert meeting.row("county-b")["by_category"]["department"]["average"] == 1

    def test_a_closed_window_has_its_own_clear_answer(self, api: Api):
        meeting = Meeting(api).prepare()
        code = meeting.issue("department", 1)["codes"][0]
        page = api.client.get(f"/b/{code}")
        assert page.status_code == 409 and "当前不在民主测评时间内" in page.text

    def test_a_post_from_another_origin_is_refused_and_the_code_stays_unused(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        code = meeting.issue("department", 1)["codes"][0]
        foreign = api.client.post(f"/b/{code}", content="r_county-a=good",
                                  headers={**FORM, "Origin": "https://evil.example"})
        same = api.client.post(f"/b/{code}", content="r_county-a=good",
                               headers={**FORM, "Origin": "http://testserver"})
        assert foreign.status_code == 403 and "请求来源不正确" in foreign.text
        assert same.status_code == 201

    def test_a_refused_ballot_keeps_the_code(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        code = meeting.issue("department", 1)["codes"][0]
        refused = api.client.post(f"/b/{code}", content="r_county-c=good", headers=FORM)
        page = api.client.get(f"/b/{code}")
        assert refused.status_code == 409 and "该单位尚未提交述职报告" in refused.text
        assert page.status_code == 200

    def test_the_stylesheet_is_served_here(self, api: Api):
        css = api.client.get("/static/ballot.css")
        assert css.status_code == 200 and ".ballot" in css.text


class TestPrintableSlips:
    def test_one_slip_per_code_with_a_qr_code_linking_to_this_server(self, api: Api):
        meeting = Meeting(api).prepare()
        batch = meeting.issue("department", 3)
        sheet = meeting.organizer.post(f"/cycles/{CYCLE}/ballots/{batch['batch_id']}/sheet",
                                       {"codes": batch["codes"]})
        assert sheet.status_code == 200
        assert sheet.headers["content-type"].startswith("text/html")
        html = sheet.text
        assert html.count('class="slip"') == 3 and html.count("<svg") == 3
        for code in batch["codes"]:
            assert f"http://testserver/b/{code}" in html and code in html
        assert "部门负责人" in html and "<script" not in html

    def test_public_base_url_overrides_the_request_s(self, api: Api):
        meeting = Meeting(api).prepare()
        batch = meeting.issue("department", 1)
        api.app.settings.public_base_url = "https://pj.example.gov.cn/lianping/"
        try:
            sheet = meeting.organizer.post(
                f"/cycles/{CYCLE}/ballots/{batch['batch_id']}/sheet", {"codes": batch["codes"]})
        finally:
            api.app.settings.public_base_url = None
        assert f"https://pj.example.gov.cn/lianping/b/{batch['codes'][0]}" in sheet.text

    def test_a_code_of_another_batch_is_refused(self, api: Api):
        meeting = Meeting(api).prepare()
        first, second = meeting.issue("department", 1), meeting.issue("delegate", 1)
        refused = meeting.organizer.post(
            f"/cycles/{CYCLE}/ballots/{first['batch_id']}/sheet",
            {"codes": [first["codes"][0], second["codes"][0]]})
        assert (refused.status_code, error_code(refused)) == (422, "code_not_in_batch")
        assert refused.json()["error"]["details"][0]["field"] == "codes[1]"


class TestTheAccessLog:
    def test_never_pairs_an_address_with_a_ballot_code(self, api: Api):
        import logging

        from api.console.ballot import RedactBallotCodes

        record = logging.LogRecord(
            "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
            ("10.0.0.7:5000", "POST", "/api/v1/ballots/ABCDEFGHJKMN?x=1", "1.1", 201), None)
        page = logging.LogRecord(
            "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
            ("10.0.0.7:5000", "GET", "/b/ABCDEFGHJKMN", "1.1", 200), None)
        assert RedactBallotCodes().filter(record) and RedactBallotCodes().filter(page)
        assert "ABCDEFGHJKMN" not in record.getMessage() + page.getMessage()
        assert "/api/v1/ballots/***?x=1" in record.getMessage()
        assert any(isinstance(f, RedactBallotCodes)
                   for f in logging.getLogger("uvicorn.access").filters)
