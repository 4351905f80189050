"""Console sessions, for the web console (api/console) to call: sign in with account id and
password, find the principal of a session, sign out, end every session of an account.

A session id is 32 random bytes (URL-safe text) handed to the browser once; only its SHA-256 is
stored. A session ends after 8 hours without use, at sign-out, and when the account's password is
set or changed or its sessions are revoked (``Account.sessions_valid_after``: a session begun
before that moment is refused, whatever its row says). Sign-ins are not events: they are not
history, and a failed one must not grow the log."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.app import LianpingApp, Outcome, Request
from application.keys import derive_secret
from application.principal import Principal
from application.store.credentials import credential_store
from application.usecases import passwords
from domain import ids
from domain.account import Account
from domain.errors import UnauthorizedError

IDLE_TIMEOUT = timedelta(hours=8)
#: ``last_seen`` is written at most this often (a page view is not worth a write each time).
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Session:
    """A console session: ``session_id`` is the secret the cookie carries (only given out at
    sign-in); ``must_change_password``: the console lets the account do nothing else first."""

    session_id: str
    principal: Principal
    must_change_password: bool
    expires_at: datetime


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


def _principal(account: Account) -> Principal:
    return Principal(
        account_id=account.account_id,
        name=account.name,
        org_code=account.org_code,
        grants=tuple((role, org) for role, org in account.grants),
    )


def sign_in(app: LianpingApp, account_id: str, password: str,
            client_address: str | None) -> Session:
    """A new session, or 401 ``invalid_credentials`` (unknown account, no password, wrong
    password: one answer for all), or 429 ``rate_limited`` once five sign-ins for the account
    or twenty from the address failed within 15 minutes."""
    store = credential_store(app.recorder)
    throttle = passwords.Throttle(store, account_id, client_address)
    now = app.now()
    throttle.check(now)
    account = app.find(Account, ids.account_id(account_id), read_only=True) if account_id \
        else None
    if not passwords.verify_password(passwords.current_hash(store, account), password):
        throttle.failed(now)
        raise passwords.invalid_credentials()
    assert account is not None
    throttle.succeeded()
    session_id = secrets.token_urlsafe(32)
    now = app.now()  # after hashing: later than any revocation the account already holds
    store.add_session(session_hash(session_id), account.account_id, now, client_address)
    return Session(session_id, _principal(account), account.must_change_password,
                   now + IDLE_TIMEOUT)


def session_principal(app: LianpingApp, session_id: str) -> Session:
    """The session's account as it is now; 401 ``session_expired`` when the session is unknown,
    idle for 8 hours, or ended by a password change or a revocation."""
    store = credential_store(app.recorder)
    key = session_hash(session_id)
    stored = store.session(key) if session_id else None
    now = app.now()
    if stored is None:
        raise _expired()
    account = app.find(Account, ids.account_id(stored.account_id), read_only=True)
    ended = account is None or now - stored.last_seen > IDLE_TIMEOUT or (
        account.sessions_valid_after is not None
        and stored.created_at <= account.sessions_valid_after
    )
    if ended:
        store.drop_session(key)
        raise _expired()
    assert account is not None
    if now - stored.last_seen >= TOUCH_EVERY:
        store.touch(key, now)
        stored_seen = now
    else:
        stored_seen = stored.last_seen
    return Session(session_id, _principal(account), account.must_change_password,
                   stored_seen + IDLE_TIMEOUT)


def _expired() -> UnauthorizedError:
    return UnauthorizedError("session_expired", "登录已失效，请重新登录")


def sign_out(app: LianpingApp, session_id: str) -> None:
    credential_store(app.recorder).drop_session(session_hash(session_id))


def revoke_sessions(app: LianpingApp, request: Request, account_id: str,
                    reason: str | None) -> Outcome:
    """An admin ends every console session of an account (recorded as an event)."""
    return app.execute(request, passwords.revoke_sessions, account_id, reason)


def change_password(app: LianpingApp, session_id: str, current: str, new: str,
                    client_address: str | None) -> Session:
    """The console's 修改密码: change the session's own password, then continue in a new
    session (the change ended every session begun before it, this one included)."""
    session = session_principal(app, session_id)
    passwords.change_password(app, Request(session.principal), current, new)
    return sign_in(app, session.principal.account_id, new, client_address)


def csrf_token(app: LianpingApp, session_id: str) -> str:
    """The CSRF token of a session's forms: derived from the service key and the session, so
    nothing more is stored and it dies with the session."""
    digest = derive_secret(app.signing_key, b"console-csrf", session_hash(session_id).encode())
    return digest.hex()


def check_csrf(app: LianpingApp, session_id: str, token: str) -> bool:
    return hmac.compare_digest(csrf_token(app, session_id), token)
