"""Response bodies of liveness and readiness (api/routers/health.py)."""

from __future__ import annotations

from pydantic import BaseModel


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    status: str
    position: int
    read_models: dict[str, int]  # positions each read model is behind the head of the log
