"""Every answer carries the security headers (JSON and HTML, errors and the edge's own refusals
included), and /docs and /redoc work without internet: every asset comes from this server and no
page needs an inline script."""

from __future__ import annotations

import re
import warnings
from urllib.parse import urlparse

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tests.api.helpers import Api

ASSET = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']""")


def assert_security_headers(response, html: bool = False) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    if html:
        assert "default-src 'self'" in csp
        script = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
        assert script.split() == ["script-src", "'self'"]  # no inline script, no eval
    else:
        assert "default-src 'none'" in csp


class TestSecurityHeaders:
    def test_on_json_answers_and_errors(self, api: Api) -> None:
        answers = [
            api.admin.get("/me"),                               # 200
            api.anonymous.get("/me"),                           # 401
            api.admin.get("/no-such-route"),                    # 404
            api.admin.get("/audit/events?actor=%00"),           # 422 from the edge
            api.admin.post("/accounts", content=b"x" * (2 * 1024 * 1024),
                           headers={"Content-Type": "application/json"}),  # 413 from the edge
            api.client.get("/healthz"),
            api.client.get("/metrics"),
        ]
        assert [r.status_code for r in answers] == [200, 401, 404, 422, 413, 200, 200]
        for response in answers:
            assert_security_headers(response)

    def test_on_an_internal_error(self, api: Api, web: FastAPI) -> None:
        @web.get("/boom")
        def boom() -> None:
            raise RuntimeError("boom")

        with TestClient(web, raise_server_exceptions=False) as client:
            response = client.get("/boom")

        assert response.status_code == 500
        assert response.json()["error"]["code"] == "internal_error"
        assert_security_headers(response)

    @pytest.mark.parametrize("path", ["/docs", "/redoc"])
    def test_on_html_a_strict_policy(self, api: Api, path: str) -> None:
        response = api.client.get(path)

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert_security_headers(response, html=True)


class TestDocsOffline:
    @pytest.mark.parametrize("path", ["/docs", "/redoc"])
    def test_every_asset_is_served_here_and_no_script_is_inline(
        self, api: Api, path: str
    ) -> None:
        html = api.client.get(path).text
        assets = ASSET.findall(html)

        assert "http://" not in html and "https://" not in html
        assert assets, html
        for asset in assets:
            assert not urlparse(asset).netloc, asset
            answer = api.client.get(asset)
            assert answer.status_code == 200, asset
            assert answer.content, asset
        for script in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            assert "src=" in script[0] and not script[1].strip(), script

    def test_swagger_ui_is_set_up_from_a_script_file_on_the_served_schema(
        self, api: Api
    ) -> None:
        init = api.client.get("/docs/init.js")

        assert init.headers["content-type"].startswith("text/javascript")
        assert '"/openapi.json"' in init.text
        assert api.client.get("/openapi.json").status_code == 200
        assert "/docs/assets/swagger-ui-bundle.js" in api.client.get("/docs").text
        assert "/docs/assets/redoc.standalone.js" in api.client.get("/redoc").text
