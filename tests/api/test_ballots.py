"""Ballots through HTTP (API.md "Ballots"), on SQLite and PostgreSQL: the worked example with
panel ratings, QR-code ballots and a paper sheet; issuing, casting (exactly once, the same 404
for unknown and used codes, rate limited guessing), voiding, the counts, paper import."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

from openpyxl import load_workbook

from application.app import Request
from application.usecases import ballots
from domain.errors import DomainError
from tests.api.ballot_meeting import CYCLE, Meeting
from tests.api.helpers import Api, error_code

ZERO = {"good": 0, "fairly_good": 0, "average": 0, "poor": 0}


class TestTheWorkedExample:
    def test_holds_exactly_with_panel_ratings_qr_ballots_and_a_paper_sheet(self, api: Api):
        meeting = Meeting(api)
        meeting.the_worked_example()

        row = meeting.row()
        final = meeting.organizer.post(f"/cycles/{CYCLE}/finalize", {})

        assert (row["review_score"], row["satisfaction"]) == ("87.10", "0.8250")
        assert row["ratings"] == {"good": 18, "fairly_good": 12, "average": 4, "poor": 0}
        assert row["by_category"] == {
            "committee": {"good": 2, "fairly_good": 1, "average": 1, "poor": 0},
            "department": {"good": 6, "fairly_good": 3, "average": 1, "poor": 0},
            "delegate": {"good": 10, "fairly_good": 8, "average": 2, "poor": 0},
        }
        assert meeting.row("county-b")["by_category"] == {
            "committee": ZERO, "department": ZERO, "delegate": ZERO}
        assert final.status_code == 200
        frozen = next(r for r in final.json()["results"] if r["org_code"] == "county-a")
        assert frozen == {**row, "rank": frozen["rank"]}

    def test_without_the_delegate_ballots_voided_it_gives_86_88(self, api: Api, runners: None):
        meeting = Meeting(api)
        batches = meeting.the_worked_example()
        before = api.app.now().isoformat()

        voided = meeting.organizer.post(
            f"/cycles/{CYCLE}/ballots/{batches['delegate']['batch_id']}/void",
            {"reason": "纸质票录入有误"})
        row = meeting.row()
        then = meeting.row(as_of=before)
        flags = meeting.organizer.get(f"/audit/flags?cycle_id={CYCLE}",
                                      headers={"X-Min-Position": str(api.position())})

        assert voided.status_code == 200
        assert (row["review_score"], row["satisfaction"]) == ("86.88", "0.8063")
        assert row["by_category"]["delegate"] == ZERO
        assert row["ratings"] == {"good": 8, "fairly_good": 4, "average": 2, "poor": 0}
        assert (then["review_score"], then["satisfaction"]) == ("87.10", "0.8250")
        assert flags.status_code == 200
        assert [(f["kind"], f["reason"]) for f in flags.json()["flags"]
                if f["kind"] == "ballots_voided"] == [("ballots_voided", "纸质票录入有误")]


class TestIssuing:
    def test_gives_unguessable_codes_once_and_counts_them(self, api: Api):
        meeting = Meeting(api).prepare()
        batch = meeting.issue("department", 50)
        counts = meeting.organizer.get(f"/cycles/{CYCLE}/ballots")
        inspector = api.as_("inspector").get(f"/cycles/{CYCLE}/ballots")
        secretary = api.as_("sec-county-a").get(f"/cycles/{CYCLE}/ballots")

        codes = batch["codes"]
        assert len(set(codes)) == 50
        assert all(len(c) >= 12 and not set(c) & set("0O1IL") for c in codes)
        assert counts.status_code == 200
        assert counts.json()["batches"] == [{
            "batch_id": batch["batch_id"], "category": "department", "kind": "codes",
            "issued": 50, "cast": 0, "voided": False, "void_reason": None,
            "entered_by": "organizer"}]
        assert inspector.status_code == 200 and inspector.json() == counts.json()
        assert secretary.status_code == 403

    def test_stores_no_code_anywhere_in_the_log(self, api: Api):
        meeting = Meeting(api).prepare()
        codes = meeting.issue("department", 5)["codes"]
        log = b"".join(
            n.state for n in api.app.recorder.select_notifications(start=1, limit=100000))
        assert not any(code.encode() in log for code in codes)
        assert len(codes) == 5

    def test_a_retry_with_the_same_idempotency_key_names_the_batch_but_never_its_codes(
        self, api: Api
    ):
        meeting = Meeting(api).prepare()
        path, key = f"/cycles/{CYCLE}/ballots", {"Idempotency-Key": "issue-1"}
        first = meeting.organizer.post(path, {"category": "department", "count": 3}, headers=key)
        retry = meeting.organizer.post(path, {"category": "department", "count": 3}, headers=key)
        assert first.status_code == retry.status_code == 201
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert retry.json() == {**first.json(), "codes": []}
        assert len(meeting.organizer.get(path).json()["batches"]) == 1

    def test_refuses_a_bad_count_an_unknown_category_or_a_closed_cycle(self, api: Api):
        meeting = Meeting(api).prepare()
        path = f"/cycles/{CYCLE}/ballots"
        zero = meeting.organizer.post(path, {"category": "department", "count": 0})
        many = meeting.organizer.post(path, {"category": "department", "count": 501})
        unknown = meeting.organizer.post(path, {"category": "public", "count": 5})
        stranger = api.as_("reviewer-1").post(path, {"category": "department", "count": 5})
        meeting.to_reviewing()
        meeting.ok(meeting.organizer, f"/cycles/{CYCLE}/finalize", {})
        closed = meeting.organizer.post(path, {"category": "department", "count": 5})

        assert (zero.status_code, many.status_code) == (422, 422)
        assert (unknown.status_code, error_code(unknown)) == (422, "unknown_category")
        assert stranger.status_code == 403
        assert (closed.status_code, error_code(closed)) == (409, "wrong_phase")
        assert meeting.organizer.get(path).json()["batches"] == []


class TestCasting:
    def test_unknown_and_used_codes_get_the_same_404(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        code = meeting.issue("department", 1)["codes"][0]
        first = meeting.cast(code, {"county-a": "good"})
        again = meeting.cast(code, {"county-a": "poor"})
        unknown = meeting.cast("ABCDEFGHJKMN", {"county-a": "poor"})

        assert first.status_code == 201 and first.json() == {"accepted": 1}
        assert again.status_code == unknown.status_code == 404
        assert again.json() == unknown.json()
        assert error_code(again) == "ballot_not_found"
        assert meeting.row()["by_category"]["department"]["good"] == 1
        assert meeting.row()["by_category"]["department"]["poor"] == 0

    def test_only_while_reviewing(self, api: Api):
        meeting = Meeting(api).prepare()
        code = meeting.issue("department", 1)["codes"][0]
        early = meeting.cast(code, {"county-a": "good"})
        meeting.to_reviewing()
        in_time = meeting.cast(code, {"county-a": "good"})
        assert (early.status_code, error_code(early)) == (409, "wrong_phase")
        assert in_time.status_code == 201

    def test_naming_an_org_without_a_report_refuses_it_whole_and_keeps_the_code(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        code = meeting.issue("department", 1)["codes"][0]
        refused = meeting.cast(code, {"county-a": "good", "county-c": "good"})
        strange = meeting.cast(code, {"county-x": "good"})
        bad = meeting.cast(code, {"county-a": "excellent"})
        blank = meeting.cast(code, {"county-a": "较好", "county-b": "", "county-c": None})

        assert (refused.status_code, error_code(refused)) == (409, "report_not_submitted")
        assert refused.json()["error"]["details"] == {"org_codes": ["county-c"]}
        assert (strange.status_code, error_code(strange)) == (422, "unknown_participant")
        assert (bad.status_code, error_code(bad)) == (422, "unknown_rating")
        assert blank.status_code == 201 and blank.json() == {"accepted": 1}
        row = meeting.row()
        assert row["by_category"]["department"]["fairly_good"] == 1
        assert meeting.row("county-b")["ratings"] == ZERO

    def test_records_nothing_that_links_the_ballot_to_a_person(self, api: Api, runners: None):
        meeting = Meeting(api).prepare().to_reviewing()
        code = meeting.issue("department", 1)["codes"][0]
        assert meeting.cast(code, {"county-a": "good"}).status_code == 201
        events = meeting.organizer.get(
            f"/audit/events?cycle_id={CYCLE}&type=lianping:Ballot.Cast",
            headers={"X-Min-Position": str(api.position())}).json()["events"]
        assert [(e["actor"], e["data"]) for e in events] == [
            ("ballot", {"actor": "ballot", "ratings": {"county-a": "good"}})]

    def test_its_batches_are_in_the_trail_of_the_cycles_organizer_org(
        self, api: Api, runners: None
    ):
        meeting = Meeting(api).prepare().to_reviewing()
        batch = meeting.issue("department", 1)
        meeting.ok(meeting.organizer, f"/cycles/{CYCLE}/ballots/{batch['batch_id']}/void",
                   {"reason": "测评码泄露"})
        book = "lianping:BallotBook."
        events = api.as_("inspector").get(
            "/audit/events", params={"org_code": "city", "limit": 1000},
            headers={"X-Min-Position": str(api.position())}).json()["events"]
        found = [(e["type"], e["org_code"], e["cycle_id"]) for e in events
                 if e["type"].startswith(book)]
        assert found == [(f"{book}{name}", "city", CYCLE)
                         for name in ("Opened", "Issued", "BatchVoided")]

    def test_is_exactly_once_under_concurrency(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        code = meeting.issue("department", 1)["codes"][0]
        request = Request(ballots.BALLOT_PRINCIPAL)

        def cast(grade: str) -> str:
            try:
                api.app.execute(request, ballots.cast_ballot, code, {"county-a": grade})
                return "cast"
            except DomainError as refused:
                return refused.code

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(cast, ["good", "poor"] * 8))
        assert sorted(set(answers)) == ["ballot_not_found", "cast"]
        assert answers.count("cast") == 1
        assert sum(meeting.row()["ratings"].values()) == 1

    def test_guessing_is_rate_limited_per_address(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        code = meeting.issue("department", 1)["codes"][0]
        limit = api.app.settings.ballot_failures_per_minute
        misses = [meeting.cast(f"GUESS{n:07d}", {}).status_code for n in range(limit)]
        blocked = meeting.cast(code, {"county-a": "good"})
        page = api.client.get(f"/b/{code}")

        assert misses == [404] * limit
        assert (blocked.status_code, error_code(blocked)) == (429, "rate_limited")
        assert int(blocked.headers["Retry-After"]) >= 1
        assert page.status_code == 429
        assert meeting.organizer.get(f"/cycles/{CYCLE}/ballots").json()["batches"][0]["cast"] == 0


class TestVoiding:
    def test_needs_a_reason_and_happens_before_finalization_only(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        batch = meeting.issue("department", 2)
        path = f"/cycles/{CYCLE}/ballots/{batch['batch_id']}/void"
        no_reason = meeting.organizer.post(path, {})
        unknown = meeting.organizer.post(f"/cycles/{CYCLE}/ballots/nope/void", {"reason": "x"})
        assert meeting.cast(batch["codes"][0], {"county-a": "good"}).status_code == 201
        voided = meeting.organizer.post(path, {"reason": "测评码泄露"})
        late = meeting.cast(batch["codes"][1], {"county-a": "good"})
        twice = meeting.organizer.post(path, {"reason": "again"})

        assert (no_reason.status_code, error_code(no_reason)) == (409, "reason_required")
        assert (unknown.status_code, error_code(unknown)) == (404, "unknown_batch")
        assert voided.status_code == 200
        assert (late.status_code, error_code(late)) == (404, "ballot_not_found")
        assert (twice.status_code, error_code(twice)) == (409, "batch_voided")
        assert meeting.row()["ratings"] == ZERO
        counts = meeting.organizer.get(f"/cycles/{CYCLE}/ballots").json()["batches"][0]
        assert (counts["cast"], counts["voided"], counts["void_reason"]) == (1, True, "测评码泄露")

    def test_is_refused_once_finalized(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        batch = meeting.issue("department", 1)
        meeting.ok(meeting.organizer, f"/cycles/{CYCLE}/finalize", {})
        refused = meeting.organizer.post(
            f"/cycles/{CYCLE}/ballots/{batch['batch_id']}/void", {"reason": "太晚"})
        assert (refused.status_code, error_code(refused)) == (409, "wrong_phase")


class TestPaperBallots:
    def test_the_template_has_a_column_per_participant_and_a_grade_list(self, api: Api):
        meeting = Meeting(api).prepare()
        sheet = load_workbook(io.BytesIO(meeting.template()))["测评票"]
        assert [sheet.cell(1, c).value for c in range(2, 5)] == ["甲县", "乙县", "丙县"]
        assert [sheet.cell(2, c).value for c in range(2, 5)] == [
            "county-a", "county-b", "county-c"]
        assert sheet["A3"].value == 1 and sheet["A502"].value == 500
        (validation,) = sheet.data_validations.dataValidation
        assert validation.formula1 == '"好,较好,一般,差"'
        assert str(validation.sqref) == "B3:D502"

    def test_names_every_bad_cell_and_records_nothing(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        content = meeting.filled(
            [{"county-a": "好"}, {"county-a": "优秀"}, {"county-c": "较好"}, {"county-x": "好"}],
            extra_columns={"E": "county-x"})
        before = api.position()
        refused = meeting.import_sheet(content)

        assert (refused.status_code, error_code(refused)) == (422, "ballots_rejected")
        rejected = refused.json()["error"]["details"]["rejected"]
        assert [(r["row"], r["column"]) for r in rejected] == [(2, "E"), (4, "B"), (5, "D")]
        assert "优秀" in rejected[1]["error"] and "county-x" in rejected[0]["error"]
        assert "尚未提交述职报告" in rejected[2]["error"]
        assert api.position() == before

    def test_a_dry_run_counts_and_records_nothing_and_blank_rows_are_ignored(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        content = meeting.filled([{"county-a": "好"}, {}, {"county-b": "差", "county-a": ""}])
        before = api.position()
        dry = meeting.import_sheet(content, dry_run=True)
        assert (dry.status_code, dry.json()) == (
            200, {"batch_id": None, "accepted": 2, "dry_run": True})
        assert api.position() == before
        real = meeting.import_sheet(content)
        assert real.status_code == 201 and real.json()["accepted"] == 2
        assert meeting.row("county-b")["by_category"]["delegate"]["poor"] == 1

    def test_a_malformed_file_or_a_wrong_media_type_is_a_clear_refusal(self, api: Api):
        meeting = Meeting(api).prepare().to_reviewing()
        garbage = meeting.import_sheet(b"PK\x03\x04 not really a zip")
        as_json = meeting.organizer.post(f"/cycles/{CYCLE}/ballots/import?category=delegate",
                                         {"rows": []})
        unknown_category = meeting.import_sheet(meeting.filled([{"county-a": "好"}]), "public")
        stranger = api.as_("sec-county-a").post(
            f"/cycles/{CYCLE}/ballots/import?category=delegate", content=b"garbage",
            headers={"Content-Type": "application/vnd.openxmlformats-officedocument."
                                     "spreadsheetml.sheet"})
        assert (garbage.status_code, error_code(garbage)) == (422, "malformed_sheet")
        assert stranger.status_code == 403
        assert as_json.status_code == 415
        assert (unknown_category.status_code, error_code(unknown_category)) == (
            422, "unknown_category")


class TestPanelCategories:
    def test_a_category_is_required_and_a_scheme_with_categories_needs_them(self, api: Api):
        meeting = Meeting(api).prepare()
        missing = meeting.organizer.post(f"/cycles/{CYCLE}/panel", {"account_id": "reviewer-5"})
        other = Meeting(api, "plain-2025", 2025)
        other.ok(other.organizer, "/cycles", {"cycle_id": "plain-2025", "organizer_org": "city",
                                              "level": "county", "year": 2025, "title": "t"})
        other.ok(other.organizer, "/cycles/plain-2025/panel", {"account_id": "reviewer-1"})
        scheme = meeting.organizer.get(f"/cycles/{CYCLE}").json()["scheme"]
        refused = other.organizer.post("/cycles/plain-2025/scheme", {"scheme": scheme})

        assert (missing.status_code, error_code(missing)) == (422, "category_required")
        assert (refused.status_code, error_code(refused)) == (409, "panel_member_without_category")
        assert meeting.organizer.get(f"/cycles/{CYCLE}").json()["panel_categories"] == {
            "reviewer-1": "committee", "reviewer-2": "committee", "reviewer-3": "committee",
            "reviewer-4": "committee"}

    def test_copy_from_previous_carries_the_category_over(self, api: Api):
        previous = Meeting(api, "meeting-2025", 2025).prepare()
        previous.to_reviewing()
        previous.ok(previous.organizer, "/cycles/meeting-2025/finalize", {})
        meeting = Meeting(api)
        meeting.ok(meeting.organizer, "/cycles", {
            "cycle_id": CYCLE, "organizer_org": "city", "level": "county", "year": 2026,
            "title": "t", "previous_cycle_id": "meeting-2025",
            "scheme": previous.organizer.get("/cycles/meeting-2025").json()["scheme"]})
        copied = meeting.organizer.post(f"/cycles/{CYCLE}/copy-from-previous", {"panel": True})
        assert copied.status_code == 200
        assert meeting.organizer.get(f"/cycles/{CYCLE}").json()["panel_categories"][
            "reviewer-3"] == "committee"

    def test_copy_from_previous_leaves_out_a_member_without_a_category_here(self, api: Api):
        previous = Meeting(api, "plain-2025", 2025)
        previous.ok(previous.organizer, "/cycles", {
            "cycle_id": "plain-2025", "organizer_org": "city", "level": "county", "year": 2025,
            "title": "t"})
        previous.ok(previous.organizer, "/cycles/plain-2025/panel", {"account_id": "reviewer-1"})
        meeting = Meeting(api).prepare()
        meeting.ok(meeting.organizer, f"/cycles/{CYCLE}/panel/reviewer-1/removal",
                   {"reason": "重新从上一周期复制"})
        copied = meeting.organizer.post(f"/cycles/{CYCLE}/copy-from-previous", {"panel": True})
        assert (copied.status_code, error_code(copied)) == (409, "nothing_to_copy")
        assert copied.json()["error"]["details"]["left_out"] == [{
            "kind": "panel_member", "code_or_account": "reviewer-1", "why": "category_required",
            "why_label": "本次方案设有评议人类别，该评议人在上一周期没有对应类别"}]
