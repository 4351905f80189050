"""API.md "Limits and refusals", on both stores: text no store can hold is 422 before anything
runs, report and plan versions are capped, writes are rate limited per account and per address
(429 with Retry-After), one verification runs at a time and runs once, and list pages are capped
in bytes as well as rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from api.limits import TokenBuckets, limits_of
from application.paging import cap_page
from application.settings import Settings
from application.store import chain
from application.usecases import integrity
from projections.runner import Runners
from tests.api.helpers import CYCLE, REPORT, Api, error_code
from tests.api.test_rectification import plan
from tests.conftest import make_settings

PARTICIPANT = f"/cycles/{CYCLE}/participants/county-a"


@pytest.fixture
def settings(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """The shared settings, with the test's ``limits`` parameter (if any) on top."""
    base = make_settings(store, tmp_path, request)
    callspec = getattr(request.node, "callspec", None)
    overrides = callspec.params.get("limits") if callspec else None
    return base.model_copy(update=overrides) if overrides else base


def limited(**overrides: Any) -> Any:
    return pytest.mark.parametrize("limits", [overrides], ids=["limits"])


class TestUnstorableText:
    """NUL and lone surrogates: PostgreSQL refuses NUL in text, and no UTF-8 encodes a lone
    surrogate. They are refused at the edge, the same on both stores, and nothing is recorded."""

    @pytest.mark.parametrize("query", [
        "actor=%00", "cycle_id=a%00b", "org_code=%ED%A0%80", "type=x&type=%00", "%00=1",
    ])
    def test_in_a_query_is_422(self, api: Api, query: str) -> None:
        response = api.admin.get(f"/audit/events?{query}")

        assert response.status_code == 422
        assert error_code(response) == "validation_error"
        assert response.json()["error"]["details"][0]["in"] == "query"
        assert 'error="store' not in api.client.get("/metrics").text
        assert "lianping_store_errors_total{" not in api.client.get("/metrics").text

    @pytest.mark.parametrize("name", ['"\\u0000"', '"a\\u0000"', '"\\ud800"', '"x\\udc00y"'])
    def test_in_a_json_body_field_is_422_and_nothing_is_recorded(
        self, api: Api, name: str
    ) -> None:
        head = api.position()

        response = api.admin.post(
            "/accounts", content=f'{{"account_id": "x1", "name": {name}}}',
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 422
        assert response.json()["error"]["details"][0] == {
            "field": "name", "in": "body", "type": "unstorable_text",
            "message": "must not contain NUL characters, lone surrogates or invalid UTF-8"}
        assert api.position() == head

    def test_deep_in_a_body_and_in_a_key(self, api: Api) -> None:
        api.cycle_in("rectifying")
        body = plan(api, measure="措施\u0000")
        nested = api.as_("sec-county-a").post(f"{PARTICIPANT}/rectification/plan", body)
        key = api.admin.post("/accounts", content='{"\\ud800": 1}',
                             headers={"Content-Type": "application/json"})

        assert nested.status_code == 422
        assert nested.json()["error"]["details"][0]["field"] == "items[0].measure"
        assert key.status_code == 422

    def test_a_valid_surrogate_pair_and_chinese_text_are_kept(self, api: Api) -> None:
        response = api.admin.post(
            "/accounts", content='{"account_id": "x2", "name": "\\u5f20\\ud83d\\ude00"}',
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 201
        assert response.json()["name"] == "张😀"

    def test_in_the_path_a_header_or_a_form_is_422(self, api: Api) -> None:
        path = api.admin.get("/organizations/county%00a")
        header = api.admin.post("/accounts", {"account_id": "x3", "name": "某"},
                                headers={"Idempotency-Key": "k\x00"})
        form = api.admin.post("/accounts", content=b"name=%00",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})

        assert [r.status_code for r in (path, header, form)] == [422, 422, 422]
        assert [r.json()["error"]["details"][0]["in"] for r in (path, header, form)] == [
            "path", "header", "body"]


class TestVersionCaps:
    @limited(max_versions=3)
    def test_the_report_takes_max_versions_then_409(self, api: Api, limits: Any) -> None:
        api.cycle_in("reporting")
        secretary = api.as_("sec-county-a")
        answers = [secretary.post(f"{PARTICIPANT}/report", REPORT) for _ in range(4)]

        assert [r.status_code for r in answers] == [201, 201, 201, 409]
        assert error_code(answers[-1]) == "too_many_versions"
        assert answers[-1].json()["error"]["details"] == {"versions": 3, "max_versions": 3}

    @limited(max_versions=2)
    def test_the_plan_takes_max_versions_then_409(self, api: Api, limits: Any) -> None:
        api.cycle_in("rectifying")
        secretary = api.as_("sec-county-a")
        answers = [secretary.post(f"{PARTICIPANT}/rectification/plan", plan(api))
                   for _ in range(3)]

        assert [r.status_code for r in answers] == [201, 201, 409]
        assert error_code(answers[-1]) == "too_many_versions"

    @limited(max_versions=0)
    def test_zero_lifts_the_cap(self, api: Api, limits: Any) -> None:
        api.cycle_in("reporting")
        secretary = api.as_("sec-county-a")
        answers = [secretary.post(f"{PARTICIPANT}/report", REPORT) for _ in range(25)]

        assert {r.status_code for r in answers} == {201}

    def test_the_default_is_twenty(self, api: Api) -> None:
        assert api.app.settings.max_versions == 20


class TestRateLimits:
    @limited(write_rate_per_account=0.001, write_burst_per_account=3)
    def test_writes_beyond_an_accounts_burst_are_429_with_retry_after(
        self, api: Api, limits: Any
    ) -> None:
        answers = [api.admin.post("/accounts", {"account_id": f"r{n}", "name": "某"})
                   for n in range(4)]
        other = api.as_("sec-county-a").post("/audit/notes", {"note": "x"})
        read = api.admin.get("/me")

        assert [r.status_code for r in answers] == [201, 201, 201, 429]
        assert error_code(answers[-1]) == "rate_limited"
        assert int(answers[-1].headers["Retry-After"]) >= 1
        assert other.status_code != 429  # another account has its own bucket
        assert read.status_code == 200  # reads are not writes

    @limited(write_rate_per_address=0.001, write_burst_per_address=2)
    def test_writes_beyond_an_addresss_burst_are_429_whoever_writes(
        self, api: Api, limits: Any
    ) -> None:
        organizer = api.as_("organizer")
        head = api.position()
        first = api.admin.post("/accounts", {"account_id": "a1", "name": "某"})
        second = organizer.post("/accounts", {"account_id": "a2", "name": "某"})
        third = api.admin.post("/accounts", {"account_id": "a3", "name": "某"})

        assert first.status_code == 201
        assert second.status_code == 403
        assert third.status_code == 429
        assert error_code(third) == "rate_limited"
        assert third.headers["Retry-After"]
        assert api.position() == head + 1

    @limited(write_rate_per_account=0, write_rate_per_address=0, verify_concurrency=0)
    def test_zero_disables_each_limit(self, api: Api, web: FastAPI, limits: Any) -> None:
        held = limits_of(web)

        assert (held.per_account, held.per_address, held.verify_slots) == (None, None, None)

    def test_the_defaults(self, api: Api) -> None:
        settings = api.app.settings
        assert (settings.write_rate_per_account, settings.write_burst_per_account,
                settings.write_rate_per_address, settings.verify_concurrency) == (100, 300, 1000, 1)


class TestTokenBuckets:
    def test_a_burst_then_the_rate(self) -> None:
        buckets = TokenBuckets(rate=100, burst=300)

        taken = [buckets.take("a", now=0.0) for _ in range(301)]

        assert taken[:300] == [0.0] * 300
        assert taken[300] == pytest.approx(0.01)
        assert buckets.take("a", now=0.0101) == 0.0
        assert buckets.take("b", now=0.0) == 0.0  # each key its own bucket
        assert buckets.take("a", now=10.0) == 0.0  # refilled (up to the burst)

    def test_refilled_buckets_are_forgotten_beyond_max_keys(self) -> None:
        buckets = TokenBuckets(rate=1, burst=2, max_keys=10)
        for n in range(11):
            buckets.take(str(n), now=0.0)

        buckets.take("late", now=100.0)

        assert len(buckets._buckets) == 1


class TestVerify:
    @pytest.fixture
    def inspector(self, api: Api) -> Any:
        api.cycle_in("reporting")
        api.admin.post("/accounts/admin/grants", {"role": "inspector", "org_code": "city"})
        return api.admin

    def test_runs_the_chain_check_once_per_request(
        self, api: Api, inspector: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        calls: list[int] = []
        real = chain.verify_recorder

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls.append(1)
            return real(*args, **kwargs)

        monkeypatch.setattr(integrity.chain, "verify_recorder", counted)
        response = inspector.post("/audit/verify")
        keyed = inspector.post("/audit/verify", headers={"Idempotency-Key": "v1"})

        assert response.status_code == 200
        assert response.json()["ok"] is True
        assert keyed.status_code == 200
        assert len(calls) == 2

    def test_one_at_a_time_per_process_others_429(
        self, api: Api, web: FastAPI, inspector: Any
    ) -> None:
        slots = limits_of(web).verify_slots
        assert slots is not None
        slots.acquire()  # a verification is running
        try:
            refused = inspector.post("/audit/verify")
        finally:
            slots.release()
        answered = inspector.post("/audit/verify")

        assert refused.status_code == 429
        assert error_code(refused) == "rate_limited"
        assert refused.headers["Retry-After"] == "1"
        assert answered.status_code == 200


class TestPagesCappedInBytes:
    BIG = 10_000  # Chinese characters per report section: a report is about 90 KB as JSON

    @limited(max_page_bytes=250_000)
    def test_a_page_stops_at_max_page_bytes_and_gives_next_after(
        self, api: Api, runners: Runners, limits: Any
    ) -> None:
        api.cycle_in("reporting")
        secretary = api.as_("sec-county-a")
        big = {key: f"{value}{'进' * self.BIG}" if key != "title" else value
               for key, value in REPORT.items()}
        for _ in range(5):
            assert secretary.post(f"{PARTICIPANT}/report", big).status_code == 201
        fresh = {"X-Min-Position": str(api.position())}

        pages, after, seen = [], 0, []
        while after is not None:
            response = api.admin.get("/audit/events", params={
                "after": after, "type": "lianping:Report.Resubmitted", "limit": 1000,
            }, headers=fresh)
            assert response.status_code == 200, response.text
            pages.append(len(response.content))
            seen += [e["position"] for e in response.json()["events"]]
            after = response.json()["next_after"]

        assert max(pages) <= 250_000
        assert len(pages) == 2  # four resubmissions of ~90 KB: two fit in a page
        assert len(seen) == len(set(seen)) == 4

    @limited(max_page_bytes=5_000)
    def test_one_event_larger_than_the_cap_still_comes_alone(
        self, api: Api, runners: Runners, limits: Any
    ) -> None:
        api.cycle_in("reporting")
        big = {**REPORT, "achievements": "进" * 20_000}
        api.as_("sec-county-a").post(f"{PARTICIPANT}/report", big)
        api.as_("sec-county-a").post(f"{PARTICIPANT}/report", big)
        fresh = {"X-Min-Position": str(api.position())}

        first = api.admin.get("/events", params={"after": api.position() - 2}, headers=fresh)

        assert [e["position"] for e in first.json()["events"]] == [api.position() - 1]
        assert first.json()["next_after"] == api.position() - 1

    def test_the_default_is_eight_mebibytes(self, api: Api) -> None:
        assert api.app.settings.max_page_bytes == 8 * 1024 * 1024

    @limited(max_page_bytes=4096 + 20_000)
    def test_flags_page_on_in_bytes_too(self, api: Api, runners: Runners, limits: Any) -> None:
        api.cycle_in("reporting")
        secretary, reason = api.as_("sec-county-a"), "退回" * 2_500  # ~15 KB as JSON
        for _ in range(3):
            secretary.post(f"{PARTICIPANT}/report", REPORT)
            api.organizer.post(f"{PARTICIPANT}/report/return", {"reason": reason})
        fresh = {"X-Min-Position": str(api.position())}

        kinds, after, pages = [], 0, 0
        while after is not None:
            body = api.admin.get("/audit/flags", params={"cycle_id": CYCLE, "after": after},
                                 headers=fresh).json()
            pages += 1
            kinds += [flag["kind"] for flag in body["flags"]]
            after = body["next_after"]

        assert kinds.count("returned_report") == 3
        assert pages >= 3


class TestCapPage:
    def test_rows_sharing_a_cursor_stay_on_one_page(self) -> None:
        rows = [{"p": 1, "x": "a" * 10}, {"p": 2, "x": "b"}, {"p": 2, "x": "c"}, {"p": 3}]

        assert cap_page(rows, 2, 0, cursor=lambda r: r["p"]) == ([rows[0]], True)
        assert cap_page(rows[1:], 1, 0, cursor=lambda r: r["p"]) == (rows[1:3], True)
        assert cap_page(rows, 4, 0, cursor=lambda r: r["p"]) == (rows, False)

    def test_bytes_cut_but_the_first_row_always_comes(self) -> None:
        rows = [{"x": "进" * 3000}, {"x": "y"}]

        assert cap_page(rows, 10, 4096 + 100) == ([rows[0]], True)
        assert cap_page(rows, 10, 4096 + 10_000) == (rows, False)
        assert cap_page(rows, 1, 0) == ([rows[0]], True)
