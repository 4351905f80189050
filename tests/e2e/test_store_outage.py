"""When PostgreSQL goes away under a running server, requests fail fast with 503 and the one error
shape, and service resumes when it comes back."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.conftest import fresh_postgres_schema
from tests.e2e.proxy import CuttableProxy
from tests.e2e.server import bootstrap_admin, lianping_env, poll_until, running_server
from tests.postgres_server import address, postgres_url, with_address

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def test_a_lost_database_gives_a_fast_503_and_service_resumes(tmp_path):
    database = address(postgres_url())
    proxy = CuttableProxy(database)
    with fresh_postgres_schema() as schema:
        env = lianping_env(with_address(postgres_url(), "127.0.0.1", proxy.port), tmp_path, schema)
        env["LIANPING_CONNECT_TIMEOUT"] = "2"
        token = bootstrap_admin(env)
        with running_server(env) as base:
            client = httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
            )
            assert client.get("/api/v1/me").status_code == 200
            port = proxy.port
            proxy.cut()

            started = time.monotonic()
            refused = client.post(
                "/api/v1/organizations",
                json={"code": "prov", "name": "某省", "level": "province", "parent_code": None},
            )
            elapsed = time.monotonic() - started
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"]["code"] == "store_unavailable"
            assert elapsed < 15, f"a dead database must fail fast, took {elapsed:.1f}s"
            assert client.get("/readyz").status_code == 503

            proxy = CuttableProxy(database, port=port)
            assert poll_until(lambda: client.get("/readyz").status_code == 200, timeout=30)
            created = client.post(
                "/api/v1/organizations",
                json={"code": "prov", "name": "某省", "level": "province", "parent_code": None},
            )
            assert created.status_code == 201, created.text
            client.close()
    proxy.cut()
