"""API.md's conventions: auth, the one error shape, media types, body limit, UTF-8, operations."""

from __future__ import annotations

import sqlite3
from typing import Any

import anyio.to_thread
import psycopg
import psycopg_pool
import pytest
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.main import OPERATIONS_ROUTERS, ROUTERS, create_app
from api.routing import OneHopRoute
from application.settings import Settings
from projections.registry import NAMES
from tests.api.helpers import BASE, CYCLE, Api, error_code


class TestAuthentication:
    @pytest.mark.parametrize("authorization", [None, "", "Bearer", "Basic YWRtaW46YWRtaW4="])
    def test_a_missing_token_is_401_with_a_bearer_challenge(
        self, api: Api, authorization: str | None
    ) -> None:
        headers = {} if authorization is None else {"Authorization": authorization}

        response = api.client.get(f"{BASE}/me", headers=headers)

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert error_code(response) == "missing_token"

    @pytest.mark.parametrize("token", ["nonsense", "x" * 5000, "管理员"])
    def test_an_unknown_token_is_401(self, api: Api, token: str) -> None:
        response = api.client.get(
            f"{BASE}/me", headers={"Authorization": f"Bearer {token}".encode()}
        )

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert error_code(response) == "invalid_token"

    def test_writes_are_refused_before_anything_else_without_a_token(self, api: Api) -> None:
        before = api.position()

        response = api.anonymous.post("/organizations", {"code": 1})

        assert response.status_code == 401
        assert api.position() == before

    @pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"])
    def test_operations_and_docs_need_no_token(self, client: TestClient, path: str) -> None:
        response = client.get(path)

        assert response.status_code == 200


class TestErrorShape:
    def test_an_unknown_route_is_404_in_the_error_shape(self, api: Api) -> None:
        response = api.admin.get("/nowhere")

        assert response.status_code == 404
        assert error_code(response) == "not_found"

    def test_a_wrong_method_is_405_in_the_error_shape(self, api: Api) -> None:
        response = api.client.delete(f"{BASE}/me", headers=api.admin.headers(None))

        assert response.status_code == 405
        assert error_code(response) == "method_not_allowed"
        assert "GET" in response.headers["Allow"]

    def test_malformed_json_is_400(self, api: Api) -> None:
        before = api.position()

        response = api.admin.post(
            "/accounts", content=b'{"account_id": "x",',
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 400
        assert error_code(response) == "malformed_json"
        assert api.position() == before

    def test_a_body_that_is_not_utf8_is_400(self, api: Api) -> None:
        response = api.admin.post(
            "/accounts", content=b'{"account_id": "x", "name": "\xff\xfe"}',
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 400
        assert error_code(response) == "malformed_json"

    @pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                              "application/xml", None])
    def test_a_body_that_is_not_json_is_415(self, api: Api, content_type: str | None) -> None:
        headers = {"Content-Type": content_type} if content_type else {}

        response = api.admin.post(
            "/accounts", content=b'{"account_id": "x", "name": "x"}', headers=headers
        )

        assert response.status_code == 415
        assert error_code(response) == "unsupported_media_type"

    def test_json_with_a_charset_is_accepted(self, api: Api) -> None:
        response = api.admin.post(
            "/accounts", content='{"account_id": "x", "name": "某"}'.encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

        assert response.status_code == 201

    def test_a_body_that_is_not_an_object_is_422(self, api: Api) -> None:
        response = api.admin.post("/accounts", [1, 2])

        assert response.status_code == 422
        assert error_code(response) == "validation_error"

    def test_validation_details_list_every_field(self, api: Api) -> None:
        response = api.admin.post("/accounts", {"account_id": 5, "nick": "x"})

        assert response.status_code == 422
        fields = {(d["in"], d["field"]) for d in response.json()["error"]["details"]}
        assert fields == {("body", "account_id"), ("body", "name"), ("body", "nick")}


class TestBodyLimit:
    def test_a_body_over_one_mebibyte_is_413(self, api: Api) -> None:
        before = api.position()
        body = {"account_id": "x", "name": "某" * (1024 * 1024 // 3 + 10)}

        response = api.admin.post("/accounts", body)

        assert response.status_code == 413
        assert error_code(response) == "body_too_large"
        assert api.position() == before

    def test_a_streamed_body_without_content_length_is_cut_off_too(self, api: Api) -> None:
        def chunks():  # a chunked upload: no Content-Length to trust
            yield b'{"account_id": "x", "name": "'
            for _ in range(20):
                yield b"a" * 65536
            yield b'"}'

        response = api.admin.post(
            "/accounts", content=chunks(), headers={"Content-Type": "application/json"}
        )

        assert response.status_code == 413
        assert error_code(response) == "body_too_large"

    def test_a_body_just_under_the_limit_is_read(self, api: Api) -> None:
        response = api.admin.post("/accounts", {"account_id": "x", "name": "a" * 900_000})

        assert response.status_code == 422  # the name is too long: the body itself was read
        assert response.json()["error"]["details"][0]["field"] == "name"


class TestOperations:
    def test_healthz_answers_ok_at_the_root_and_under_the_base(self, client: TestClient) -> None:
        for path in ("/healthz", f"{BASE}/healthz"):
            response = client.get(path)

            assert response.status_code == 200
            assert response.json() == {"status": "ok"}

    def test_readyz_reports_the_store_position(self, api: Api) -> None:
        position = api.position()

        response = api.client.get("/readyz")

        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["position"]) == ("ready", position)
        assert set(body["read_models"]) == {"audit", "flags", "rectification", "records",
                                            "finding"}
        assert all(behind >= 0 for behind in body["read_models"].values())

    def test_metrics_count_requests_by_route_template_and_writes(self, api: Api) -> None:
        api.cycle_in("preparing")
        api.organizer.get(f"/cycles/{CYCLE}")
        api.organizer.get("/cycles/unknown")
        write = api.admin.post("/accounts", {"account_id": "x", "name": "某"})

        text = api.client.get("/metrics").text

        assert 'route="/api/v1/cycles/{cycle_id}",status="200"' in text
        assert 'route="/api/v1/cycles/{cycle_id}",status="404"' in text
        assert 'lianping_writes_total{route="/api/v1/accounts"} 1.0' in text
        assert f"lianping_last_event_position {float(write.headers['X-Event-Position'])}" in text
        assert "lianping_http_request_duration_seconds_bucket" in text

    def test_metrics_count_the_runner_threads_of_the_process(
        self, client: TestClient, settings: Settings
    ) -> None:
        """Given an application, an app runs no read models; one that builds its own runs them
        in-process (`lianping serve`'s API processes do not: tests/e2e/test_read_model_process)."""
        gauge = "lianping_read_model_runner_threads"
        assert f"{gauge} 0.0" in client.get("/metrics").text

        with TestClient(create_app(settings)) as owner:
            text = owner.get("/metrics").text

        assert f"{gauge} {float(len(NAMES))}" in text

    def test_openapi_documents_the_error_shape_and_chinese_examples(
        self, client: TestClient
    ) -> None:
        response = client.get("/openapi.json")

        assert response.status_code == 200
        schema = response.json()
        scores = schema["paths"][f"{BASE}/cycles/{{cycle_id}}/participants/{{org_code}}/scores"]
        assert scores["post"]["responses"]["422"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorOut"
        }
        assert "夯实基础" in response.text


@pytest.mark.parametrize("failure", [
    OperationalError("database is locked"),
    InterfaceError("connection closed"),
    sqlite3.OperationalError("database is locked"),
    psycopg.OperationalError("server closed the connection"),
    psycopg_pool.PoolTimeout("couldn't get a connection after 3.00 sec"),
])
class TestStoreUnavailable:
    def test_a_read_is_503_with_retry_after(
        self, api: Api, monkeypatch: pytest.MonkeyPatch, failure: Exception
    ) -> None:
        caller = api.admin

        def down(*args: object, **kwargs: object) -> None:
            raise failure

        monkeypatch.setattr(api.app.repository, "get", down)
        response = caller.get("/me")

        assert response.status_code == 503
        assert error_code(response) == "store_unavailable"
        assert response.headers["Retry-After"]

    def test_readyz_is_503(
        self, api: Api, monkeypatch: pytest.MonkeyPatch, failure: Exception
    ) -> None:
        def down(*args: object, **kwargs: object) -> None:
            raise failure

        monkeypatch.setattr(api.app.recorder, "max_notification_id", down)
        response = api.client.get("/readyz")

        assert response.status_code == 503
        assert error_code(response) == "store_unavailable"
        assert "lianping_store_errors_total" in api.client.get("/metrics").text


class TestMinPosition:
    def test_a_read_at_a_reached_position_answers_at_once(self, api: Api) -> None:
        api.cycle_in("preparing")
        position = api.position()

        response = api.organizer.get(f"/cycles/{CYCLE}", headers={"X-Min-Position": str(position)})

        assert response.status_code == 200
        assert response.headers["ETag"] == f'"{response.json()["version"]}"'

    def test_a_position_beyond_the_log_is_422_at_once(self, api: Api, web) -> None:
        web.state.min_position_wait = 60  # a wait would show as a minute-long test
        head = api.position()

        response = api.admin.get("/me", headers={"X-Min-Position": str(head + 1000)})

        assert response.status_code == 422
        assert error_code(response) == "position_not_reached"
        assert response.json()["error"]["details"] == {"position": head, "wanted": head + 1000}

    def test_the_head_itself_is_reached(self, api: Api) -> None:
        response = api.admin.get("/me", headers={"X-Min-Position": str(api.position())})

        assert response.status_code == 200

    @pytest.mark.parametrize("value", ["-1", "abc", "1.5"])
    def test_a_bad_min_position_is_422(self, api: Api, value: str) -> None:
        response = api.admin.get("/me", headers={"X-Min-Position": value})

        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["in"] == "header"


class TestAppFactory:
    def test_the_factory_builds_and_closes_its_own_application(self, settings: Settings) -> None:
        web = create_app(settings)

        with TestClient(web) as client:
            response = client.get("/readyz")

        assert response.status_code == 200
        assert response.json()["status"] == "ready"
        assert web.state.lianping.closing.is_set()


class TestThreadHops:
    """A request crosses to the thread pool once: its sync endpoint runs there (and a write's
    authentication with it, inside the command); its response is validated on the loop."""

    def test_a_write_by_a_known_token_runs_in_the_thread_pool_once(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        api.admin.post("/organizations", {"code": "prov", "name": "某省", "level": "province"})
        hops = count_thread_hops(monkeypatch)

        response = api.admin.post("/organizations",
                                  {"code": "city", "name": "某市", "level": "city",
                                   "parent_code": "prov"})

        assert response.status_code == 201
        assert hops == [1]

    def test_every_route_is_a_one_hop_route(self) -> None:
        routes = [route for router in (*ROUTERS, *OPERATIONS_ROUTERS) for route in router.routes
                  if isinstance(route, APIRoute)]

        assert len(routes) > 40
        assert [r.path for r in routes if not isinstance(r, OneHopRoute)] == []


def count_thread_hops(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    hops = [0]
    run_sync = anyio.to_thread.run_sync

    async def counted(*args: Any, **kwargs: Any) -> Any:
        hops[0] += 1
        return await run_sync(*args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return hops


class TestUnexpectedErrors:
    def test_an_unexpected_exception_is_a_500_in_the_error_shape(
        self, api: Api, web, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from application.usecases import directory

        def broken(*args: object) -> None:
            raise RuntimeError("boom")

        caller = api.admin
        monkeypatch.setattr(directory, "me", broken)
        with TestClient(web, raise_server_exceptions=False) as client:
            response = client.get(f"{BASE}/me", headers=caller.headers(None))

        assert response.status_code == 500
        assert error_code(response) == "internal_error"
        assert "boom" not in response.text
        assert 'route="/api/v1/me",status="500"' in client.get("/metrics").text
