"""The request path of a write: one dependency reading the request, routers behind path gates,
no access log by default, and a new rating decided without reading the store."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.exceptions import StarletteDeprecationWarning

from api.main import create_app
from api.routers import ROUTERS, participants
from api.routers.deps import write_of
from application.app import LianpingApp
from tests.api.helpers import CYCLE, Api, Caller, error_code
from tests.store_support import store_reads

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

P = f"/cycles/{CYCLE}/participants"
REVIEWS = "/api/v1/cycles/{cycle_id}/participants/{org_code}/reviews"


class TestOneWriteDependency:
    def test_a_write_route_resolves_one_dependency_without_sub_dependencies(self) -> None:
        route = next(r for r in participants.router.routes
                     if isinstance(r, APIRoute) and r.path.endswith("/reviews"))
        writes = [d for d in route.dependant.dependencies if d.call is write_of]

        assert len(writes) == 1 == len(route.dependant.dependencies)  # (no Application either)
        assert writes[0].dependencies == []
        assert writes[0].header_params == []

    def test_every_json_write_takes_it_through_write_of_alone(self) -> None:
        routes = [route for router in ROUTERS for route in router.routes
                  if isinstance(route, APIRoute)
                  and any(d.call is write_of for d in route.dependant.dependencies)]

        assert {"/cycles/{cycle_id}/participants/{org_code}/scores", "/accounts",
                "/audit/verify"} <= {route.path for route in routes}
        for route in routes:
            assert len(route.dependant.dependencies) == 1, route.path  # no Application beside it

    def test_the_document_still_shows_the_write_headers_and_the_bearer(self, api: Api) -> None:
        document = api.client.get("/openapi.json").json()
        operation = document["paths"][REVIEWS]["post"]

        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert headers == ["idempotency-key", "if-match"]
        assert operation["security"] == [{"bearer": []}]
        assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"

    @pytest.mark.parametrize("authorization", [None, "Basic abc", "Bearer", "Bearer  ", "bearer"])
    def test_a_write_without_a_bearer_token_is_401_missing_token(
        self, api: Api, authorization: str | None
    ) -> None:
        headers = {} if authorization is None else {"Authorization": authorization}
        response = api.client.post("/api/v1/accounts", json={"account_id": "x", "name": "某"},
                                   headers=headers)

        assert response.status_code == 401
        assert error_code(response) == "missing_token"

    def test_a_bad_token_is_answered_before_a_bad_idempotency_key(self, api: Api) -> None:
        response = api.client.post(
            "/api/v1/accounts", json={"account_id": "x", "name": "某"},
            headers={"Authorization": "Bearer nope", "Idempotency-Key": ""},
        )

        assert response.status_code == 401
        assert error_code(response) == "invalid_token"

    def test_an_overlong_key_is_a_header_validation_error(self, api: Api) -> None:
        response = api.admin.post("/accounts", {"account_id": "x", "name": "某"},
                                  {"Idempotency-Key": "k" * 201})

        assert response.status_code == 422
        assert response.json()["error"]["details"] == [{
            "field": "idempotency-key", "in": "header", "type": "string_too_long",
            "message": "String should have at most 200 characters",
        }]


class TestRouteGates:
    def test_every_documented_operation_is_served_by_its_route(self, api: Api) -> None:
        """Each path reaches a route (401 without a token, never 404 or 405)."""
        document = api.client.get("/openapi.json").json()
        for path, operations in document["paths"].items():
            concrete = path.replace("{", "").replace("}", "")
            for method in operations:
                response = api.client.request(method.upper(), concrete)
                assert response.status_code not in (404, 405), (method, path)

    def test_an_unknown_path_and_a_wrong_method_answer_as_before(self, api: Api) -> None:
        missing = api.client.get("/api/v1/cycles/c/participants/o/nothing")
        wrong = api.client.get("/api/v1/cycles/c/participants/o/reviews")

        assert (missing.status_code, error_code(missing)) == (404, "not_found")
        assert (wrong.status_code, error_code(wrong)) == (405, "method_not_allowed")
        assert wrong.headers["Allow"] == "POST"

    @pytest.mark.parametrize("path", ["/login", "/docs", "/healthz", "/api/v1/healthz"])
    def test_pages_outside_the_document_are_still_matched(self, api: Api, path: str) -> None:
        assert api.client.get(path).status_code == 200


class TestAccessLog:
    def test_off_by_default_as_uvicorn_access_log_false(
        self, app: LianpingApp, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        access = logging.getLogger("uvicorn.access")
        monkeypatch.setattr(access, "handlers", [logging.NullHandler()])
        monkeypatch.setattr(access, "propagate", True)

        create_app(application=app)

        assert not access.hasHandlers()

    def test_on_with_the_setting(self, app: LianpingApp, monkeypatch: pytest.MonkeyPatch) -> None:
        access = logging.getLogger("uvicorn.access")
        handler = logging.NullHandler()
        monkeypatch.setattr(access, "handlers", [handler])
        monkeypatch.setattr(app, "settings", app.settings.model_copy(update={"access_log": True}))

        create_app(application=app)

        assert access.handlers == [handler]


@pytest.fixture
def other_process(app: LianpingApp) -> Iterator[TestClient]:
    """A second server process on the same store, with its own (empty) aggregate cache."""
    other = LianpingApp(app.settings)
    try:
        web: FastAPI = create_app(application=other)
        with TestClient(web) as client:
            yield client
    finally:
        other.close()


class TestNewRatingsReadNothing:
    def test_a_new_rating_reads_no_events_of_its_own(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        api.cycle_in("reviewing")
        reviewer = api.as_("reviewer-1")
        reviewer.post(f"{P}/county-b/reviews", {"rating": "good"})  # the reviewer is cached now
        reads = store_reads(api.app, monkeypatch)

        response = reviewer.post(f"{P}/county-a/reviews", {"rating": "good"})

        assert response.status_code == 201
        assert reads == []

    def test_an_amendment_in_another_process_is_still_an_amendment(
        self, api: Api, other_process: TestClient
    ) -> None:
        api.cycle_in("reviewing")
        here = api.as_("reviewer-1")
        here.post(f"{P}/county-a/reviews", {"rating": "good"})
        elsewhere = Caller(other_process, api.token("reviewer-1"))
        position = api.position()

        refused_here = here.post(f"{P}/county-a/reviews", {"rating": "poor"})
        unexplained = elsewhere.post(f"{P}/county-a/reviews", {"rating": "poor"})
        explained = elsewhere.post(f"{P}/county-a/reviews", {"rating": "poor", "reason": "复核"})

        assert error_code(unexplained) == "reason_required"
        assert unexplained.status_code == refused_here.status_code
        assert explained.status_code == 200
        assert explained.headers["ETag"] == '"2"'
        # (one event: a failed first attempt may have used a position, never recorded one)
        assert len(api.app.recorder.select_notifications(position + 1, 10)) == 1

    def test_a_stale_if_match_in_another_process_is_412(
        self, api: Api, other_process: TestClient
    ) -> None:
        api.cycle_in("reviewing")
        api.as_("reviewer-1").post(f"{P}/county-a/reviews", {"rating": "good"})
        elsewhere = Caller(other_process, api.token("reviewer-1"))

        response = elsewhere.post(f"{P}/county-a/reviews", {"rating": "poor", "reason": "改"},
                                  {"If-Match": '"0"'})

        assert response.status_code == 412
