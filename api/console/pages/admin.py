"""系统管理 (the admin's pages): the organization tree of the admin's scope and a form to add an
org; accounts with their grants (filters) and a form to open one; an account's page to grant and
revoke roles, set a password (the account must change it at its first sign-in), issue a token
(shown once) or revoke one, and end its sessions. The same use cases as the JSON API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.auth import application_of
from api.console import forms, labels, paths
from api.console.web import (
    ConsoleRoute,
    ConsoleUser,
    CurrentUser,
    FormPost,
    fresh_view,
    redirect_with_flash,
    render,
)
from api.schemas.directory import AccountIn, GrantIn, OrganizationIn, TokenIn, TokenRevocationIn
from api.schemas.finding import Cursor
from api.schemas.passwords import PasswordIn
from application.principal import require_admin
from application.store.reminders import reminder_store
from application.usecases import contacts, directory, passwords
from domain import ids
from domain.account import Account
from domain.errors import DomainError, NotFoundError
from projections import finding, lists

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

PAGE_SIZE = 100
TREE_LIMIT = 1000
Filter = Annotated[str | None, Query(max_length=64)]



def _tree(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Orgs (in tree order) nested under their parents; an org whose parent lies outside the
    admin's scope starts a tree of its own."""
    nodes = {row["code"]: {**row, "children": []} for row in rows}
    roots: list[dict[str, Any]] = []
    for row in rows:
        parent = nodes.get(row["parent_code"] or "")
        (parent["children"] if parent else roots).append(nodes[row["code"]])
    return roots


def _orgs(request: Request, user: ConsoleUser) -> list[dict[str, Any]]:
    with fresh_view(request, finding.NAME) as view:
        found: list[dict[str, Any]] = lists.organizations(
            view, user.principal, limit=TREE_LIMIT)["organizations"]
    return found


def _orgs_page(request: Request, user: ConsoleUser, form: dict[str, str] | None = None,
               errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    require_admin(user.principal)
    return render(request, "admin/orgs.html", status_code=status_code,
                  tree=_tree(_orgs(request, user)), errors=errors or {},
                  form=form or dict.fromkeys(("code", "name", "level", "parent_code"), ""),
                  levels=list(labels.LEVELS.items()))


@router.get(paths.ADMIN_ORGS)
def orgs_page(request: Request, user: CurrentUser) -> Response:
    return _orgs_page(request, user)


def _refused(error: DomainError, known: tuple[str, ...]) -> dict[str, str]:
    if error.code not in known and error.code not in (
            "validation_error", "version_mismatch", "write_conflict"):
        raise error
    return {"": forms.refusal(error)}


@router.post(paths.ADMIN_ORGS)
def create_org(request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    form = {k: posted.get(k).strip() for k in ("code", "name", "level", "parent_code")}
    body, errors = forms.check(OrganizationIn, {**form, "parent_code": form["parent_code"] or None})
    if body is not None:
        try:
            app.execute(posted.request, directory.register_org, body.code, body.name,
                                  body.level, body.parent_code)
        except DomainError as refused:
            errors = _refused(refused, ("org_exists", "unknown_org", "unknown_level",
                                        "outside_admin_scope", "invalid_parent"))
        else:
            return redirect_with_flash(request, paths.ADMIN_ORGS, labels.DONE["org_created"])
    return _orgs_page(request, posted.user, form, errors, 422)


def _accounts_page(request: Request, user: ConsoleUser, query: dict[str, str], after: str | None,
                   form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                   status_code: int = 200) -> Response:
    with fresh_view(request, finding.NAME) as view:
        found = lists.accounts(view, user.principal, org_code=query["org_code"] or None,
                               role=query["role"] or None, q=query["q"] or None,
                               limit=PAGE_SIZE, after=after)
    return render(
        request, "admin/accounts.html", status_code=status_code, accounts=found["accounts"],
        next_page=paths.with_query(paths.ADMIN_ACCOUNTS, after=found["next_after"], **query)
        if found["next_after"] else None, query=query, roles=list(labels.ROLES.items()),
        form=form or dict.fromkeys(("account_id", "name", "account_org"), ""),
        errors=errors or {}, orgs=[(o["code"], f"{o['name']}（{o['code']}）")
                                   for o in _orgs(request, user)],
    )


@router.get(paths.ADMIN_ACCOUNTS)
def accounts_page(request: Request, user: CurrentUser, org_code: Filter = None,
                  role: Filter = None, q: Filter = None, after: Cursor = None) -> Response:
    query = {"org_code": (org_code or "").strip(), "role": role if role in labels.ROLES else "",
             "q": (q or "").strip()}
    return _accounts_page(request, user, query, after)


@router.post(paths.ADMIN_ACCOUNTS)
def create_account(request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    form = {k: posted.get(k).strip() for k in ("account_id", "name", "account_org")}
    body, errors = forms.check(AccountIn, {"account_id": form["account_id"], "name": form["name"],
                                           "org_code": form["account_org"] or None})
    if "org_code" in errors:  # the filter above the table has its own 所在单位代码 field
        errors["account_org"] = errors.pop("org_code")
    if body is not None:
        try:
            app.execute(posted.request, directory.open_account, body.account_id,
                                  body.name, body.org_code)
        except DomainError as refused:
            errors = _refused(refused, ("account_exists", "unknown_org", "outside_admin_scope"))
        else:
            return redirect_with_flash(request, paths.admin_account(body.account_id),
                                       labels.DONE["account_created"])
    query = dict.fromkeys(("org_code", "role", "q"), "")
    return _accounts_page(request, posted.user, query, None, form, errors, 422)


# -- one account -----------------------------------------------------------------------------------

def _account_page(request: Request, user: ConsoleUser, account_id: str,
                  errors: dict[str, str] | None = None, token: dict[str, Any] | None = None,
                  status_code: int = 200) -> Response:
    app = application_of(request)
    require_admin(user.principal)
    with fresh_view(request, finding.NAME) as view:
        found = lists.accounts(view, user.principal, q=account_id, limit=PAGE_SIZE)["accounts"]
    row = next((a for a in found if a["account_id"] == account_id), None)
    account = app.find(Account, ids.account_id(account_id), read_only=True)
    if row is None or account is None:
        raise NotFoundError("unknown_account", f"no account {account_id} in your scope")
    return render(request, "admin/account.html", status_code=status_code, account=row,
                  grants=[list(g) for g in account.grants], roles=list(labels.ROLES.items()),
                  errors=errors or {}, token=token,
                  contact=reminder_store(app.recorder).contact(account_id))


@router.get("/admin/accounts/{account_id}")
def account_page(account_id: str, request: Request, user: CurrentUser) -> Response:
    return _account_page(request, user, account_id)


ACCOUNT_REFUSALS = ("unknown_account", "unknown_org", "outside_admin_scope", "unknown_role",
                    "grant_exists", "grant_not_found", "unknown_token", "password_too_short",
                    "invalid_password", "admin_required", "last_admin", "invalid_contact")


@router.post("/admin/accounts/{account_id}")
def account_write(account_id: str, request: Request, posted: FormPost) -> Response:
    """One form per action (``action``: grant, revoke, password, token, revoke_token,
    sessions), each calling its use case."""
    app = application_of(request)
    action = posted.get("action")
    here = paths.admin_account(account_id)
    errors: dict[str, str] = {}
    try:
        if action in ("grant", "revoke"):
            grant, errors = forms.check(GrantIn, {"role": posted.get("role"),
                                                  "org_code": posted.get("org_code").strip()})
            if grant is not None:
                use = directory.grant_role if action == "grant" else directory.revoke_role
                app.execute(posted.request, use, account_id, grant.role, grant.org_code)
                done = "role_granted" if action == "grant" else "role_revoked"
                return redirect_with_flash(request, here, labels.DONE[done])
        elif action == "password":
            secret, errors = forms.check(PasswordIn, {"password": posted.get("password")})
            if secret is not None:
                passwords.set_password(app, posted.request, account_id, secret.password)
                return redirect_with_flash(request, here, labels.DONE["password_set"])
        elif action == "token":
            days = posted.get("expires_in_days").strip()
            issue, errors = forms.check(TokenIn, {"expires_in_days": int(days)
                                                  if days.isdigit() else (days or None)})
            if issue is not None:
                outcome = app.execute(posted.request, directory.issue_token, account_id,
                                      issue.expires_in_days)
                # Shown once, on this answer only (never in a redirect or a cookie).
                return _account_page(request, posted.user, account_id, token=outcome.body)
        elif action == "revoke_token":
            revocation, errors = forms.check(TokenRevocationIn,
                                             {"reason": posted.optional("reason")})
            token_id = posted.get("token_id").strip()
            if not token_id:
                errors["token_id"] = "必填"
            elif revocation is not None:
                app.execute(posted.request, directory.revoke_token, account_id, token_id,
                            revocation.reason)
                return redirect_with_flash(request, here, labels.DONE["token_revoked"])
        elif action == "contact":
            contacts.set_contact(app, posted.user.principal, account_id,
                                 posted.optional("email"), posted.optional("mobile"))
            return redirect_with_flash(request, here, labels.DONE["contact_set"])
        elif action == "sessions":
            reason = posted.optional("sessions_reason")
            app.execute(posted.request, passwords.revoke_sessions, account_id,
                        forms.text(reason) if reason else None)
            return redirect_with_flash(request, here, labels.DONE["sessions_revoked"])
        else:
            errors = {"": labels.error_message("malformed_form")}
    except DomainError as refused:
        errors = _refused(refused, ACCOUNT_REFUSALS)
        if refused.code.startswith("password") or refused.code == "invalid_password":
            errors = {"password": errors[""]}
    return _account_page(request, posted.user, account_id, errors, status_code=422)

