"""Directory (admin): organizations, secretaries, accounts, role grants and API tokens."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from application import lookups
from application.access.scope import require_admin_of
from application.app import LianpingApp, Outcome, Request
from application.keys import derive_secret
from application.principal import GLOBAL_SCOPE, Principal, require_admin
from domain import ids
from domain.account import ROLES, Account
from domain.errors import NotFoundError, RuleViolationError, UnauthorizedError, ValidationError
from domain.organization import Organization
from domain.token import ApiToken, hash_token

ANY_ORG = GLOBAL_SCOPE  # the global admin's grant is not bound to one org
DEFAULT_TOKEN_DAYS = 90


def org_view(org: Organization) -> dict[str, Any]:
    return {
        "code": org.code,
        "name": org.name,
        "level": org.level,
        "parent_code": org.parent_code,
        "secretary": org.secretary_on(),
        "version": org.version,
    }


def account_view(account: Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "name": account.name,
        "org_code": account.org_code,
        "grants": [{"role": role, "org_code": org} for role, org in account.grants],
    }


def register_org(
    app: LianpingApp, request: Request, code: str, name: str, level: str, parent_code: str | None
) -> Outcome:
    require_admin(request.principal)
    parent = lookups.org(app, parent_code, "body", "parent_code") if parent_code else None
    require_admin_of(app, request.principal, parent_code)  # a province: the global admin only
    existing = app.find(Organization, ids.org_id(code))
    request.check_version(existing)
    if existing is not None:
        raise RuleViolationError("org_exists", f"organization {code} already exists")
    org = Organization.register(code, name, level, parent, request.actor)
    view = org_view(org)
    del view["secretary"]
    return app.commit(request, org, item=org, body=view, created=True)


def appoint_secretary(
    app: LianpingApp, request: Request, code: str, name: str, account_id: str | None, since: date
) -> Outcome:
    require_admin(request.principal)
    org = lookups.org(app, code)
    require_admin_of(app, request.principal, code)
    request.check_version(org)
    if account_id is not None:
        lookups.account(app, account_id, "body")
    org.appoint_secretary(name, account_id, since, request.actor)
    return app.commit(request, org, item=org, body=org_view(org))


def open_account(
    app: LianpingApp, request: Request, account_id: str, name: str, org_code: str | None
) -> Outcome:
    require_admin(request.principal)
    if org_code is not None:
        lookups.org(app, org_code, "body")
    require_admin_of(app, request.principal, org_code)  # no org: the global admin only
    existing = app.find(Account, ids.account_id(account_id))
    request.check_version(existing)
    if existing is not None:
        raise RuleViolationError("account_exists", f"account {account_id} already exists")
    account = Account(account_id=account_id, name=name, org_code=org_code, actor=request.actor)
    return app.commit(request, account, item=account, body=account_view(account), created=True)


def _grant_scope(app: LianpingApp, role: str, org_code: str) -> None:
    if role not in ROLES:
        raise ValidationError(
            "unknown_role",
            f"role must be one of {', '.join(ROLES)}",
            [{"field": "role", "message": f"unknown role {role!r}"}],
        )
    if not (role == "admin" and org_code == ANY_ORG):
        lookups.org(app, org_code, "body")


def _require_admin_over(
    app: LianpingApp, principal: Principal, account: Account, org_code: str
) -> None:
    """Grants and revocations: of an account in the admin's subtree, at an org in it (``*``:
    the global admin's own scope, which only the global admin hands on)."""
    require_admin_of(
        app, principal, account.org_code, None if org_code == GLOBAL_SCOPE else org_code
    )


def grant_role(
    app: LianpingApp, request: Request, account_id: str, role: str, org_code: str
) -> Outcome:
    require_admin(request.principal)
    account = lookups.account(app, account_id)
    _grant_scope(app, role, org_code)
    _require_admin_over(app, request.principal, account, org_code)
    request.check_version(account)
    account.grant(role, org_code, request.actor)
    return app.commit(request, account, item=account, body=account_view(account))


def revoke_role(
    app: LianpingApp, request: Request, account_id: str, role: str, org_code: str
) -> Outcome:
    require_admin(request.principal)
    account = lookups.account(app, account_id)
    _require_admin_over(app, request.principal, account, org_code)
    request.check_version(account)
    account.revoke(role, org_code, request.actor)
    return app.commit(request, account, item=account, body=account_view(account))


def _new_token(app: LianpingApp, request: Request) -> str:
    """A replayed request (same Idempotency-Key) must get the same token back, yet the token is
    never
    stored: with a key it is derived from the service's secret key, without one it is random."""
    if request.idempotency_key is None:
        return secrets.token_urlsafe(32)
    key_id = ids.idempotency_id(request.actor, request.idempotency_key)
    digest = derive_secret(app.signing_key, b"api-token", key_id.bytes)
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_token(
    app: LianpingApp, request: Request, account_id: str, expires_in_days: int | None
) -> Outcome:
    require_admin(request.principal)
    account = lookups.account(app, account_id)
    require_admin_of(app, request.principal, account.org_code)
    days = DEFAULT_TOKEN_DAYS if expires_in_days is None else expires_in_days
    token = _new_token(app, request)
    api_token = ApiToken(
        token_hash=hash_token(token),
        account_id=account_id,
        expires_at=app.now() + timedelta(days=days),
        actor=request.actor,
    )
    body = {
        "token": token,
        "token_id": str(api_token.id),
        "expires_at": api_token.expires_at.isoformat(),
    }
    return app.commit(
        request, api_token, item=api_token, body=body, created=True, secret_fields=("token",)
    )


def _restore_token(app: LianpingApp, request: Request, outcome: Outcome) -> Outcome:
    body = {"token": _new_token(app, request), **outcome.body}
    return Outcome(body, outcome.version, outcome.position, outcome.created, outcome.replayed)


issue_token.on_replay = _restore_token  # type: ignore[attr-defined]


def revoke_token(
    app: LianpingApp, request: Request, account_id: str, token_id: str, reason: str | None
) -> Outcome:
    require_admin(request.principal)
    account = lookups.account(app, account_id)
    require_admin_of(app, request.principal, account.org_code)
    token = _token_by_id(app, token_id)
    if token is None or token.account_id != account_id:
        raise NotFoundError("unknown_token", f"account {account_id} has no token {token_id}")
    request.check_version(token)
    token.revoke(reason, request.actor)
    return app.commit(request, token, item=token, body={"token_id": token_id, "revoked": True})


def _token_by_id(app: LianpingApp, token_id: str) -> ApiToken | None:
    try:
        return app.find(ApiToken, UUID(token_id))
    except ValueError:
        return None


def authenticate(app: LianpingApp, token: str) -> Principal:
    """Bearer token → principal. Unknown, revoked and expired tokens are all refused alike.
    Inside a command (``Request.authenticate``) these are reads of the command like any other:
    its save asserts the token and account are still as read."""
    return _principal(app, token, lambda cls, aggregate_id: app.find(cls, aggregate_id,
                                                                      read_only=True))


def authenticate_from_cache(app: LianpingApp, token: str) -> Principal | None:
    """``authenticate`` from this process's aggregate cache alone, without I/O; None when the
    token or its account is not cached, or the cached token is not valid. Only for letting a
    write on to its command, which authenticates again (``Request.authenticate``)."""
    try:
        return _principal(app, token, app.cached)
    except UnauthorizedError:
        return None


def _principal(
    app: LianpingApp, token: str, find: Callable[[type[Any], UUID], Any]
) -> Principal:
    api_token: ApiToken | None = find(ApiToken, ids.token_id(hash_token(token)))
    if api_token is None or not api_token.is_valid(app.now()):
        raise UnauthorizedError("invalid_token", "the bearer token is unknown, revoked or expired")
    account: Account | None = find(Account, ids.account_id(api_token.account_id))
    if account is None:
        raise UnauthorizedError("invalid_token", "the token's account no longer exists")
    return Principal(
        account_id=account.account_id,
        name=account.name,
        org_code=account.org_code,
        grants=tuple((role, org) for role, org in account.grants),
    )


def me(principal: Principal) -> dict[str, Any]:
    return {
        "account_id": principal.account_id,
        "name": principal.name,
        "org_code": principal.org_code,
        "grants": [{"role": role, "org_code": org} for role, org in principal.grants],
    }


def get_org(app: LianpingApp, principal: Principal, code: str) -> dict[str, Any]:
    view = org_view(lookups.org(app, code))
    del view["version"]
    return view


def bootstrap_admin(app: LianpingApp, account_id: str, name: str) -> str:
    """Create the first admin if absent, grant admin, and return a fresh token (CLI only)."""
    system = Principal(
        account_id="system", name="system", org_code=None, grants=(("admin", ANY_ORG),)
    )
    request = Request(system)
    if app.find(Account, ids.account_id(account_id)) is None:
        app.execute(request, open_account, account_id, name, None)
    account = lookups.account(app, account_id)
    if not account.has_grant("admin", ANY_ORG):
        app.execute(request, grant_role, account_id, "admin", ANY_ORG)
    return app.execute(request, issue_token, account_id, 365).body["token"]
