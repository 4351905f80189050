"""Running the HTTP API: uvicorn, one process per worker.

With one worker this is plain ``uvicorn.run``. With several, each worker listens on its own socket
bound with ``SO_REUSEPORT``, so the kernel spreads incoming connections evenly across workers.
(uvicorn's own supervisor shares one socket between its workers, and an asyncio accept loop
takes every connection that is waiting: with a few keep-alive clients, such as an API client's
connection pool or a proxy, one worker got all of them and the other idled. Measured with 16
clients: 0.8 and 0.0 cores.) The parent binds the address first, without listening, to fail
early on a taken port and to keep the port reserved; it restarts a worker that dies and stops
them all on SIGTERM or SIGINT. Workers exit when the parent is gone (even after a SIGKILL).

The read models run in a supervised child of their own (api/read_model_process.py), started
after the address is reserved and stopped after the workers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

from api.read_model_process import read_model_process, when_parent_exits
from application.settings import Settings

APP = "api.main:create_app"
GRACEFUL_SECONDS = 5
RESTART_PAUSE = 1.0  # a worker that keeps dying is restarted at most once a second
BACKLOG = 2048

log = logging.getLogger("lianping.serve")


@dataclasses.dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    workers: int
    log_level: str
    app: str = APP  # an app factory's import path (the benchmark serves its ceiling app so)


def serve(options: ServeOptions, read_models: Settings | None = None) -> None:
    """Serve until SIGTERM or SIGINT; with ``read_models``, run them in a child process."""
    if options.workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        with _signals_after_uvicorn(), read_model_process(read_models):
            uvicorn.run(
                options.app, factory=True, host=options.host, port=options.port,
                workers=options.workers, log_level=options.log_level,
                timeout_graceful_shutdown=GRACEFUL_SECONDS,
            )
        return
    try:
        reserved = _reuseport_socket(options.host, options.port)
    except OSError as error:
        raise SystemExit(f"lianping: cannot listen on {options.host}:{options.port}: "
                         f"{error.strerror}") from None
    try:
        port = reserved.getsockname()[1]
        with read_model_process(read_models):
            _supervise(dataclasses.replace(options, port=port))
    finally:
        reserved.close()


def _reuseport_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that name it (without it,
    # Nagle's algorithm and delayed ACKs cost 40 ms per response).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _worker(options: ServeOptions) -> None:
    # Bound, not yet listening: uvicorn listens once the app has started, so the kernel never
    # queues a connection for a worker that is still starting (a restarted one, say).
    sock = _reuseport_socket(options.host, options.port)
    when_parent_exits(lambda: os.kill(os.getpid(), signal.SIGTERM))  # uvicorn stops gracefully
    config = uvicorn.Config(
        options.app, factory=True, log_level=options.log_level,
        timeout_graceful_shutdown=GRACEFUL_SECONDS, backlog=BACKLOG,
    )
    uvicorn.Server(config).run(sockets=[sock])


@contextlib.contextmanager
def _signals_after_uvicorn() -> Iterator[None]:
    """uvicorn raises the signal that stopped it again once it has returned; caught here, so
    that the read-model process is stopped before this one exits."""
    previous = {s: signal.signal(s, lambda *_: None) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _supervise(options: ServeOptions) -> None:
    context = multiprocessing.get_context("spawn")
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}

    def start() -> Any:
        process = context.Process(target=_worker, args=(options,), name="lianping-worker")
        process.start()
        return process

    workers = [start() for _ in range(options.workers)]
    print(f"lianping: {options.workers} workers on http://{options.host}:{options.port} "
          "(SO_REUSEPORT)", flush=True)
    try:
        while not stopping:
            time.sleep(0.2)
            for n, process in enumerate(workers):
                if not process.is_alive() and not stopping:
                    log.warning("worker %s exited with %s; restarting", process.pid,
                                process.exitcode)
                    time.sleep(RESTART_PAUSE)
                    workers[n] = start()
    finally:
        for process in workers:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn shuts down gracefully
        for process in workers:
            process.join(GRACEFUL_SECONDS + 5)
            if process.is_alive():
                process.kill()
                process.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
