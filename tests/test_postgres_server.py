"""The run's PostgreSQL server (tests/postgres_server.py): with nothing at the address in
LIANPING_TEST_POSTGRES_URL the suite starts a private server and runs its PostgreSQL tests on it.
CI always has a server, so these tests keep the fallback from rotting."""

from __future__ import annotations

import os
import pwd
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests import postgres_server
from tests.postgres_server import ENV, PrivateServer, answers, choose, postgres_url
from tests.store_support import pg_connect

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def closed_url() -> Iterator[str]:
    """A URL whose port refuses connections (bound, never listening, so nothing else takes it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"postgresql://postgres@127.0.0.1:{sock.getsockname()[1]}/test"


def test_the_run_takes_a_table_in_a_schema_of_its_server(postgres_schema: str) -> None:
    # Also what the run below, told that nothing answers, runs on its private server.
    with pg_connect(postgres_schema) as conn:
        conn.execute("CREATE TABLE marks (note text)")
        conn.execute("INSERT INTO marks VALUES ('联评')")
        assert conn.execute("SELECT note FROM marks").fetchall() == [("联评",)]
    assert os.environ[ENV] == postgres_url()  # what the servers the e2e tests start read


def test_a_run_told_of_an_address_where_nothing_answers_uses_a_private_server(
    closed_url: str,
) -> None:
    test = "tests/test_postgres_server.py::test_the_run_takes_a_table_in_a_schema_of_its_server"
    # Without this run's options: files named there (CI's -rs aside) would run this test again.
    nested_env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"} | {ENV: closed_url}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT, env=nested_env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip

    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    line = next(line for line in run.stdout.splitlines() if "PostgreSQL for the tests" in line)
    assert f"nothing answers at {closed_url}, so a private PostgreSQL" in line
    found = re.search(r"at (postgresql://\S+) \(started in [\d.]+ s in (\S+),", line)
    assert found, line
    url, folder = found.groups()
    assert not answers(url), "the private server outlived the run"
    assert not Path(folder).exists(), "the private server's files outlived the run"


def test_a_private_server_from_copied_binaries_takes_tables_and_leaves_nothing() -> None:
    # The copy is what a root run does when the package sits where `nobody` cannot reach it.
    server = PrivateServer.start(copy_install=True)
    try:
        assert urlsplit(server.url).hostname == "127.0.0.1"  # TCP: the e2e proxies reach it
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (n int)")
            conn.execute("INSERT INTO t VALUES (1), (2)")
            assert conn.execute("SELECT sum(n) FROM t").fetchone() == (3,)
        if os.geteuid() == 0:  # PostgreSQL refuses root: it runs as the unprivileged account
            owner = Path(f"/proc/{server.process.pid}").stat().st_uid
            assert owner == pwd.getpwnam(postgres_server.UNPRIVILEGED_ACCOUNT).pw_uid
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert not answers(server.url)
    assert not server.folder.exists()


def test_a_server_that_answers_but_refuses_the_tests_is_an_error_not_a_fallback() -> None:
    wrong_database = urlsplit(postgres_url())._replace(path="/no_such_database_here").geturl()

    with pytest.raises(pytest.UsageError, match="answers but refuses the tests") as refused:
        choose(wrong_database)
    assert wrong_database in str(refused.value)
    assert "no_such_database_here" in str(refused.value)


def test_the_folders_of_killed_runs_are_removed_and_those_of_running_servers_kept(tmp_path):
    def folder(name: str, age: float, running: bool) -> Path:
        path = tmp_path / f"{postgres_server.FOLDER_PREFIX}{name}"
        (path / "data").mkdir(parents=True)
        if running:
            (path / "data" / "postmaster.pid").write_text("1\n")
        old = time.time() - age
        os.utime(path, (old, old))
        return path

    killed = folder("killed", age=postgres_server.LEFTOVER_AGE + 60, running=False)
    running = folder("running", age=postgres_server.LEFTOVER_AGE + 60, running=True)
    starting = folder("starting", age=1, running=False)

    postgres_server._remove_leftovers(tmp_path)

    assert not killed.exists()
    assert running.exists() and starting.exists()
