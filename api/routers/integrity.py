"""Tamper evidence (inspectors of any scope, admins): signed checkpoints of the event log's hash
chain, and verification of the stored history against them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response

from api.auth import Application
from api.limits import limits_of
from api.routers.deps import MAX_POSITION, ReadRequest, Writing
from api.routing import OneHopRoute
from api.schemas.integrity import (
    CheckpointOut,
    CheckpointsOut,
    PublicKeyOut,
    VerifyIn,
    VerifyOut,
)
from application.usecases import integrity

router = APIRouter(prefix="/audit", tags=["audit: integrity"], route_class=OneHopRoute)


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
    write: Writing,
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
        outcome = write.app.execute(write.request, integrity.verify, claim)
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return outcome.body
