"""Entry points for the CLI and the API process (``lianping projections run|rebuild|status``,
``lianping serve``, ``/readyz``, ``/metrics``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from application.app import LianpingApp
from application.settings import Settings
from application.store.subscription import watch_head
from projections.rebuild import READ_BATCH, rebuild_read_model, rebuild_read_models
from projections.runner import RunnerConfig, Runners
from projections.service import read_models

log = logging.getLogger(__name__)

T = TypeVar("T")


def start_projections_in_background(
    application: LianpingApp,
    settings: Settings | None = None,
    names: Sequence[str] | None = None,
    config: RunnerConfig | None = None,
) -> Runners:
    """Start the runners in this process, on the application's own pool (and its settings;
    ``settings`` is accepted for the CLI's convenience); ``.stop()`` ends them. Several
    processes may all do this: each read model is run by one of them at a time."""
    models = read_models(application)
    chosen = [models.projections[name] for name in (names or models.projections)]
    return Runners(chosen, models.store, models.source, config, committed=models.committed)


def run_projections(
    settings: Settings,
    names: Sequence[str] | None = None,
    stop: threading.Event | None = None,
    config: RunnerConfig | None = None,
    companions: Sequence[Callable[[LianpingApp], Callable[[], None]]] = (),
) -> None:
    """Run the read models until ``stop`` is set (or Ctrl-C): a dedicated worker process (the
    one `lianping serve` starts, or `lianping projections run`). ``companions``: other periodic
    work that goes where the read models go (the reminders); each starts on the application and
    returns its stop function."""
    stop = stop or threading.Event()
    app = LianpingApp(settings)
    try:
        runners = start_projections_in_background(app, settings, names, config)
        watch_head(app.recorder, stop)  # SQLite: the API processes' saves wake no one here
        log.info("read models running: %s", ", ".join(runners.runners))
        stoppers = [start(app) for start in companions]
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            log.info("stopping read models")
        finally:
            for halt in stoppers:
                halt()
            runners.stop()
    finally:
        app.close()


def _with_app(settings_or_app: Settings | LianpingApp, use: Callable[[LianpingApp], T]) -> T:
    if isinstance(settings_or_app, LianpingApp):
        return use(settings_or_app)
    app = LianpingApp(settings_or_app)
    try:
        return use(app)
    finally:
        app.close()


def rebuild(settings: Settings, name: str, batch_size: int = READ_BATCH) -> dict[str, Any]:
    """Fold the whole log into fresh tables for ``name`` while the current ones serve, then
    switch atomically. Returns {name, generation, position, events, seconds, events_per_second}."""
    return _with_app(settings, lambda app: rebuild_read_model(read_models(app), name, batch_size))


def rebuild_all(
    settings: Settings, names: Sequence[str] | None = None, batch_size: int = READ_BATCH
) -> dict[str, Any]:
    """``rebuild`` for several read models (default: all) in ONE pass over the log. Returns
    {read_models: {name: what ``rebuild`` answers}, events, position, seconds, ...}."""
    return _with_app(
        settings, lambda app: rebuild_read_models(read_models(app), names, batch_size)
    )


def status(settings: Settings | LianpingApp) -> list[dict[str, Any]]:
    """[{name, generation, position, head, lag, shape_current, rebuilding}] for every read
    model: ``shape_current`` false while its tables are of an older shape (its runner rebuilds
    it), ``rebuilding`` while any process rebuilds it."""

    def collect(app: LianpingApp) -> list[dict[str, Any]]:
        models = read_models(app)
        rows = models.status()
        rebuilding = models.store.rebuilding([row["name"] for row in rows])
        return [{**row, "rebuilding": row["name"] in rebuilding} for row in rows]

    return _with_app(settings, collect)


def lag(settings_or_app: Settings | LianpingApp) -> dict[str, int]:
    """{name: positions behind the head of the log} for /readyz and /metrics."""
    return _with_app(settings_or_app, lambda app: read_models(app).lag())
