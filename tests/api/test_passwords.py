"""Console passwords and session revocation over HTTP, on SQLite and PostgreSQL; and the rule
that credentials are not history: no password, hash or session id in any stored event, the
event feed or an export."""

from __future__ import annotations

import pytest

from application.store.credentials import credential_store
from application.usecases import sessions
from domain import ids
from domain.account import Account
from tests.api.helpers import Api, error_code, read
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("cheap_hashes")
PASSWORD = "初始密码-0123456789"
NEW = "新的密码-abcdefghij"


def scoped_admin(api: Api) -> None:
    """admin2 administers county-a only."""
    api.world.person("admin2", "甲县管理员", "county-a", ("admin", "county-a"))
    api.token("admin2")


class TestSetPassword:
    def test_an_admin_sets_a_password_that_must_be_changed_at_first_sign_in(self, api: Api):
        api.world  # noqa: B018

        response = api.admin.post("/accounts/sec-county-a/password", {"password": PASSWORD})

        assert response.status_code == 200
        assert response.json() == {"account_id": "sec-county-a", "must_change_password": True}
        assert int(response.headers["X-Event-Position"]) == api.position()
        assert response.headers["ETag"] == '"3"'
        session = sessions.sign_in(api.app, "sec-county-a", PASSWORD, None)
        assert session.must_change_password

    def test_short_passwords_outsiders_and_unknown_accounts_are_refused(self, api: Api):
        scoped_admin(api)
        before = api.position()
        short = api.admin.post("/accounts/sec-county-a/password", {"password": "123456789"})
        assert short.status_code == 422 and error_code(short) == "password_too_short"
        not_admin = api.organizer.post("/accounts/sec-county-a/password", {"password": PASSWORD})
        assert not_admin.status_code == 403 and error_code(not_admin) == "admin_required"
        outside = api.as_("admin2").post("/accounts/sec-county-b/password", {"password": PASSWORD})
        assert outside.status_code == 403 and error_code(outside) == "outside_scope"
        unknown = api.admin.post("/accounts/nobody/password", {"password": PASSWORD})
        assert unknown.status_code == 404
        assert api.as_("admin2").post("/accounts/sec-county-a/password",
                                      {"password": PASSWORD}).status_code == 200
        assert api.position() == before + 1  # the refusals recorded nothing

    def test_a_retry_with_the_same_idempotency_key_sets_nothing_twice(self, api: Api):
        api.world  # noqa: B018
        headers = {"Idempotency-Key": "set-1"}
        first = api.admin.post("/accounts/sec-county-a/password", {"password": PASSWORD},
                               headers=headers)
        again = api.admin.post("/accounts/sec-county-a/password", {"password": PASSWORD},
                               headers=headers)
        assert (first.status_code, again.status_code) == (200, 200)
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["X-Event-Position"] == first.headers["X-Event-Position"]


class TestChangeOwnPassword:
    def test_the_current_password_must_match_and_the_new_one_differ(self, api: Api):
        api.world  # noqa: B018
        me = api.as_("sec-county-a")
        none_yet = me.post("/me/password", {"current_password": "x", "new_password": NEW})
        assert none_yet.status_code == 409 and error_code(none_yet) == "no_password"
        api.admin.post("/accounts/sec-county-a/password", {"password": PASSWORD})
        wrong = me.post("/me/password", {"current_password": "wrong", "new_password": NEW})
        assert wrong.status_code == 403 and error_code(wrong) == "invalid_credentials"
        same = me.post("/me/password", {"current_password": PASSWORD, "new_password": PASSWORD})
        assert same.status_code == 422 and error_code(same) == "password_unchanged"
        short = me.post("/me/password", {"current_password": PASSWORD, "new_password": "short"})
        assert short.status_code == 422 and error_code(short) == "password_too_short"

        changed = me.post("/me/password", {"current_password": PASSWORD, "new_password": NEW})

        assert changed.status_code == 200
        assert changed.json() == {"account_id": "sec-county-a", "must_change_password": False}
        assert not sessions.sign_in(api.app, "sec-county-a", NEW, None).must_change_password

    def test_five_wrong_current_passwords_are_answered_429_for_fifteen_minutes(self, api: Api):
        api.world  # noqa: B018
        api.admin.post("/accounts/sec-county-a/password", {"password": PASSWORD})
        me = api.as_("sec-county-a")
        answers = [me.post("/me/password", {"current_password": f"wrong-{n}",
                                            "new_password": NEW}) for n in range(5)]
        assert [a.status_code for a in answers] == [403, 403, 403, 403, 429]
        locked = me.post("/me/password", {"current_password": PASSWORD, "new_password": NEW})
        assert locked.status_code == 429 and error_code(locked) == "rate_limited"
        assert locked.headers["Retry-After"] == "900"


class TestSessionRevocation:
    def test_an_admin_ends_every_console_session_of_an_account(self, api: Api):
        scoped_admin(api)
        api.admin.post("/accounts/sec-county-a/password", {"password": PASSWORD})
        session = sessions.sign_in(api.app, "sec-county-a", PASSWORD, None)

        response = api.as_("admin2").post("/accounts/sec-county-a/sessions/revocation",
                                          {"reason": "设备遗失"})

        assert response.status_code == 200
        assert response.json() == {"account_id": "sec-county-a", "sessions_revoked": True}
        with pytest.raises(Exception) as caught:
            sessions.session_principal(api.app, session.session_id)
        assert getattr(caught.value, "code", None) == "session_expired"
        assert api.admin.post("/accounts/sec-county-a/sessions/revocation").status_code == 200
        outside = api.as_("admin2").post("/accounts/sec-county-b/sessions/revocation", {})
        assert outside.status_code == 403
        assert api.organizer.post("/accounts/sec-county-a/sessions/revocation",
                                  {}).status_code == 403
        assert api.admin.post("/accounts/nobody/sessions/revocation", {}).status_code == 404


@pytest.mark.usefixtures("runners")
@pytest.mark.read_models("finding", "audit")
class TestCredentialsAreNotHistory:
    def test_no_password_hash_or_session_id_in_events_feed_or_exports(self, api: Api):
        api.world  # noqa: B018
        api.admin.post("/accounts/sec-county-a/password", {"password": PASSWORD})
        api.as_("sec-county-a").post("/me/password",
                                     {"current_password": PASSWORD, "new_password": NEW})
        session = sessions.sign_in(api.app, "sec-county-a", NEW, "10.0.0.1")
        api.admin.post("/accounts/sec-county-a/sessions/revocation", {"reason": "演练"})
        account = api.app.find(Account, ids.account_id("sec-county-a"))
        assert account is not None and account.password_set_at is not None
        in_force = credential_store(api.app.recorder).hash_of("sec-county-a",
                                                              account.password_set_at)
        assert in_force is not None and in_force.startswith("$argon2id$")
        secrets = [PASSWORD, NEW, in_force, in_force.rsplit("$", 1)[1], session.session_id,
                   sessions.session_hash(session.session_id)]

        stored = api.app.recorder.select_notifications(start=0, limit=100_000)
        topics = [n.topic for n in stored]
        assert {"lianping:Account.PasswordSet", "lianping:Account.PasswordChanged",
                "lianping:Account.SessionsRevoked"} <= set(topics)
        blobs = [bytes(n.state) for n in stored]
        feed = read(api, "admin", "/events", limit=1000)
        exports = [read(api, "admin", "/audit/export", format=f) for f in ("jsonl", "csv")]
        assert feed.status_code == 200 and all(e.status_code == 200 for e in exports)
        texts = [feed.text, *(e.text for e in exports)]
        for secret in secrets:
            assert not any(secret.encode() in blob for blob in blobs), secret
            assert not any(secret in text for text in texts), secret
        password_events = [e for e in feed.json()["events"]
                           if e["type"].startswith("lianping:Account.Password")]
        assert [(e["actor"], sorted(e["data"])) for e in password_events] == [
            ("admin", ["actor", "must_change"]), ("sec-county-a", ["actor"])]
