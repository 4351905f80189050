"""`lianping serve` runs the read models in a supervised child process, on SQLite (one worker)
and PostgreSQL (two workers): the API processes run no runner thread, yet a write shows in a read
model; a child killed (-9) while writes go on is replaced and the read model holds every event
exactly once; SIGTERM stops the child with the server; and a server killed (-9) leaves no
process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.read_model_process import PROCESS_NAME
from application.app import LianpingApp
from application.settings import Settings
from tests.conftest import POSTGRES_URL, fresh_postgres_schema
from tests.e2e.server import BIN, bootstrap_admin, free_port, lianping_env, poll_until, wait_healthy
from tests.e2e.test_serve_workers import children, running

pytestmark = pytest.mark.e2e

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base: str
    token: str
    env: dict[str, str]
    log: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=f"{self.base}/api/v1", timeout=30,
                            headers={"Authorization": f"Bearer {self.token}"})

    def read_model_process(self) -> int | None:
        found = [pid for pid in children(self.process.pid) if comm(pid) == PROCESS_NAME]
        assert len(found) <= 1, found
        return found[0] if found else None


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        for child in children(frontier.pop()):
            found.append(child)
            frontier.append(child)
    return found


@contextmanager
def served(store: str, folder: Path) -> Iterator[Served]:
    with fresh_postgres_schema() if store == "postgres" else _nothing() as schema:
        if store == "postgres":
            env, workers = lianping_env(POSTGRES_URL, folder, schema), "2"
        else:
            env, workers = lianping_env(f"sqlite:///{folder / 'lianping.db'}", folder), "1"
        token = bootstrap_admin(env)
        port = free_port()
        log = folder / "server.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [str(BIN / "lianping"), "serve", "--port", str(port), "--workers", workers,
                 "--log-level", "warning"],
                env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, process, str(log))
            yield Served(process, base, token, env, log)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def create_org(client: httpx.Client, n: int) -> int:
    answer = client.post("/organizations", json={
        "code": f"org-{n}", "name": f"单位{n}", "level": "province", "parent_code": None})
    assert answer.status_code == 201, answer.text
    return int(answer.headers["X-Event-Position"])


def audit_positions(client: httpx.Client, upto: int) -> list[int]:
    """Every event position the audit read model holds, once it reflects ``upto``."""
    positions: list[int] = []
    after: int | None = 0
    while after is not None:
        page = client.get("/audit/events", params={"after": after, "limit": 1000},
                          headers={"X-Min-Position": str(upto)})
        assert page.status_code == 200, page.text
        positions += [event["position"] for event in page.json()["events"]]
        after = page.json()["next_after"]
    return positions


def log_positions(env: dict[str, str]) -> list[int]:
    settings = Settings(
        database_url=env["LIANPING_DATABASE_URL"],
        signing_key_file=env["LIANPING_SIGNING_KEY_FILE"],
        postgres_schema=env.get("LIANPING_POSTGRES_SCHEMA", "public"),
    )
    app = LianpingApp(settings)
    try:
        return [n.id for n in app.recorder.select_notifications(start=1, limit=100_000)]
    finally:
        app.close()


def runner_threads(base: str) -> set[str]:
    """The runner-thread gauge of each API process answering (new connections: either worker)."""
    seen = set()
    for _ in range(8):
        text = httpx.get(f"{base}/metrics", timeout=10).text
        seen |= {line.split()[-1] for line in text.splitlines()
                 if line.startswith("lianping_read_model_runner_threads ")}
    return seen


@pytest.mark.parametrize("store", STORES)
def test_read_models_run_in_a_child_that_is_replaced_and_stopped_with_the_server(
    store: str, tmp_path: Path
) -> None:
    with served(store, tmp_path) as server, server.client() as client:
        # The child names itself once its interpreter has started: healthy API workers may
        # answer before that on a loaded host.
        assert poll_until(lambda: server.read_model_process() is not None, 30), (
            server.log.read_text())
        child = server.read_model_process()
        position = create_org(client, 0)
        assert position in audit_positions(client, position)
        assert runner_threads(server.base) == {"0.0"}

        acked: list[int] = []
        failures: list[str] = []

        def write() -> None:
            with server.client() as own:
                for n in range(1, 41):
                    try:
                        acked.append(create_org(own, n))
                    except AssertionError as error:  # pragma: no cover - reported below
                        failures.append(str(error))

        writer = threading.Thread(target=write)
        writer.start()
        assert poll_until(lambda: len(acked) >= 10, 30)
        os.kill(child, signal.SIGKILL)
        assert poll_until(lambda: server.read_model_process() not in (None, child), 30), (
            server.log.read_text())
        writer.join(60)
        assert not failures and len(acked) == 40
        assert "read-model process" in server.log.read_text()  # the restart is logged

        held = audit_positions(client, max(acked))
        assert held == log_positions(server.env)  # every event once, in order
        assert len(held) == len(set(held)) >= 42  # the admin, 41 organizations

        replacement = server.read_model_process()
        workers = children(server.process.pid)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
        assert replacement is not None and not running([replacement])
        assert poll_until(lambda: not running(workers), 10), running(workers)


@pytest.mark.parametrize("store", STORES)
def test_a_killed_server_leaves_no_process_behind(store: str, tmp_path: Path) -> None:
    with served(store, tmp_path) as server:
        assert poll_until(lambda: server.read_model_process() is not None, 30)
        below = descendants(server.process.pid)
        assert len(below) >= 2  # the read-model process and multiprocessing's resource tracker
        server.process.kill()
        server.process.wait()
        assert poll_until(lambda: not running(below), 10), [
            (pid, comm(pid)) for pid in running(below)]
