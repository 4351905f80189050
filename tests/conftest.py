"""Shared fixtures: every application-level test runs on a real SQLite file and a real PostgreSQL
schema. PostgreSQL being unreachable is a failure, never a skip."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import pytest

from application.app import LianpingApp
from application.settings import Settings

# Tests make a fresh signing key file per store (and the servers they start inherit this).
os.environ.setdefault("LIANPING_CREATE_SIGNING_KEY", "true")

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


@contextmanager
def fresh_postgres_schema() -> Iterator[str]:
    """A fresh schema, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with postgres_connection() as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        with postgres_connection() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    with fresh_postgres_schema() as name:
        yield name


@contextmanager
def fresh_app(store: str) -> Iterator[LianpingApp]:
    """An application on a store of its own, for tests that need several (e.g. hypothesis)."""
    with tempfile.TemporaryDirectory(prefix="lianping-") as folder, ExitStack() as stack:
        key = str(Path(folder) / "signing-key.pem")
        if store == "sqlite":
            settings = Settings(
                database_url=f"sqlite:///{folder}/lianping.db", signing_key_file=key
            )
        else:
            schema = stack.enter_context(fresh_postgres_schema())
            settings = Settings(
                database_url=POSTGRES_URL, postgres_schema=schema, signing_key_file=key, pool_size=2
            )
        application = LianpingApp(settings)
        try:
            yield application
        finally:
            application.close()


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
