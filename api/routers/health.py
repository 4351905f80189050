"""Liveness, readiness and metrics: no authentication, served at the root and under /api/v1."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.auth import Application
from api.routing import OneHopRoute
from api.schemas.common import error_responses
from api.schemas.health import HealthOut, ReadyOut
from projections.runner import runner_threads
from projections.runtime import lag

router = APIRouter(tags=["operations"], route_class=OneHopRoute)


@router.get("/healthz", response_model=HealthOut)
def healthz() -> dict[str, Any]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, responses=error_responses(503))
def readyz(app: Application) -> dict[str, Any]:
    """The store answers (503 store_unavailable when it does not); `position` is its head and
    `read_models` how far each read model is behind it."""
    return {"status": "ready", "position": app.recorder.max_notification_id() or 0,
            "read_models": lag(app)}


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
def metrics(request: Request, app: Application) -> Response:
    """Prometheus text exposition."""
    request.app.state.metrics.observe_lag(lag(app))
    request.app.state.metrics.runner_threads.set(runner_threads())
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
