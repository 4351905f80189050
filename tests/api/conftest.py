"""API fixtures: the real app factory over the shared `app` fixture (SQLite and PostgreSQL), and
the read models' runners in the background (``runners``: all of them, or those the test's
``@pytest.mark.read_models(...)`` names)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():  # "use httpx2": TestClient works the same with httpx
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from api.main import create_app  # noqa: E402
from application.app import LianpingApp  # noqa: E402
from projections.runner import Runners  # noqa: E402
from projections.runtime import start_projections_in_background  # noqa: E402
from tests.api.helpers import Api  # noqa: E402
from tests.projections.conftest import FAST  # noqa: E402


@pytest.fixture
def web(app: LianpingApp) -> FastAPI:
    return create_app(application=app)


@pytest.fixture
def client(web: FastAPI) -> Iterator[TestClient]:
    with TestClient(web) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient, app: LianpingApp) -> Api:
    return Api(client, app)


@pytest.fixture
def runners(app: LianpingApp, request: pytest.FixtureRequest) -> Iterator[Runners]:
    chosen = request.node.get_closest_marker("read_models")
    names = list(chosen.args) if chosen else None
    with start_projections_in_background(app, names=names, config=FAST) as handle:
        yield handle
