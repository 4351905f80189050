"""A PostgreSQL cluster of the test's own (initdb into a temporary directory, a free port), for
tests that stop or restart the database. The shared server at 127.0.0.1:5432 is never touched.

PostgreSQL refuses to run as root: when the tests run as root, initdb and pg_ctl run as the
``postgres`` OS user (``runuser``), in a directory it owns. Without PostgreSQL's server binaries
(/usr/lib/postgresql/*/bin) the test fails with a clear message; it is never skipped."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.server import free_port

BINARIES = "/usr/lib/postgresql/*/bin"


@dataclass
class PrivatePostgres:
    bindir: Path
    root: Path
    port: int
    as_user: list[str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
            capture_output=True, text=True, timeout=timeout,
        )
        if done.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"pg_ctl {' '.join(args)} failed:\n{done.stderr}\n{log}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c shared_buffers=16MB -c max_connections=60"
        )
        self._pg_ctl("-l", str(self.root / "server.log"), "-o", options, "-w", "-t", "30",
                     "start")

    def crash(self) -> None:
        """Stop at once, as a crash would (``-m immediate``: recovery runs at the next start)."""
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")


def _binaries() -> Path:
    found = sorted(glob.glob(f"{BINARIES}/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        pytest.fail(
            f"this test starts a PostgreSQL cluster of its own and needs PostgreSQL's server "
            f"binaries ({BINARIES}/initdb, pg_ctl): install the postgresql package",
            pytrace=False,
        )
    return Path(found[-1]).parent


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    bindir = _binaries()
    root = Path(tempfile.mkdtemp(prefix="lianping-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    cluster = PrivatePostgres(bindir, root, free_port(), as_user)
    try:
        done = subprocess.run(
            [*as_user, str(bindir / "initdb"), "-D", str(cluster.data), "-A", "trust",
             "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale", "C"],
            capture_output=True, text=True, timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired, OSError):
            cluster.crash()  # unless it never started, or is down already
        shutil.rmtree(root, ignore_errors=True)
