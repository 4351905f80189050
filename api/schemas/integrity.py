"""Request and response bodies of checkpoints and verification (api/routers/integrity.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from api.schemas.common import Strict

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
