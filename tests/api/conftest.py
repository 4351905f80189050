"""API fixtures: the real app factory over the shared `app` fixture (SQLite and PostgreSQL)."""

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
from tests.api.helpers import Api  # noqa: E402


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
