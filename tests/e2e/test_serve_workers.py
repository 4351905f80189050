"""`lianping serve --workers 2`: every worker listens on its own SO_REUSEPORT socket, so the kernel
spreads kept-alive connections across workers (uvicorn's shared socket let one worker take them
all); a worker that dies is replaced; SIGTERM stops every worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_URL, fresh_postgres_schema
from tests.e2e.server import BIN, free_port, lianping_env, poll_until, wait_healthy

pytestmark = pytest.mark.postgres  # several processes on one store: the production layout


@contextmanager
def workers_server(tmp_path: Path, *extra: str) -> Iterator[tuple[subprocess.Popen, int]]:
    with fresh_postgres_schema() as schema:
        env = lianping_env(POSTGRES_URL, tmp_path, schema)
        port = free_port()
        log = tmp_path / "server.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [str(BIN / "lianping"), "serve", "--port", str(port), "--workers", "2",
                 "--log-level", "warning", *extra],
                env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        try:
            wait_healthy(f"http://127.0.0.1:{port}", process, str(log))
            assert poll_until(lambda: len(listening_workers(process.pid, port)) == 2, 30), (
                log.read_text())
            yield process, port
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rfind(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _sockets(pid: int, port: int, state: str) -> int:
    """How many TCP sockets of this process are in `state` (0A listen, 01 established) on `port`."""
    inodes = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # it exited since it was listed (a worker just killed, say): no sockets
        return 0
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == state and fields[9] in inodes:
                count += 1
    return count


def listening_workers(pid: int, port: int) -> list[int]:
    return [child for child in children(pid) if _sockets(child, port, "0A")]


def test_kept_alive_connections_are_spread_across_both_workers(tmp_path: Path) -> None:
    with workers_server(tmp_path) as (process, port):
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(16)]
        try:
            assert all(c.get("/healthz").status_code == 200 for c in clients)
            workers = listening_workers(process.pid, port)
            held = [_sockets(worker, port, "01") for worker in workers]
        finally:
            for c in clients:
                c.close()
        assert sum(held) == 16
        assert min(held) >= 2, f"connections per worker: {held}"  # the kernel hashes, roughly even


def test_a_worker_that_dies_is_replaced_and_sigterm_stops_them_all(tmp_path: Path) -> None:
    with workers_server(tmp_path) as (process, port):
        first, second = listening_workers(process.pid, port)
        os.kill(first, signal.SIGKILL)
        assert poll_until(
            lambda: len(listening_workers(process.pid, port)) == 2
            and first not in listening_workers(process.pid, port), 30)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        workers = children(process.pid)

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        # The parent joins its workers before it exits; multiprocessing's resource tracker (also
        # a child) exits on its own once it reads EOF, a moment later.
        assert poll_until(lambda: not running(workers), 10), running(workers)


def running(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def test_a_port_in_use_fails_at_once(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(BIN / "lianping"), "serve", "--port", str(port), "--workers", "2"],
            env=lianping_env(f"sqlite:///{tmp_path / 'x.db'}", tmp_path),
            capture_output=True, text=True, timeout=60,
        )
    assert done.returncode != 0
    assert "Address already in use" in done.stderr
