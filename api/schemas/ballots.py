"""Ballots (民主测评) at the edge: issuing, casting, voiding, the counts, printing and importing."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Code, Reason, Strict

BALLOT_EXAMPLE: dict[str, Any] = {
    "ratings": {"county-a": "good", "county-b": "较好", "county-c": None}}


class IssueBallotsIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"category": "department", "count": 120},
    ]})

    category: Code
    count: int = Field(ge=1, le=500)


class IssuedOut(BaseModel):
    batch_id: str
    category: str
    codes: list[str] = Field(description="shown once: only their hashes are stored")


class CastIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [BALLOT_EXAMPLE]})

    ratings: dict[str, str | None] = Field(
        max_length=1000,
        description="org_code -> good/fairly_good/average/poor (or 好/较好/一般/差); a blank or "
        "null is an abstention",
    )


class CastOut(BaseModel):
    accepted: int = Field(description="ratings counted (abstentions left out)")


class VoidIn(Strict):
    reason: Reason | None = None


class VoidedOut(BaseModel):
    batch_id: str
    voided: bool


class BatchOut(BaseModel):
    batch_id: str
    category: str
    kind: str = Field(description="codes (扫码) or paper (纸质)")
    issued: int
    cast: int
    voided: bool
    void_reason: str | None
    entered_by: str


class BatchesOut(BaseModel):
    cycle_id: str
    batches: list[BatchOut]
    position: int


class SheetIn(Strict):
    codes: list[str] = Field(min_length=1, max_length=500)


class ImportedOut(BaseModel):
    batch_id: str | None = Field(description="null for a dry run")
    accepted: int = Field(description="ballots (rated rows) in the sheet")
    dry_run: bool
