"""Shared fixtures: every application-level test runs on a real SQLite file and a real PostgreSQL
schema. PostgreSQL being unreachable is a failure, never a skip."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from application.app import LianpingApp
from application.settings import Settings

POSTGRES_URL = os.environ.get(
    "LIANPING_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def postgres_connection() -> psycopg.Connection:
    try:
        return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is required for this test and is unreachable at {POSTGRES_URL}: {error}",
            pytrace=False,
        )


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """A fresh schema for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with postgres_connection() as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        with postgres_connection() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def make_settings(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    common = {"signing_key_file": str(tmp_path / "signing-key.pem"), "pool_size": 3}
    if store == "sqlite":
        return Settings(database_url=f"sqlite:///{tmp_path / 'lianping.db'}", **common)
    schema = request.getfixturevalue("postgres_schema")
    return Settings(database_url=POSTGRES_URL, postgres_schema=schema, **common)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return make_settings(store, tmp_path, request)


@pytest.fixture
def app(settings: Settings) -> Iterator[LianpingApp]:
    application = LianpingApp(settings)
    try:
        yield application
    finally:
        application.close()
