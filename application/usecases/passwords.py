"""Console passwords (Argon2id, via argon2-cffi): an admin sets one, the account changes its own,
an admin ends every console session of an account. The hashes stay outside the event log
(application/store/credentials.py); the events say only that it happened, and who did it.

Hashing and checking the current password run before the command (``app.execute`` may decide a
command twice; a hash or a counted failure must not happen twice), the command then records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from application import lookups
from application.access.scope import require_admin_of
from application.app import LianpingApp, Outcome, Request
from application.principal import require_admin
from application.store.credentials import CredentialStore, credential_store
from domain.account import Account
from domain.errors import (
    DomainError,
    ForbiddenError,
    RuleViolationError,
    UnauthorizedError,
    ValidationError,
)

MIN_LENGTH = 10
MAX_LENGTH = 1024  # Argon2 hashes anything, but a megabyte "password" is an attack, not a choice
#: RFC 9106's second recommended profile (argon2-cffi's default): t=3, 64 MiB, p=4.
HASHER = PasswordHasher()

# Sign-in limits (API.md "Passwords and the console"): five failures for an account or twenty
# from one client address within 15 minutes → 429 for 15 minutes.
WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
MAX_SUBJECT = 200  # counters are keyed by what the client typed: keep the key short


class RateLimitedError(DomainError):
    """Too many failed sign-ins: 429 ``rate_limited`` with ``Retry-After``."""

    kind = "rate_limited"

    def __init__(self, retry_after: int, message: str) -> None:
        super().__init__("rate_limited", message, {"retry_after": retry_after})
        self.retry_after = retry_after


def invalid_credentials() -> DomainError:
    return UnauthorizedError("invalid_credentials", "账号或密码不正确")


def check_new_password(password: str, field: str = "password") -> str:
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            "password_too_short", f"密码至少需要{MIN_LENGTH}个字符",
            [{"field": field, "message": f"at least {MIN_LENGTH} characters"}],
        )
    if len(password) > MAX_LENGTH or "\x00" in password:
        raise ValidationError(
            "invalid_password", f"密码不能超过{MAX_LENGTH}个字符，也不能含控制字符",
            [{"field": field, "message": f"at most {MAX_LENGTH} characters, no NUL"}],
        )
    return password


def hash_password(password: str) -> str:
    return HASHER.hash(password)


@cache
def _dummy_hash() -> str:
    return HASHER.hash("lianping: no password is set for this account")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash a dummy one is checked, so that an unknown
    account costs the same time as a wrong password."""
    try:
        HASHER.verify(password_hash or _dummy_hash(), password[:MAX_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def current_hash(store: CredentialStore, account: Account | None) -> str | None:
    """The hash in force: the one the account's latest password event names."""
    if account is None or account.password_set_at is None:
        return None
    return store.hash_of(account.account_id, account.password_set_at)


# -- failed attempts (shared with sign-in) --------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    store: CredentialStore
    account_id: str
    client_address: str | None

    def subjects(self) -> list[tuple[str, str, int]]:
        found = [("account", self.account_id[:MAX_SUBJECT], ACCOUNT_LIMIT)]
        if self.client_address:
            found.append(("address", self.client_address[:MAX_SUBJECT], ADDRESS_LIMIT))
        return found

    def check(self, now: datetime) -> None:
        """Refuse at once while a limit is reached (the password is not even checked)."""
        for kind, subject, limit in self.subjects():
            if len(self.store.failures_since(kind, subject, now - WINDOW)) >= limit:
                raise _limited(kind)

    def failed(self, now: datetime) -> None:
        """Count a failure; the one that reaches a limit is answered 429 already."""
        reached = None
        for kind, subject, limit in self.subjects():
            self.store.clear_failures(kind, subject, before=now - WINDOW)
            self.store.add_failure(kind, subject, now)
            if len(self.store.failures_since(kind, subject, now - WINDOW)) >= limit:
                reached = reached or kind
        if reached:
            raise _limited(reached)

    def succeeded(self) -> None:
        self.store.clear_failures("account", self.account_id[:MAX_SUBJECT])


def _limited(kind: str) -> RateLimitedError:
    who = "该账号" if kind == "account" else "该地址"
    return RateLimitedError(
        int(WINDOW.total_seconds()), f"{who}登录失败次数过多，请{WINDOW.seconds // 60}分钟后再试"
    )


# -- commands ---------------------------------------------------------------------------------


def set_password(
    app: LianpingApp, request: Request, account_id: str, password: str, must_change: bool = True
) -> Outcome:
    """An admin (within scope) sets an account's password; unless ``must_change`` is False (the
    demo), the account must choose a new one at its next console sign-in."""
    require_admin(request.principal)
    check_new_password(password)
    return app.execute(request, _record_password, account_id, hash_password(password),
                       must_change)


def _record_password(
    app: LianpingApp, request: Request, account_id: str, digest: str, must_change: bool
) -> Outcome:
    account = lookups.account(app, account_id)
    require_admin_of(app, request.principal, account.org_code)
    request.check_version(account)
    account.set_password(must_change, request.actor)
    return _save(app, request, account, digest, {
        "account_id": account_id, "must_change_password": must_change,
    })


def change_password(app: LianpingApp, request: Request, current: str, new: str) -> Outcome:
    """The caller changes its own password: the current one must match (failures count towards
    the sign-in limit of the account)."""
    check_new_password(new, "new_password")
    store = credential_store(app.recorder)
    account = lookups.account(app, request.actor)
    throttle = Throttle(store, request.actor, None)
    now = app.now()
    throttle.check(now)
    in_force = current_hash(store, account)
    if in_force is None:
        raise RuleViolationError("no_password", "该账号尚未设置密码，请联系管理员设置")
    if not verify_password(in_force, current):
        throttle.failed(now)
        raise ForbiddenError("invalid_credentials", "当前密码不正确")
    if current == new:
        raise ValidationError(
            "password_unchanged", "新密码不能与当前密码相同",
            [{"field": "new_password", "message": "must differ from the current password"}],
        )
    throttle.succeeded()
    return app.execute(request, _record_change, hash_password(new))


def _record_change(app: LianpingApp, request: Request, digest: str) -> Outcome:
    account = lookups.account(app, request.actor)
    request.check_version(account)
    account.change_password(request.actor)
    return _save(app, request, account, digest, {
        "account_id": account.account_id, "must_change_password": False,
    })


def _save(
    app: LianpingApp, request: Request, account: Account, digest: str, body: dict[str, Any]
) -> Outcome:
    """The hash first, keyed by the time of the event about to be saved; then the event. If the
    save fails the hash is never in force (the account does not name it)."""
    assert account.password_set_at is not None
    store = credential_store(app.recorder)
    store.put_hash(account.account_id, account.password_set_at, digest)
    outcome = app.commit(request, account, item=account, body=body)
    store.forget_before(account.account_id, account.password_set_at)
    store.drop_sessions(account.account_id)  # they ended with the event; tidy up
    return outcome


def revoke_sessions(
    app: LianpingApp, request: Request, account_id: str, reason: str | None
) -> Outcome:
    """An admin (within scope) ends every console session of an account. The event is the
    revocation (sessions begun before it are refused); the rows are then tidied up."""
    account = lookups.account(app, account_id)
    require_admin_of(app, request.principal, account.org_code)
    request.check_version(account)
    account.revoke_sessions(reason, request.actor)
    outcome = app.commit(request, account, item=account,
                         body={"account_id": account_id, "sessions_revoked": True})
    credential_store(app.recorder).drop_sessions(account_id)
    return outcome
