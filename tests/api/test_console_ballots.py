"""The organizer's 民主测评 page over HTTP, on SQLite and PostgreSQL: codes issued through the
page are shown once and change the counts; their slips print from the page's button; a paper
sheet with a bad cell comes back as a 行/列/错误 table and records nothing; every form needs
its CSRF token; the document buttons answer with their files."""

from __future__ import annotations

import re

import pytest

from api.console import paths
from domain.scheme import DEFAULT_SCHEME
from tests.api.ballot_meeting import CATEGORIES, CYCLE, Meeting
from tests.api.helpers import COUNTIES, Api
from tests.api.test_console import csrf_of, main_text
from tests.api.test_console_organizer import organizer
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("cheap_hashes", "runners")

CODE = re.compile(r"<li><code>([0-9A-Z]{12})</code></li>")


def reviewing(api: Api) -> Meeting:
    meeting = Meeting(api).prepare().to_reviewing()
    organizer(api)
    return meeting


def batches(api: Api) -> list[dict]:
    return list(api.organizer.get(f"/cycles/{CYCLE}/ballots").json()["batches"])


class TestIssuingCodes:
    def test_codes_issued_on_the_page_are_shown_once_and_counted(self, api: Api):
        reviewing(api)
        page = api.client.get(paths.ballots(CYCLE))
        assert page.status_code == 200
        assert "测评票批次" in main_text(page.text)

        issued = api.client.post(paths.ballots_action(CYCLE, "issue"), data={
            "csrf_token": csrf_of(page.text), "category": "department", "count": "3"})

        assert issued.status_code == 200, issued.text
        codes = CODE.findall(issued.text)
        assert len(codes) == 3
        [batch] = batches(api)
        assert (batch["category"], batch["issued"], batch["cast"]) == ("department", 3, 0)
        text = main_text(issued.text)
        assert "部门负责人" in text and "打印测评票" in text
        again = api.client.get(paths.ballots(CYCLE))
        assert not CODE.findall(again.text)  # shown once

        slips = api.client.post(paths.batch_action(CYCLE, batch["batch_id"], "sheet"), data={
            "csrf_token": csrf_of(issued.text), "codes": " ".join(codes)})
        assert slips.status_code == 200
        assert all(code in slips.text for code in codes)
        assert "演练" not in slips.text

    def test_a_rehearsals_slips_are_marked_演练(self, api: Api):
        rehearsal = Meeting(api, "meeting-2026-rehearsal")
        scheme = {**DEFAULT_SCHEME.to_dict(), "ballot_categories": CATEGORIES}
        created = api.organizer.post("/cycles", {
            "organizer_org": "city", "level": "county", "year": 2026, "title": "模拟测评",
            "rehearsal": True, "cycle_id": rehearsal.cycle_id, "scheme": scheme})
        assert created.status_code == 201, created.text
        for code in COUNTIES:
            rehearsal.ok(api.organizer, f"/cycles/{rehearsal.cycle_id}/participants",
                         {"org_code": code})
        rehearsal.to_reviewing()
        batch = rehearsal.issue("department", 2)
        csrf = organizer(api)

        slips = api.client.post(
            paths.batch_action(rehearsal.cycle_id, batch["batch_id"], "sheet"),
            data={"csrf_token": csrf, "codes": " ".join(batch["codes"])})

        assert slips.status_code == 200
        assert all(code in slips.text for code in batch["codes"])
        assert slips.text.count("（扫码评价）（演练）") == 3  # the title and each slip's heading
        assert slips.text.count("结果不计入考核") == 2

    def test_a_bad_count_comes_back_beside_its_field_and_issues_nothing(self, api: Api):
        reviewing(api)
        page = api.client.get(paths.ballots(CYCLE))
        before = api.position()

        refused = api.client.post(paths.ballots_action(CYCLE, "issue"), data={
            "csrf_token": csrf_of(page.text), "category": "department", "count": "9999"})

        assert refused.status_code == 422
        assert 'id="count-error"' in refused.text
        assert api.position() == before

    def test_a_batch_is_voided_with_its_reason(self, api: Api):
        meeting = reviewing(api)
        batch = meeting.issue("department", 2)
        page = api.client.get(paths.ballots(CYCLE))

        voided = api.client.post(paths.batch_action(CYCLE, batch["batch_id"], "void"), data={
            "csrf_token": csrf_of(page.text), "reason": "测评码泄露"}, follow_redirects=True)

        assert voided.status_code == 200
        assert "测评码泄露" in main_text(voided.text)
        assert batches(api)[0]["voided"] is True


class TestPaperBallots:
    def test_a_bad_cell_is_named_by_row_and_column_and_nothing_is_recorded(self, api: Api):
        meeting = reviewing(api)
        sheet = meeting.filled([{"county-a": "好"}, {"county-a": "很好"}])
        page = api.client.get(paths.ballots(CYCLE))
        before = api.position()

        refused = api.client.post(
            paths.ballots_action(CYCLE, "import"),
            data={"csrf_token": csrf_of(page.text), "paper_category": "delegate"},
            files={"file": ("ballots.xlsx", sheet, "application/octet-stream")})

        assert refused.status_code == 422
        text = main_text(refused.text)
        assert "纸质测评票有误，未录入" in text
        row = '<td class="num">4</td><td>B</td><td class="wrap">无法识别的评价“很好”'
        assert row in refused.text, text
        assert api.position() == before
        assert batches(api) == []

    def test_a_dry_run_counts_and_a_real_import_records_the_batch(self, api: Api):
        meeting = reviewing(api)
        sheet = meeting.filled([{"county-a": "好"}, {"county-a": "较好"}])
        page = api.client.get(paths.ballots(CYCLE))

        def upload(**extra: str):
            return api.client.post(
                paths.ballots_action(CYCLE, "import"),
                data={"csrf_token": csrf_of(page.text), "paper_category": "delegate", **extra},
                files={"file": ("ballots.xlsx", sheet, "application/octet-stream")})

        checked = upload(dry_run="1")
        assert checked.status_code == 200
        assert "检查通过，未录入：有效测评票 2" in main_text(checked.text)
        assert batches(api) == []
        imported = upload()
        assert "已录入：有效测评票 2" in main_text(imported.text)
        [batch] = batches(api)
        assert (batch["kind"], batch["issued"]) == ("paper", 2)

    def test_the_template_downloads_from_the_page(self, api: Api):
        reviewing(api)
        page = api.client.get(paths.ballots(CYCLE))
        assert paths.ballots_action(CYCLE, "template.xlsx") in page.text

        sheet = api.client.get(paths.ballots_action(CYCLE, "template.xlsx"))

        assert sheet.status_code == 200
        assert sheet.content[:2] == b"PK"


class TestCsrf:
    @pytest.mark.parametrize("action", ["issue", "import"])
    def test_a_form_without_its_token_is_refused_and_changes_nothing(self, api: Api,
                                                                     action: str):
        reviewing(api)
        before = api.position()

        refused = api.client.post(paths.ballots_action(CYCLE, action), data={
            "category": "department", "count": "3", "paper_category": "delegate"})

        assert refused.status_code == 403
        assert api.position() == before


class TestDocumentButtons:
    def test_the_standings_page_links_its_sheet_and_the_sheet_downloads(self, api: Api):
        reviewing(api)
        page = api.client.get(paths.standings(CYCLE))
        assert paths.document(CYCLE, "standings.xlsx") in page.text
        assert "bulletin.docx" not in page.text  # nothing to announce before 定档

        sheet = api.client.get(paths.document(CYCLE, "standings.xlsx"))

        assert sheet.status_code == 200
        assert sheet.content[:2] == b"PK"
        assert api.client.get(paths.document(CYCLE, "bulletin.docx")).status_code == 409

    def test_the_board_links_its_sheet(self, api: Api):
        reviewing(api)
        page = api.client.get(paths.board(CYCLE))
        assert paths.document(CYCLE, "rectification.xlsx") in page.text

        sheet = api.client.get(paths.document(CYCLE, "rectification.xlsx"))

        assert sheet.status_code == 200
        assert sheet.content[:2] == b"PK"


class TestStandingsPage:
    def test_a_participant_without_ratings_shows_a_dash_never_none(self, api: Api):
        reviewing(api)
        rows = api.organizer.get(f"/cycles/{CYCLE}/standings").json()["rows"]
        standings = api.client.get(paths.standings(CYCLE)).text
        finalize = api.client.get(paths.finalize(CYCLE)).text

        assert all(row["review_score"] is None for row in rows)  # nobody rated yet
        body = standings.split("<tbody>", 1)[1]
        cells = [re.sub(r"<[^>]+>", "", c).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
        assert cells[5] == "—"  # 民主评议得分 of the first row
        assert "None" not in main_text(standings)
        assert "None" not in main_text(finalize)
