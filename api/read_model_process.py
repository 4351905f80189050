"""`lianping serve`'s read models: the projection runners in a child process of their own.

Runner threads inside an API process cost every write request 1.3–2.4 ms of CPU (they compete
for the GIL), so the API processes run none and one child runs them all, supervised like the API
workers: restarted (after a pause) when it dies, stopped with the server (SIGTERM, then SIGKILL),
and never orphaned: it watches its end of the pipe to the server and stops when the server is
gone, even after a SIGKILL. API processes wait for read models by reading the tracking positions
from the store, so it makes no difference to them which process runs the runners.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from application.settings import Settings

PROCESS_NAME = "lianping-models"  # /proc/PID/comm (15 characters at most): what ps and top show
RESTART_PAUSE = 1.0  # doubled, up to MAX_RESTART_PAUSE, while it dies within STEADY_SECONDS
MAX_RESTART_PAUSE = 30.0
STEADY_SECONDS = 30.0
GRACEFUL_SECONDS = 10.0  # runners finish their batch and release their locks

log = logging.getLogger("lianping.serve")


def when_parent_exits(callback: Callable[[], None]) -> None:
    """Call ``callback`` (on a thread of its own) once the process that spawned this one is
    gone, however it ended: the spawn pipe's other end closes with it."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        callback()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run_read_models(settings: Settings) -> None:
    """The child's body: every read model (and the reminders, which go where they go), until
    SIGTERM or until the server is gone."""
    from api.reminders.process import start_reminders_in_background
    from projections.runtime import run_projections

    with contextlib.suppress(OSError), open("/proc/self/comm", "w") as comm:
        comm.write(PROCESS_NAME)
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Ctrl-C reaches the whole process group: the server decides when this process stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    when_parent_exits(stop.set)
    run_projections(settings, stop=stop, companions=[start_reminders_in_background])


class ReadModelProcess:
    """Starts the child, restarts it when it dies, stops it on ``stop()``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.context = multiprocessing.get_context("spawn")
        self.process: Any = None
        self.started = 0.0
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.monitor = threading.Thread(target=self._watch, name="models-supervisor", daemon=True)

    def start(self) -> None:
        with self.lock:
            self._spawn()
        self.monitor.start()

    def _spawn(self) -> None:
        self.process = self.context.Process(
            target=run_read_models, args=(self.settings,), name=PROCESS_NAME, daemon=True
        )
        self.process.start()
        self.started = time.monotonic()

    def _watch(self) -> None:
        pause = RESTART_PAUSE
        while not self.stopping.is_set():
            process = self.process
            process.join(0.5)
            if process.is_alive() or self.stopping.is_set():
                continue
            if time.monotonic() - self.started >= STEADY_SECONDS:
                pause = RESTART_PAUSE
            log.warning("read-model process %s exited with %s; restarting in %.0f s",
                        process.pid, process.exitcode, pause)
            if self.stopping.wait(pause):
                return
            with self.lock:
                if not self.stopping.is_set():
                    self._spawn()
            pause = min(pause * 2, MAX_RESTART_PAUSE)  # for a death that follows soon

    def stop(self) -> None:
        with self.lock:
            self.stopping.set()
            process = self.process
        if process is not None and process.is_alive():
            process.terminate()
            process.join(GRACEFUL_SECONDS)
            if process.is_alive():
                log.warning("read-model process %s did not stop; killing it", process.pid)
                process.kill()
                process.join()
        if self.monitor.is_alive():
            self.monitor.join()


@contextlib.contextmanager
def read_model_process(settings: Settings | None) -> Iterator[None]:
    """The read-model child for the duration of the block (none when ``settings`` is None)."""
    if settings is None:
        yield
        return
    child = ReadModelProcess(settings)
    child.start()
    try:
        yield
    finally:
        child.stop()
