"""Tamper evidence (inspectors of any scope, admins): signed checkpoints of the event log's hash
chain, and verification of the stored history against them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field, model_validator

from api.auth import Application
from api.limits import limits_of
from api.routers.deps import MAX_POSITION, ReadRequest, WriteRequest
from api.routing import OneHopRoute
from api.schemas.common import Strict
from application.usecases import integrity

router = APIRouter(prefix="/audit", tags=["audit: integrity"], route_class=OneHopRoute)

HEX32 = r"^[0-9a-fA-F]{64}$"
HEX64 = r"^[0-9a-fA-F]{128}$"
SIGNED_BYTES = (
    'Ed25519 over the UTF-8 bytes of json.dumps({"type": "lianping.checkpoint.v1", "position": '
    'position, "hash": hash, "created_at": created_at}, sort_keys=True, separators=(",", ":")) '
    "with hash in lowercase hex and created_at exactly as given"
)


class CheckpointOut(BaseModel):
    position: int = Field(description="the notification id of the chain's head when signed")
    hash: str = Field(description="the chain hash of that row, 64 lowercase hex digits")
    created_at: str = Field(description="ISO 8601 with offset, exactly as signed")
    signature: str = Field(description=f"128 lowercase hex digits: {SIGNED_BYTES}")
    public_key: str = Field(description="the service's raw Ed25519 public key, 64 hex digits")


class CheckpointsOut(BaseModel):
    checkpoints: list[CheckpointOut] = Field(description="newest first")
    next_after: int | None = Field(description="pass as ?after= for the next page; null at the end")
    public_key: str


class PublicKeyOut(BaseModel):
    public_key: str
    algorithm: str = "Ed25519"
    signed_bytes: str = SIGNED_BYTES


class CheckpointIn(Strict):
    """A checkpoint kept earlier: ``{position, hash}``, or the whole signed object as GET
    /audit/checkpoint gave it, whose signature is then checked against this service's key."""

    position: int = Field(ge=1)
    hash: str = Field(pattern=HEX32)
    created_at: str | None = Field(None, max_length=64)
    signature: str | None = Field(None, pattern=HEX64)
    public_key: str | None = Field(None, pattern=HEX32)

    @model_validator(mode="after")
    def _signed_needs_created_at(self) -> CheckpointIn:
        if self.signature is not None and self.created_at is None:
            raise ValueError("a signed checkpoint needs its created_at (the signature covers it)")
        return self


class VerifyIn(Strict):
    checkpoint: CheckpointIn | None = None


class CheckpointChecked(BaseModel):
    position: int
    hash: str
    signature_checked: bool


class VerifyOut(BaseModel):
    ok: bool
    verified_through: int | None = Field(description="last position known good (null: none)")
    first_bad_position: int | None = Field(
        description="first position where stored history no longer matches"
    )
    reason: str | None
    code: str | None = Field(
        description="payload_altered, row_deleted, row_inserted, rows_reordered, out_of_order, "
        "malformed_row, tail_truncated, checkpoint_not_prefix, bad_signature"
    )
    verified_hash: str | None = Field(
        description="hash at verified_through: with it, a checkpoint to keep"
    )
    checkpoint: CheckpointChecked | None


@router.get("/checkpoint", response_model=CheckpointOut)
def take_checkpoint(request: ReadRequest, app: Application) -> dict[str, Any]:
    """Sign the head of the hash chain and keep the checkpoint (the one already taken when the head
    has not moved). 409 `chain_broken` when the history since the last checkpoint does not
    verify, `empty_log` when there is nothing to sign."""
    return integrity.take_checkpoint(app, request)


@router.get("/checkpoints", response_model=CheckpointsOut)
def list_checkpoints(
    request: ReadRequest,
    app: Application,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_POSITION, description="next_after of the previous page")
    ] = None,
) -> dict[str, Any]:
    """The signed checkpoints taken so far, newest first."""
    return integrity.list_checkpoints(app, request, limit, after)


@router.get("/public-key", response_model=PublicKeyOut)
def get_public_key(request: ReadRequest, app: Application) -> dict[str, Any]:
    """The key checkpoints are signed with, and the exact bytes signed."""
    return {"public_key": integrity.public_key(app).hex()}


@router.post("/verify", response_model=VerifyOut)
def verify(
    request: WriteRequest,
    app: Application,
    response: Response,
    http: Request,
    body: Annotated[VerifyIn | None, Body()] = None,
) -> dict[str, Any]:
    """Recompute the whole chain from the stored rows; with a checkpoint, the stored log must still
    hold exactly that prefix. A signed checkpoint whose signature does not hold under this
    service's key is answered `ok: false` with code `bad_signature` (nothing recomputed).
    One verification at a time per process: another one meanwhile is 429 `rate_limited`."""
    given = body.checkpoint if body is not None else None
    claim = None if given is None else integrity.CheckpointClaim.from_json(given.model_dump())
    with limits_of(http.app).verify_slot():
        outcome = app.execute(request, integrity.verify, claim)
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return outcome.body
