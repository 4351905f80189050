"""Shared fixtures: every application-level test runs on a real SQLite file and a real PostgreSQL
schema. PostgreSQL is never skipped: the run uses the server at LIANPING_TEST_POSTGRES_URL, or a
private one when nothing answers there (tests/postgres_server.py)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings

from application.app import LianpingApp
from application.settings import Settings
from tests import postgres_server
from tests.application.world import World

# Property tests judge correctness, not speed: on a loaded 2-core host input generation is slow
# and examples take longer than hypothesis's default 200 ms (speed belongs in `make bench`).
settings.register_profile(
    "lianping", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("lianping")

# Tests make a fresh signing key file per store (and the servers they start inherit this).
os.environ.setdefault("LIANPING_CREATE_SIGNING_KEY", "true")


def pytest_configure(config: pytest.Config) -> None:
    if not config.option.help and not config.option.version:
        postgres_server.resolve()


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(postgres_server.resolve().line)


def pytest_unconfigure(config: pytest.Config) -> None:
    postgres_server.release()


def __getattr__(name: str) -> str:
    # POSTGRES_URL is the run's server, known once resolved (test modules import it by name).
    if name == "POSTGRES_URL":
        return postgres_server.postgres_url()
    raise AttributeError(name)


def postgres_connection() -> psycopg.Connection:
    url = postgres_server.postgres_url()
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is required for this test and is unreachable at {url}: {error}",
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
                database_url=postgres_server.postgres_url(),
                postgres_schema=schema,
                signing_key_file=key,
                pool_size=2,
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
    return Settings(database_url=postgres_server.postgres_url(), postgres_schema=schema, **common)


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


@pytest.fixture
def world(app: LianpingApp) -> World:
    """The org tree, accounts and grants of tests/application/world.py, on ``app``."""
    return World(app)
