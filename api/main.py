"""The FastAPI app factory. The Application is built once per process (unless one is given), kept
on ``app.state.lianping`` and closed on shutdown when this factory built it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from api.console import install_console, larger_bodies
from api.console.ballot import install_ballot_pages
from api.docs import install_docs
from api.errors import install_error_handlers
from api.limits import EdgeMiddleware, Limits
from api.metrics import Metrics
from api.reminders.process import start_reminders_in_background
from api.routers import OPERATIONS_ROUTERS, ROUTERS
from api.routers.deps import DEFAULT_MIN_POSITION_WAIT
from api.routing import gate_included_routers
from api.schemas.common import COMMON_ERRORS, document_conventions
from application.app import LianpingApp
from application.settings import Settings
from application.usecases.integrity import start_periodic_checkpoints
from projections.runtime import start_projections_in_background

API_PREFIX = "/api/v1"
DESCRIPTION = """联述联评联考: reports (述), reviews (评), assessments (考) and rectification (整改)
of party secretaries, as an event-sourced workflow. Every write answers `X-Event-Position` and
`ETag`; `Idempotency-Key` makes a POST retry-safe; `If-Match` makes it conditional; every GET
accepts `X-Min-Position`. Errors always come as `{"error": {"code", "message", "details"}}`."""


def create_app(settings: Settings | None = None, application: LianpingApp | None = None) -> FastAPI:
    owned = application is None
    if application is None:
        application = LianpingApp(settings or Settings())
    settings = settings or application.settings
    lianping = application

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Background work belongs to the process that owns the application (not to tests that
        # pass their own): read models, unless dedicated workers run them, and checkpoints.
        stoppers: list[Callable[[], None]] = []
        if owned:
            if settings.run_projections:
                stoppers.append(start_projections_in_background(lianping, settings).stop)
                stoppers.append(start_reminders_in_background(lianping))  # goes with them
            stoppers.append(start_periodic_checkpoints(lianping))
        try:
            yield
        finally:
            for stop in stoppers:
                stop()
            if owned:
                lianping.close()

    app = FastAPI(
        title="lianping",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served offline by install_docs
        redoc_url=None,
    )
    _access_log(settings.access_log)
    app.state.lianping = lianping
    app.state.metrics = Metrics(API_PREFIX)
    app.state.min_position_wait = DEFAULT_MIN_POSITION_WAIT
    app.state.limits = Limits(settings)

    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX, responses=COMMON_ERRORS)
    for router in OPERATIONS_ROUTERS:
        app.include_router(router)
        app.include_router(router, prefix=API_PREFIX, include_in_schema=False)

    install_ballot_pages(app)
    install_docs(app)
    install_console(app)  # the web console at / (api/console)
    gate_included_routers(app)  # match a path against the one router that serves it
    _document_conventions(app)
    install_error_handlers(app)
    # One pure-ASGI layer: rate per address, unstorable text, body size, security headers, metrics.
    app.add_middleware(
        EdgeMiddleware, max_body_bytes=settings.max_body_bytes, limits=app.state.limits,
        metrics=app.state.metrics, larger_bodies=larger_bodies(),
    )
    return app


def _access_log(enabled: bool) -> None:
    """Off unless LIANPING_ACCESS_LOG=true, as uvicorn's ``access_log=False`` does it: its
    access logger without handlers, so no line is formatted per request. (uvicorn has set up its
    logging by the time it builds the app, and checks the logger per connection.)"""
    if not enabled:
        access = logging.getLogger("uvicorn.access")
        access.handlers = []
        access.propagate = False


def _document_conventions(app: FastAPI) -> None:
    """The error shape (referred to by $ref) and the write headers, once per schema."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_conventions(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
