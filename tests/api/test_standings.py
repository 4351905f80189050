"""Standings through HTTP: provisional, frozen, as of a moment, and who may see them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.usecases import cycles
from tests.api.helpers import CYCLE, Api, error_code

S = f"/cycles/{CYCLE}/standings"


def rated(api: Api) -> None:
    api.cycle_in("reviewing")
    api.world.rate(CYCLE, "county-a", (8, 2, 0, 0))
    api.world.rate(CYCLE, "county-b", (5, 4, 1, 0))


class TestStandings:
    def test_before_finalization_the_figures_are_provisional(self, api: Api) -> None:
        rated(api)

        response = api.organizer.get(S)

        assert response.status_code == 200
        body = response.json()
        assert body["provisional"] is True
        assert body["as_of"] is None
        assert body["position"] == api.position()
        assert [r["org_code"] for r in body["rows"]] == ["county-a", "county-b", "county-c"]
        assert body["rows"][0]["ratings"] == {"good": 8, "fairly_good": 2, "average": 0, "poor": 0}
        assert body["rows"][0]["review_score"] == "96.00"
        assert body["rows"][2]["review_score"] is None
        assert body["rows"][0]["org_name"] == "甲县"

    def test_after_finalization_the_results_are_frozen(self, api: Api) -> None:
        rated(api)
        api.world.run("organizer", cycles.finalize, CYCLE)

        response = api.as_("inspector").get(S)

        assert response.status_code == 200
        assert response.json()["provisional"] is False
        assert response.json()["rows"][0]["grade_label"] in {"好", "较好", "一般", "差"}

    def test_as_of_a_moment_before_the_cycle_there_is_nothing(self, api: Api) -> None:
        rated(api)

        for as_of in ("2000-01-01T00:00:00Z", "2000-01-01T08:00:00+08:00"):
            response = api.organizer.get(S, params={"as_of": as_of})

            assert response.status_code == 200, as_of
            assert response.json()["rows"] == []
            assert response.json()["as_of"].startswith("2000-01-01T")

    def test_an_unencoded_plus_in_the_offset_is_understood(self, api: Api) -> None:
        rated(api)

        response = api.organizer.get(f"{S}?as_of=2000-01-01T08:00:00+08:00")

        assert response.status_code == 200
        assert response.json()["as_of"] == "2000-01-01T08:00:00+08:00"

    def test_as_of_now_gives_the_current_figures(self, api: Api) -> None:
        rated(api)
        now = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()

        as_of = api.organizer.get(S, params={"as_of": now}).json()
        current = api.organizer.get(S).json()

        assert as_of["rows"] == current["rows"]

    def test_a_naive_or_unreadable_moment_is_unprocessable(self, api: Api) -> None:
        rated(api)

        for as_of in ("2026-11-28T10:00:00", "yesterday", "2026-11-28"):
            response = api.organizer.get(S, params={"as_of": as_of})

            assert response.status_code == 422, as_of
            assert response.json()["error"]["details"][0]["field"] == "as_of"

    def test_secretaries_and_reviewers_may_not_see_them(self, api: Api) -> None:
        rated(api)

        for who in ("sec-county-a", "reviewer-1"):
            response = api.as_(who).get(S)

            assert response.status_code == 403, who
            assert error_code(response) == "organizer_or_inspector"

    def test_an_unknown_cycle_is_not_found(self, api: Api) -> None:
        response = api.organizer.get("/cycles/nope/standings")

        assert response.status_code == 404
