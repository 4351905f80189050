"""Directory bodies and answers: organizations, secretaries, accounts, grants, tokens, /me."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from api.schemas.common import Code, IsoDate, Name, Reason, Scope, Strict

Level = Literal["province", "city", "county", "township"]
Role = Literal["admin", "organizer", "secretary", "inspector"]


class OrganizationIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"code": "county-a", "name": "甲县", "level": "county", "parent_code": "city"},
    ]})

    code: Code
    name: Name
    level: Level
    parent_code: Code | None = Field(
        default=None, description="the parent one level up; null only for a province"
    )


class SecretaryIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "张书记", "account_id": "sec-county-a", "since": "2024-01-15"},
    ]})

    name: Name
    account_id: Code | None = None
    since: IsoDate


class AccountIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"account_id": "sec-county-a", "name": "甲县书记", "org_code": "county-a"},
    ]})

    account_id: Code
    name: Name
    org_code: Code | None = None


class GrantIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"role": "secretary", "org_code": "county-a"},
    ]})

    role: Role
    org_code: Scope = Field(description="the org the role is bound to; * for admin")


class TokenIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"expires_in_days": 90},
    ]})

    expires_in_days: StrictInt | None = Field(default=None, ge=1, le=3650)


class TokenRevocationIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "调离岗位"},
    ]})

    reason: Reason | None = None


# -- answers -------------------------------------------------------------------------------------

class SecretaryOut(BaseModel):
    name: str = Field(examples=["张书记"])
    account_id: str | None
    since: str = Field(examples=["2024-01-15"])


class OrganizationOut(BaseModel):
    code: str = Field(examples=["county-a"])
    name: str = Field(examples=["甲县"])
    level: str
    parent_code: str | None
    secretary: SecretaryOut | None


class OrganizationRegisteredOut(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    version: int


class OrganizationWrittenOut(OrganizationOut):
    version: int


class GrantOut(BaseModel):
    role: str
    org_code: str


class AccountOut(BaseModel):
    account_id: str
    name: str
    org_code: str | None
    grants: list[GrantOut]


class MeOut(AccountOut):
    pass


class TokenOut(BaseModel):
    token: str = Field(description="shown once; only its hash is stored")
    token_id: str
    expires_at: str


class TokenRevokedOut(BaseModel):
    token_id: str
    revoked: bool
