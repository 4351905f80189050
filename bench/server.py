"""The real server as a subprocess: ``lianping serve --no-projections --workers N`` on a bench
store, on loopback, with a ``lianping projections run`` worker beside it (both supported whether
or not ``serve`` starts a projection worker of its own), stopped (and reaped) afterwards; its
processes' peak resident memory and CPU time read from /proc."""

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
from dataclasses import dataclass, field
from pathlib import Path

from bench import cpu
from bench.store import Store
from bench.worker import OFF_VARIABLE

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
    projection_workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def get(self, path: str, token: str | None = None, timeout: float = 10.0) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def roles(self) -> dict[int, str]:
        """Every process of the server and of its projection workers, by role (bench/cpu.py)."""
        return cpu.server_roles(self.process.pid, self.port,
                                [w.pid for w in self.projection_workers if w.poll() is None])

    def cpu(self) -> cpu.CpuReading:
        return cpu.CpuReading.take(self.roles())

    def pids(self) -> list[int]:
        """The API processes: the server process and every process below it but a projection
        worker."""
        return [pid for pid, role in self.roles().items() if role == cpu.API]

    def peak_rss_mb(self) -> dict[str, float]:
        """VmHWM (peak resident set) of each server process, in MiB, by pid."""
        peaks = {}
        for pid in self.pids():
            with suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[str(pid)] = round(int(line.split()[1]) / 1024, 1)
        return peaks


@contextmanager
def serve(store: Store, workers: int, folder: Path, pool_size: int = 8) -> Iterator[Server]:
    with serve_api(store, workers, folder, pool_size) as server, projection_worker(
        store, folder, pool_size
    ) as worker:
        server.projection_workers.append(worker)
        yield server


@contextmanager
def serve_api(store: Store, workers: int, folder: Path, pool_size: int = 8,
              settings: dict[str, str] | None = None) -> Iterator[Server]:
    """`lianping serve --no-projections` alone; `settings`: LIANPING_* variables of its own."""
    env = {**store.env(pool_size), **(settings or {})}
    with _running(folder, env, lambda port: [
        _lianping(), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-projections",
    ]) as server:
        yield server


@contextmanager
def projection_worker(store: Store, folder: Path, pool_size: int = 8,
                      off: str = "") -> Iterator[subprocess.Popen[bytes]]:
    """`lianping projections run`; with `off`, bench/worker.py's, those mechanisms off."""
    env, command = store.env(pool_size), [_lianping(), "projections", "run"]
    if off:
        env[OFF_VARIABLE] = off
        command = [sys.executable, "-m", "bench.worker"]
    with _started(folder / f"projections-{time.monotonic_ns()}.log", env, command) as worker:
        yield worker


def _lianping() -> str:
    return str(Path(sys.executable).parent / "lianping")


@contextmanager
def serve_ceiling(workers: int, folder: Path, env: dict[str, str],
                  floor: bool = False) -> Iterator[Server]:
    """bench/ceiling.py's app, served like the product (`env` configures it); `floor`: its
    floor app (lianping's own, on the store `env` names)."""
    with _running(folder, env, lambda port: [
        sys.executable, "-m", "bench.ceiling", str(port), str(workers), *(["floor"] * floor),
    ]) as server:
        yield server


@contextmanager
def _running(folder: Path, env: dict[str, str],
             command: Callable[[int], list[str]]) -> Iterator[Server]:
    port = free_port()
    log = folder / f"server-{port}.log"
    with _started(log, env, command(port)) as process:
        server = Server(port, process, log)
        _wait_healthy(server)
        yield server


@contextmanager
def _started(log: Path, env: dict[str, str],
             command: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield process
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
