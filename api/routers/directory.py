"""Directory (admin): organizations, secretaries, accounts, role grants, API tokens; and /me."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.auth import Application
from api.routers.deps import ReadRequest, Writing, written
from api.routing import OneHopRoute
from api.schemas.directory import (
    AccountIn,
    AccountOut,
    GrantIn,
    MeOut,
    OrganizationIn,
    OrganizationOut,
    OrganizationRegisteredOut,
    OrganizationWrittenOut,
    SecretaryIn,
    TokenIn,
    TokenOut,
    TokenRevocationIn,
    TokenRevokedOut,
)
from application.usecases import directory

router = APIRouter(tags=["directory"], route_class=OneHopRoute)


@router.post("/organizations", status_code=201, response_model=OrganizationRegisteredOut)
def register_organization(
    body: OrganizationIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Register an org (admin): its parent is one level up, none only for a province."""
    outcome = write.app.execute(
        write.request, directory.register_org, body.code, body.name, body.level, body.parent_code
    )
    return written(response, outcome)


@router.get("/organizations/{code}", response_model=OrganizationOut)
def get_organization(code: str, request: ReadRequest, app: Application) -> dict[str, Any]:
    return directory.get_org(app, request.principal, code)


@router.post("/organizations/{code}/secretary", response_model=OrganizationWrittenOut)
def appoint_secretary(
    code: str, body: SecretaryIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Appoint the org's secretary from `since` on (admin); earlier secretaries stay on record."""
    outcome = write.app.execute(
        write.request, directory.appoint_secretary, code, body.name, body.account_id, body.since
    )
    return written(response, outcome)


@router.post("/accounts", status_code=201, response_model=AccountOut)
def open_account(
    body: AccountIn, write: Writing, response: Response
) -> dict[str, Any]:
    outcome = write.app.execute(
        write.request, directory.open_account, body.account_id, body.name, body.org_code
    )
    return written(response, outcome)


@router.post("/accounts/{account_id}/grants", response_model=AccountOut)
def grant_role(
    account_id: str, body: GrantIn, write: Writing, response: Response
) -> dict[str, Any]:
    outcome = write.app.execute(
        write.request, directory.grant_role, account_id, body.role, body.org_code
    )
    return written(response, outcome)


@router.post("/accounts/{account_id}/revocations", response_model=AccountOut)
def revoke_role(
    account_id: str, body: GrantIn, write: Writing, response: Response
) -> dict[str, Any]:
    outcome = write.app.execute(
        write.request, directory.revoke_role, account_id, body.role, body.org_code
    )
    return written(response, outcome)


@router.post("/accounts/{account_id}/tokens", status_code=201, response_model=TokenOut)
def issue_token(
    account_id: str, write: Writing, response: Response,
    body: TokenIn = TokenIn(),  # noqa: B008 - an empty body takes the default lifetime
) -> dict[str, Any]:
    """Issue an API token; the token is shown in this answer only (and in its idempotent replay)."""
    outcome = write.app.execute(
        write.request, directory.issue_token, account_id, body.expires_in_days
    )
    return written(response, outcome)


@router.post(
    "/accounts/{account_id}/tokens/{token_id}/revocation", response_model=TokenRevokedOut
)
def revoke_token(
    account_id: str, token_id: str, write: Writing, response: Response,
    body: TokenRevocationIn = TokenRevocationIn(),  # noqa: B008 - the reason is optional
) -> dict[str, Any]:
    """Revoke a token: it is refused (401) from then on."""
    outcome = write.app.execute(
        write.request, directory.revoke_token, account_id, token_id, body.reason
    )
    return written(response, outcome)


@router.get("/me", response_model=MeOut, tags=["me"])
def me(request: ReadRequest) -> dict[str, Any]:
    return directory.me(request.principal)
