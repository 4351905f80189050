"""The web console's framework over HTTP, on SQLite and PostgreSQL: signing in and out, the
session cookie, the CSRF token of every form, the password an admin set changed first, the
home page 我的待办 linking each task to its console page, and refusals as Chinese pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.console import paths
from api.console.web import SESSION_COOKIE
from application.app import Request
from application.usecases import passwords, sessions
from tests.api.helpers import Api
from tests.application.world import ADMIN
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("cheap_hashes", "runners")
PASSWORD = "初始密码-0123456789"
NEW = "我自己的密码-abcdef"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, html[-500:]
    return found.group(1)


def main_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1]))


def given_password(api: Api, account_id: str, must_change: bool = False) -> None:
    api.world  # noqa: B018
    passwords.set_password(api.app, Request(ADMIN), account_id, PASSWORD, must_change)


def sign_in(client: TestClient, account_id: str, password: str = PASSWORD,
            next_path: str | None = None):
    form = client.get(paths.login(next_path))
    return client.post(paths.LOGIN, data={"csrf_token": csrf_of(form.text), "account_id":
                       account_id, "password": password, "next": next_path or ""},
                       follow_redirects=False)


class TestSignIn:
    def test_a_page_without_a_session_leads_to_the_sign_in_form_and_back(self, api: Api):
        given_password(api, "organizer")
        client = api.client

        away = client.get("/cycles?year=2026", follow_redirects=False)
        form = client.get(away.headers["location"])
        signed = sign_in(client, "organizer", next_path="/cycles?year=2026")

        assert away.status_code == 303 and away.headers["location"] == \
            "/login?next=%2Fcycles%3Fyear%3D2026"
        assert form.status_code == 200
        for label in ('<label for="account_id">账号', '<label for="password">密码',
                      ">登录</button>", 'lang="zh-CN"'):
            assert label in form.text
        assert signed.status_code == 303 and signed.headers["location"] == "/cycles?year=2026"
        cookie = signed.headers["set-cookie"]
        assert f"{SESSION_COOKIE}=" in cookie
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        assert "Max-Age=28800" in cookie
        home = client.get("/")
        assert home.status_code == 200 and "我的待办" in home.text and "登录成功" in home.text

    def test_only_paths_of_this_server_are_followed_after_sign_in(self, api: Api):
        given_password(api, "organizer")
        for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
            signed = sign_in(api.client, "organizer", next_path=target)
            assert signed.headers["location"] == "/", target
            api.client.cookies.clear()

    def test_wrong_passwords_are_refused_in_chinese_and_the_fifth_is_429(self, api: Api):
        given_password(api, "organizer")
        answers = [sign_in(api.client, "organizer", "wrong-password") for _ in range(5)]

        assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
        assert "账号或密码不正确" in answers[0].text
        assert "操作过于频繁，请稍后再试" in answers[4].text
        assert answers[4].headers["Retry-After"] == "900"
        assert SESSION_COOKIE not in api.client.cookies

    def test_a_sign_in_without_the_forms_csrf_token_is_403(self, api: Api):
        given_password(api, "organizer")
        api.client.get(paths.LOGIN)

        refused = api.client.post(paths.LOGIN, data={"account_id": "organizer",
                                                     "password": PASSWORD})

        assert refused.status_code == 403
        assert "text/html" in refused.headers["content-type"]
        assert "页面已过期" in refused.text
        assert SESSION_COOKIE not in api.client.cookies

    def test_under_https_the_cookies_are_secure(self, api: Api):
        given_password(api, "organizer")
        client = TestClient(api.client.app, base_url="https://testserver")

        signed = sign_in(client, "organizer")

        assert "Secure" in signed.headers["set-cookie"]


class TestForms:
    def test_every_console_post_needs_the_sessions_csrf_token(self, api: Api):
        given_password(api, "organizer")
        sign_in(api.client, "organizer")
        other = TestClient(api.client.app)
        sign_in(other, "organizer")
        someone_elses = csrf_of(other.get("/").text)

        for data in ({}, {"csrf_token": ""}, {"csrf_token": someone_elses}):
            refused = api.client.post(paths.LOGOUT, data=data, follow_redirects=False)
            assert refused.status_code == 403 and "页面已过期" in refused.text
        assert api.client.get("/", follow_redirects=False).status_code == 200  # still in

    def test_sign_out_ends_the_session(self, api: Api):
        given_password(api, "organizer")
        sign_in(api.client, "organizer")
        session_id = api.client.cookies[SESSION_COOKIE]

        out = api.client.post(paths.LOGOUT, data={"csrf_token": csrf_of(api.client.get("/").text)},
                              follow_redirects=False)

        assert out.status_code == 303 and out.headers["location"] == paths.LOGIN
        with pytest.raises(Exception) as ended:
            sessions.session_principal(api.app, session_id)
        assert getattr(ended.value, "code", None) == "session_expired"
        assert api.client.get("/", follow_redirects=False).status_code == 303


class TestForcedPasswordChange:
    def test_a_password_an_admin_set_is_changed_before_anything_else(self, api: Api):
        given_password(api, "sec-county-a", must_change=True)
        client = api.client

        signed = sign_in(client, "sec-county-a")
        elsewhere = client.get("/cycles", follow_redirects=False)
        form = client.get(paths.PASSWORD)
        token = csrf_of(form.text)
        differ = client.post(paths.PASSWORD, data={
            "csrf_token": token, "current_password": PASSWORD, "new_password": NEW,
            "new_password_again": NEW + "x"})
        wrong = client.post(paths.PASSWORD, data={
            "csrf_token": token, "current_password": "not-it-at-all", "new_password": NEW,
            "new_password_again": NEW})
        changed = client.post(paths.PASSWORD, data={
            "csrf_token": token, "current_password": PASSWORD, "new_password": NEW,
            "new_password_again": NEW}, follow_redirects=False)

        assert signed.headers["location"] == paths.PASSWORD
        assert elsewhere.status_code == 303 and elsewhere.headers["location"] == paths.PASSWORD
        assert "请先设置自己的密码" in form.text
        assert differ.status_code == 422 and "两次输入的新密码不一致" in differ.text
        assert wrong.status_code == 422 and "账号或密码不正确" in wrong.text
        assert changed.status_code == 303 and changed.headers["location"] == paths.HOME
        assert client.get("/cycles").status_code == 200
        assert sessions.sign_in(api.app, "sec-county-a", NEW, None).must_change_password is False


@pytest.mark.usefixtures("runners")
@pytest.mark.read_models("finding", "audit")
class TestPages:
    def test_the_home_page_links_each_task_to_its_console_page(self, api: Api):
        cycle_id = api.cycle_in("reporting")
        given_password(api, "sec-county-a")
        sign_in(api.client, "sec-county-a")

        home = api.client.get("/")

        assert home.status_code == 200
        assert f'href="{paths.report_form(cycle_id, "county-a")}"' in home.text
        assert "提交述职报告" in main_text(home.text)
        assert "/api/v1" not in home.text

    def test_refusals_are_chinese_pages_with_their_status(self, api: Api):
        cycle_id = api.cycle_in("reviewing")
        given_password(api, "reviewer-1")
        sign_in(api.client, "reviewer-1")

        missing = api.client.get(paths.cycle("no-such-cycle"))
        forbidden = api.client.get(paths.standings(cycle_id))
        bad_rating = api.client.post(
            paths.rate(cycle_id, "county-a"),
            data={"csrf_token": csrf_of(api.client.get("/").text), "rating": "excellent"})

        assert missing.status_code == 404 and "没有找到该考核周期" in main_text(missing.text)
        assert forbidden.status_code == 403 and "只有考核组织者和督查人员可以查看" in \
            main_text(forbidden.text)
        assert bad_rating.status_code == 422 and "请选择评议等次" in main_text(bad_rating.text)
        for page in (missing, forbidden, bad_rating):
            assert page.headers["content-type"].startswith("text/html")
            assert "script-src 'self'" in page.headers["content-security-policy"]
