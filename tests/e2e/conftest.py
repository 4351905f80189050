"""The e2e tier: the real `lianping serve` process on a fresh SQLite file and a fresh PostgreSQL
schema, driven over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_URL, fresh_postgres_schema
from tests.e2e.server import bootstrap_admin, lianping_env, running_server


@dataclass
class Server:
    base: str
    admin_token: str
    env: dict[str, str]

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=f"{self.base}/api/v1", headers=headers, timeout=30)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp(f"e2e-{request.param}")
    with ExitStack() as stack:
        if request.param == "sqlite":
            env = lianping_env(f"sqlite:///{folder / 'lianping.db'}", folder)
        else:
            schema = stack.enter_context(fresh_postgres_schema())
            env = lianping_env(POSTGRES_URL, folder, schema)
        token = bootstrap_admin(env)
        base = stack.enter_context(running_server(env))
        yield Server(base, token, env)
