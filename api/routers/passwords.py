"""Console credentials: an admin sets a password or ends every console session of an account;
an account changes its own password. Hashes and session secrets never enter the event log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.routers.deps import Writing, written
from api.routing import OneHopRoute
from api.schemas.passwords import (
    OwnPasswordIn,
    PasswordIn,
    PasswordSetOut,
    SessionsRevocationIn,
    SessionsRevokedOut,
)
from application.usecases import passwords

router = APIRouter(tags=["passwords"], route_class=OneHopRoute)


@router.post("/accounts/{account_id}/password", response_model=PasswordSetOut)
def set_password(
    account_id: str, body: PasswordIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Set an account's console password (admin within scope; at least 10 characters). The
    account must choose a new one at its next console sign-in; its sessions end."""
    return written(
        response, passwords.set_password(write.app, write.request, account_id, body.password)
    )


@router.post("/me/password", response_model=PasswordSetOut, tags=["me"])
def change_own_password(
    body: OwnPasswordIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Change your own password: the current one must match (wrong → 403 invalid_credentials;
    five wrong ones within 15 minutes → 429)."""
    outcome = passwords.change_password(
        write.app, write.request, body.current_password, body.new_password
    )
    return written(response, outcome)


@router.post("/accounts/{account_id}/sessions/revocation", response_model=SessionsRevokedOut)
def revoke_sessions(
    account_id: str, write: Writing, response: Response,
    body: SessionsRevocationIn = SessionsRevocationIn(),  # noqa: B008 - the reason is optional
) -> dict[str, Any]:
    """End every console session of the account (admin within scope)."""
    outcome = write.app.execute(write.request, passwords.revoke_sessions, account_id, body.reason)
    return written(response, outcome)
