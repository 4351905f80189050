"""The real server as a subprocess: ``lianping serve --workers N`` on a bench store, on loopback,
stopped (and reaped) afterwards; its processes' peak resident memory read from /proc."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench.store import Store

HOST = "127.0.0.1"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def get(self, path: str, token: str | None = None, timeout: float = 10.0) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def pids(self) -> list[int]:
        """The server process and every process below it."""
        found, frontier = [self.process.pid], [self.process.pid]
        while frontier:
            parent = frontier.pop()
            for child in _children(parent):
                found.append(child)
                frontier.append(child)
        return found

    def peak_rss_mb(self) -> dict[str, float]:
        """VmHWM (peak resident set) of each server process, in MiB, by pid."""
        peaks = {}
        for pid in self.pids():
            with suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[str(pid)] = round(int(line.split()[1]) / 1024, 1)
        return peaks


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with suppress(OSError):
                found.extend(int(c) for c in (task / "children").read_text().split())
    return found


@contextmanager
def serve(store: Store, workers: int, folder: Path, pool_size: int = 8) -> Iterator[Server]:
    lianping = str(Path(sys.executable).parent / "lianping")
    with _running(folder, store.env(pool_size), lambda port: [
        lianping, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers),
        "--log-level", "warning",
    ]) as server:
        yield server


@contextmanager
def serve_ceiling(workers: int, folder: Path, env: dict[str, str]) -> Iterator[Server]:
    """bench/ceiling.py's app, served like the product (`env` configures it)."""
    with _running(folder, env, lambda port: [
        sys.executable, "-m", "bench.ceiling", str(port), str(workers),
    ]) as server:
        yield server


@contextmanager
def _running(folder: Path, env: dict[str, str],
             command: Callable[[int], list[str]]) -> Iterator[Server]:
    port = free_port()
    log = folder / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command(port), env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port, process, log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        _stop(process)


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{server.log.read_text()[-4000:]}")
        with suppress(OSError, http.client.HTTPException):
            if server.get("/healthz", timeout=2)[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not become healthy:\n{server.log.read_text()[-4000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (uvicorn stops its workers), SIGKILL if it hangs."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
