"""Console passwords and sessions: set (admin), change (own), revoke sessions (admin)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from api.schemas.common import Reason, Strict


class PasswordIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"password": "初始密码-2026-请修改"},
    ]})

    password: str = Field(max_length=1024, description="at least 10 characters")


class OwnPasswordIn(Strict):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024, description="at least 10 characters")


class PasswordSetOut(Strict):
    account_id: str
    must_change_password: bool


class SessionsRevocationIn(Strict):
    reason: Reason | None = None


class SessionsRevokedOut(Strict):
    account_id: str
    sessions_revoked: bool
