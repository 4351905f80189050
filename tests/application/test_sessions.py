"""Console sessions as the console calls them (sign in, find the session's principal, sign out,
revoke), and the sign-in limits, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.app import LianpingApp, Request
from application.store.credentials import credential_store
from application.usecases import passwords, sessions
from domain import ids
from domain.errors import UnauthorizedError
from tests.application.world import ADMIN, World
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("cheap_hashes")
PASSWORD = "初始密码-0123456789"
NEW = "新的密码-abcdefghij"


class Clock:
    """``app.now`` under the test's control (sessions and limits count time from it)."""

    def __init__(self, app: LianpingApp, monkeypatch: pytest.MonkeyPatch) -> None:
        self.moment = datetime.now(UTC)
        monkeypatch.setattr(app, "now", lambda: self.moment)

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def world(app: LianpingApp) -> World:
    world = World(app)
    for account in ("sec-county-a", "sec-county-b", "reviewer-1"):
        passwords.set_password(app, Request(ADMIN), account, PASSWORD)
    return world


@pytest.fixture
def clock(app: LianpingApp, monkeypatch: pytest.MonkeyPatch, world: World) -> Clock:
    return Clock(app, monkeypatch)


def refused(call, code: str) -> None:
    with pytest.raises(Exception) as caught:
        call()
    assert getattr(caught.value, "code", None) == code, caught.value


class TestSignIn:
    def test_the_right_password_opens_a_session_that_must_first_change_it(self, app, world):
        session = sessions.sign_in(app, "sec-county-a", PASSWORD, "10.0.0.1")

        assert session.principal.account_id == "sec-county-a"
        assert session.principal.grants == (("secretary", "county-a"),)
        assert session.must_change_password is True
        found = sessions.session_principal(app, session.session_id)
        assert (found.principal, found.must_change_password) == (session.principal, True)

        changed = sessions.change_password(app, session.session_id, PASSWORD, NEW, "10.0.0.1")

        assert changed.must_change_password is False
        refused(lambda: sessions.session_principal(app, session.session_id), "session_expired")
        assert sessions.session_principal(app, changed.session_id).principal.account_id == \
            "sec-county-a"
        refused(lambda: sessions.sign_in(app, "sec-county-a", PASSWORD, None),
                "invalid_credentials")

    def test_wrong_unknown_and_unset_are_one_answer(self, app, world):
        for account, password in (("sec-county-a", "wrong-password"), ("nobody", PASSWORD),
                                  ("sec-county-c", PASSWORD), ("", PASSWORD)):
            with pytest.raises(UnauthorizedError) as caught:
                sessions.sign_in(app, account, password, None)
            assert caught.value.code == "invalid_credentials"

    def test_only_the_hash_named_by_the_account_is_in_force(self, app, world):
        # A hash written for a password event that was never saved (a lost race) is never used.
        stray = passwords.hash_password("a-password-never-saved")
        credential_store(app.recorder).put_hash("sec-county-a", app.now(), stray)
        refused(lambda: sessions.sign_in(app, "sec-county-a", "a-password-never-saved", None),
                "invalid_credentials")
        assert sessions.sign_in(app, "sec-county-a", PASSWORD, None).principal


class TestSignInLimits:
    def test_five_failures_for_an_account_lock_it_for_fifteen_minutes(self, app, clock):
        for _ in range(4):
            refused(lambda: sessions.sign_in(app, "sec-county-a", "wrong", "10.0.0.1"),
                    "invalid_credentials")
        with pytest.raises(passwords.RateLimitedError) as caught:
            sessions.sign_in(app, "sec-county-a", "wrong", "10.0.0.1")
        assert caught.value.retry_after == 900
        # While locked even the right password is refused, from any address.
        refused(lambda: sessions.sign_in(app, "sec-county-a", PASSWORD, "10.9.9.9"),
                "rate_limited")
        assert sessions.sign_in(app, "sec-county-b", PASSWORD, "10.9.9.9")  # others are not
        clock.advance(minutes=15, seconds=1)
        assert sessions.sign_in(app, "sec-county-a", PASSWORD, "10.0.0.1")

    def test_a_successful_sign_in_clears_the_account_count(self, app, clock):
        for _ in range(2):
            for _ in range(4):
                refused(lambda: sessions.sign_in(app, "sec-county-a", "wrong", None),
                        "invalid_credentials")
            assert sessions.sign_in(app, "sec-county-a", PASSWORD, None)

    def test_twenty_failures_from_one_address_lock_that_address(self, app, clock):
        for n in range(19):
            refused(lambda n=n: sessions.sign_in(app, f"guess-{n}", "wrong", "10.6.6.6"),
                    "invalid_credentials")
        refused(lambda: sessions.sign_in(app, "guess-19", "wrong", "10.6.6.6"), "rate_limited")
        refused(lambda: sessions.sign_in(app, "sec-county-a", PASSWORD, "10.6.6.6"),
                "rate_limited")
        assert sessions.sign_in(app, "sec-county-a", PASSWORD, "10.0.0.2")
        clock.advance(minutes=16)
        assert sessions.sign_in(app, "sec-county-a", PASSWORD, "10.6.6.6")


class TestSessions:
    def test_eight_idle_hours_end_a_session_and_use_keeps_it(self, app, clock):
        kept = sessions.sign_in(app, "sec-county-a", PASSWORD, None)
        idle = sessions.sign_in(app, "sec-county-b", PASSWORD, None)
        clock.advance(hours=7)
        sessions.session_principal(app, kept.session_id)
        clock.advance(hours=7)
        assert sessions.session_principal(app, kept.session_id).principal
        refused(lambda: sessions.session_principal(app, idle.session_id), "session_expired")

    def test_sign_out_ends_the_session_only(self, app, world):
        first = sessions.sign_in(app, "sec-county-a", PASSWORD, None)
        second = sessions.sign_in(app, "sec-county-a", PASSWORD, None)
        sessions.sign_out(app, first.session_id)
        refused(lambda: sessions.session_principal(app, first.session_id), "session_expired")
        assert sessions.session_principal(app, second.session_id)
        refused(lambda: sessions.session_principal(app, "made-up"), "session_expired")
        refused(lambda: sessions.session_principal(app, ""), "session_expired")

    def test_revocation_and_a_new_password_end_every_session_of_the_account(self, app, world):
        mine = [sessions.sign_in(app, "sec-county-a", PASSWORD, None) for _ in range(2)]
        other = sessions.sign_in(app, "sec-county-b", PASSWORD, None)

        outcome = sessions.revoke_sessions(app, Request(ADMIN), "sec-county-a", "设备遗失")

        for session in mine:
            refused(lambda s=session: sessions.session_principal(app, s.session_id),
                    "session_expired")
        assert sessions.session_principal(app, other.session_id)
        assert credential_store(app.recorder).sessions_of("sec-county-a") == 0
        events = list(app.events.get(ids.account_id("sec-county-a")))
        revoked = events[-1]
        assert type(revoked).__qualname__.endswith("SessionsRevoked")
        assert (revoked.reason, revoked.actor) == ("设备遗失", "admin")
        assert outcome.position == app.recorder.max_notification_id()

        passwords.set_password(app, Request(ADMIN), "sec-county-b", "重设的密码-0123456789")
        refused(lambda: sessions.session_principal(app, other.session_id), "session_expired")

    def test_csrf_tokens_belong_to_their_session(self, app, world):
        one = sessions.sign_in(app, "sec-county-a", PASSWORD, None)
        two = sessions.sign_in(app, "sec-county-a", PASSWORD, None)
        token = sessions.csrf_token(app, one.session_id)
        assert token == sessions.csrf_token(app, one.session_id)
        assert sessions.check_csrf(app, one.session_id, token)
        assert not sessions.check_csrf(app, two.session_id, token)
