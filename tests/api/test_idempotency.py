"""Idempotency-Key and If-Match through HTTP: replays, reused keys, per-account scope, refusals
that record nothing, stale versions answered 412 before any rule."""

from __future__ import annotations

import pytest

from tests.api.helpers import CYCLE, Api, error_code

P = f"/cycles/{CYCLE}/participants"
ACCOUNT = {"account_id": "wang", "name": "王五"}


class TestIdempotencyKey:
    def test_a_retry_replays_the_answer_and_records_nothing(self, api: Api) -> None:
        headers = {"Idempotency-Key": "open-wang-1"}
        first = api.admin.post("/accounts", ACCOUNT, headers)
        position = api.position()

        retry = api.admin.post("/accounts", ACCOUNT, headers)

        assert first.status_code == 201
        assert "Idempotent-Replayed" not in first.headers
        assert retry.status_code == 201
        assert retry.json() == first.json()
        assert retry.headers["ETag"] == first.headers["ETag"]
        assert retry.headers["X-Event-Position"] == first.headers["X-Event-Position"]
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert api.position() == position

    def test_a_replayed_amendment_keeps_its_200(self, api: Api) -> None:
        api.cycle_in("reviewing")
        reviewer = api.as_("reviewer-1")
        reviewer.post(f"{P}/county-a/reviews", {"rating": "good"})
        body = {"rating": "average", "reason": "复核"}

        first = reviewer.post(f"{P}/county-a/reviews", body, {"Idempotency-Key": "k"})
        retry = reviewer.post(f"{P}/county-a/reviews", body, {"Idempotency-Key": "k"})

        assert (first.status_code, retry.status_code) == (200, 200)
        assert retry.headers["Idempotent-Replayed"] == "true"

    def test_a_replayed_token_issue_gives_the_same_working_token(self, api: Api) -> None:
        headers = {"Idempotency-Key": "token-for-admin"}
        first = api.admin.post("/accounts/admin/tokens", {"expires_in_days": 3}, headers)

        retry = api.admin.post("/accounts/admin/tokens", {"expires_in_days": 3}, headers)
        me = api.client.get("/api/v1/me",
                            headers={"Authorization": f"Bearer {retry.json()['token']}"})

        assert first.status_code == 201
        assert retry.status_code == 201
        assert retry.json() == first.json()
        assert me.status_code == 200

    @pytest.mark.parametrize("other", [
        ("/accounts", {**ACCOUNT, "name": "王六"}),
        ("/accounts", {"name": "王五", "account_id": "wang"}),  # same fields, other bytes
        ("/organizations", {"code": "wang", "name": "王", "level": "province"}),
    ])
    def test_the_same_key_with_another_body_or_path_is_refused(
        self, api: Api, other: tuple[str, dict]
    ) -> None:
        headers = {"Idempotency-Key": "k-1"}
        api.admin.post("/accounts", ACCOUNT, headers)
        position = api.position()

        response = api.admin.post(other[0], other[1], headers)

        assert response.status_code == 422
        assert error_code(response) == "idempotency_key_reused"
        assert api.position() == position

    def test_keys_are_scoped_to_the_calling_account(self, api: Api) -> None:
        api.cycle_in("reviewing")
        headers = {"Idempotency-Key": "same-key"}

        one = api.as_("reviewer-1").post(f"{P}/county-a/reviews", {"rating": "good"}, headers)
        two = api.as_("reviewer-2").post(f"{P}/county-a/reviews", {"rating": "good"}, headers)

        assert (one.status_code, two.status_code) == (201, 201)
        assert "Idempotent-Replayed" not in two.headers
        assert one.headers["X-Event-Position"] != two.headers["X-Event-Position"]

    def test_a_refused_command_stores_nothing_under_its_key(self, api: Api) -> None:
        api.world.cycle(CYCLE, 2026)
        api.world.advance(CYCLE, "reporting")
        api.world.advance(CYCLE, "reviewing")
        headers = {"Idempotency-Key": "rate-a"}
        position = api.position()

        refused = api.as_("reviewer-1").post(f"{P}/county-a/reviews", {"rating": "good"}, headers)
        unchanged = api.position()
        api.world.advance(CYCLE, "reporting", reason="补交报告")
        api.world.report(CYCLE, "county-a")
        api.world.advance(CYCLE, "reviewing")
        retried = api.as_("reviewer-1").post(f"{P}/county-a/reviews", {"rating": "good"}, headers)

        assert refused.status_code == 409
        assert error_code(refused) == "report_not_submitted"
        assert unchanged == position
        assert retried.status_code == 201
        assert "Idempotent-Replayed" not in retried.headers

    @pytest.mark.parametrize("key", ["", "k" * 201])
    def test_an_empty_or_overlong_key_is_unprocessable(self, api: Api, key: str) -> None:
        response = api.admin.post("/accounts", ACCOUNT, {"Idempotency-Key": key})

        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "idempotency-key"

    def test_a_key_of_200_chars_is_fine(self, api: Api) -> None:
        response = api.admin.post("/accounts", ACCOUNT, {"Idempotency-Key": "k" * 200})

        assert response.status_code == 201


class TestIfMatch:
    @pytest.mark.parametrize("form", ['"{v}"', "{v}", 'W/"{v}"'])
    def test_a_write_at_the_current_version_goes_through(self, api: Api, form: str) -> None:
        api.cycle_in("preparing")
        version = api.organizer.get(f"/cycles/{CYCLE}").json()["version"]

        response = api.organizer.post(f"/cycles/{CYCLE}/advance", {"to": "reporting"},
                                      {"If-Match": form.format(v=version)})

        assert response.status_code == 200
        assert response.headers["ETag"] == f'"{version + 1}"'

    def test_a_stale_version_is_412_and_records_nothing(self, api: Api) -> None:
        api.cycle_in("preparing")
        etag = api.organizer.get(f"/cycles/{CYCLE}").headers["ETag"]
        api.organizer.post(f"/cycles/{CYCLE}/advance", {"to": "reporting"})
        position = api.position()

        response = api.organizer.post(f"/cycles/{CYCLE}/advance", {"to": "reviewing"},
                                      {"If-Match": etag})

        assert response.status_code == 412
        assert error_code(response) == "version_mismatch"
        assert api.position() == position

    def test_a_stale_version_is_answered_before_any_rule(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.organizer.post(f"/cycles/{CYCLE}/advance", {"to": "closed"},
                                      {"If-Match": '"1"'})

        assert response.status_code == 412

    def test_if_match_zero_means_the_item_must_not_exist_yet(self, api: Api) -> None:
        api.cycle_in("reviewing")
        reviewer = api.as_("reviewer-1")

        first = reviewer.post(f"{P}/county-a/reviews", {"rating": "good"}, {"If-Match": '"0"'})
        second = reviewer.post(f"{P}/county-a/reviews", {"rating": "poor", "reason": "改"},
                               {"If-Match": '"0"'})

        assert first.status_code == 201
        assert second.status_code == 412

    def test_a_report_etag_makes_a_resubmission_conditional(self, api: Api) -> None:
        api.cycle_in("reporting")
        secretary = api.as_("sec-county-a")
        report = {"title": "述职报告", "achievements": "成效", "problems": "问题", "plans": "打算"}
        secretary.post(f"{P}/county-a/report", report)
        etag = api.organizer.get(f"{P}/county-a/report").headers["ETag"]

        fresh = secretary.post(f"{P}/county-a/report", report, {"If-Match": etag})
        stale = secretary.post(f"{P}/county-a/report", report, {"If-Match": etag})

        assert fresh.status_code == 201
        assert stale.status_code == 412

    def test_an_unreadable_if_match_is_400_and_records_nothing(self, api: Api) -> None:
        api.cycle_in("preparing")
        position = api.position()

        for value in ("*", '"abc"', "1, 2", '"1" "2"', "-1"):
            response = api.organizer.post(f"/cycles/{CYCLE}/advance", {"to": "reporting"},
                                          {"If-Match": value})

            assert response.status_code == 400, value
            assert error_code(response) == "invalid_if_match"
        assert api.position() == position
