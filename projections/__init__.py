"""Read models: pure folds of the event log (tables.py, one module per read model), kept up to
date exactly once per event in persistent views (views.py, store.py), by supervised runners
(runner.py), rebuilt without downtime, all in one pass over the log (rebuild.py, bulk.py), and by
their runner when a release changed their tables (shape.py), queried through service.py.

The CLI and the API use the functions of runtime.py (re-exported here; import them from
``projections.runtime`` to be independent of how the package was installed)."""

from __future__ import annotations

from projections.registry import NAMES
from projections.runner import RunnerConfig, Runners
from projections.runtime import (
    lag,
    rebuild,
    rebuild_all,
    run_projections,
    start_projections_in_background,
    status,
)
from projections.service import ReadModels, read_models

__all__ = [
    "NAMES",
    "ReadModels",
    "RunnerConfig",
    "Runners",
    "lag",
    "read_models",
    "rebuild",
    "rebuild_all",
    "run_projections",
    "start_projections_in_background",
    "status",
]
