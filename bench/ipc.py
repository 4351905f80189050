"""Commanding the benchmark's worker processes in rounds, so they all start at once.

The parent sends a command to every worker; each prepares (connections, pools) and answers
"ready"; once all are ready the parent sends one start instant (``time.monotonic()``, a single
clock for all processes on Linux) and then collects the results. Workers that die or hang
are reported instead of waited for."""

from __future__ import annotations

import contextlib
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

READY = "ready"
START_DELAY = 0.05  # seconds between "all ready" and the start
REPLY_TIMEOUT = 300.0


def receive(pipe: Connection, process: BaseProcess, deadline: float) -> Any:
    while not pipe.poll(0.2):
        if not process.is_alive():
            raise RuntimeError(f"{process.name} died (exit code {process.exitcode})")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{process.name} did not answer in time")
    return pipe.recv()


def exchange(
    workers: list[tuple[Connection, BaseProcess]], commands: list[tuple[Any, ...]]
) -> list[Any]:
    """Run each worker's command (one per worker) at once; their results, in worker order."""
    deadline = time.monotonic() + REPLY_TIMEOUT
    for (pipe, _), command in zip(workers, commands, strict=True):
        pipe.send(command)
    for pipe, process in workers:
        answer = receive(pipe, process, deadline)
        if answer != READY:
            raise RuntimeError(f"{process.name} answered {answer!r} instead of {READY!r}")
    start = time.monotonic() + START_DELAY
    for pipe, _ in workers:
        pipe.send(start)
    return [receive(pipe, process, deadline) for pipe, process in workers]


def ready(pipe: Connection) -> float:
    """Worker side: say "ready" and wait for the start instant."""
    pipe.send(READY)
    start: float = pipe.recv()
    return start


def stop(workers: list[tuple[Connection, BaseProcess]], timeout: float = 30.0) -> None:
    for pipe, _ in workers:
        with contextlib.suppress(OSError):
            pipe.send(("stop",))
    for _, process in workers:
        process.join(timeout=timeout)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
