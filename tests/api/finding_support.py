"""Fixtures for the finding routes: the finding read model's runner in the background, and
reads that wait for the writes made so far (X-Min-Position)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from httpx import Response

from application.app import LianpingApp
from projections.runtime import start_projections_in_background
from tests.api.helpers import Api
from tests.projections.conftest import FAST


@pytest.fixture
def finding_runner(app: LianpingApp) -> Iterator[None]:
    handle = start_projections_in_background(app, names=["finding", "audit"], config=FAST)
    try:
        yield
    finally:
        handle.stop()


def read(api: Api, who: str, path: str, **params: Any) -> Response:
    """GET as ``who``, once the read model reflects every write so far."""
    return api.as_(who).get(path, params=params, headers={"X-Min-Position": str(api.position())})


@pytest.fixture
def read_models_runner(app: LianpingApp) -> Iterator[None]:
    """Every read model kept up to date: console pages wait for the views they read."""
    handle = start_projections_in_background(app, config=FAST)
    try:
        yield
    finally:
        handle.stop()
