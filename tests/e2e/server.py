"""Start the real `lianping serve` process on a free port and talk HTTP to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lianping_env(database_url: str, folder: Path, schema: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "LIANPING_DATABASE_URL": database_url,
            "LIANPING_SIGNING_KEY_FILE": str(folder / "signing-key.pem"),
            "LIANPING_POOL_SIZE": "3",
        }
    )
    if schema:
        env["LIANPING_POSTGRES_SCHEMA"] = schema
    return env


def bootstrap_admin(env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(BIN / "lianping"), "admin", "bootstrap", "--account-id", "admin", "--name", "管理员"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@contextmanager
def running_server(env: dict[str, str], *extra: str) -> Iterator[str]:
    """The server process, up and healthy; its base URL. Stopped (and reaped) afterwards."""
    port = free_port()
    log = open(Path(env["LIANPING_SIGNING_KEY_FILE"]).parent / f"server-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [str(BIN / "lianping"), "serve", "--port", str(port), "--log-level", "warning", *extra],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process, log.name)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def poll_until(condition: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Wait for a condition outside this process (a server starting to listen)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        if condition():
            return True
        pause.wait(interval)
    return False


def wait_healthy(base: str, process: subprocess.Popen, log_name: str, timeout: float = 90) -> None:
    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{Path(log_name).read_text()}")
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    if not poll_until(healthy, timeout):
        raise RuntimeError(f"the server did not become healthy:\n{Path(log_name).read_text()}")
