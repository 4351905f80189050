"""CPU time of the server's processes, from /proc: the API processes (the server and the uvicorn
workers below it) and the read-model (projection) worker, apart.

The projection worker is found among the server's children when ``serve`` starts one (its
command line names ``projections``, or it is a child that does not listen on the server's
port), else it is the separately started ``lianping projections run`` process tree."""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

API, PROJECTIONS = "api", "projections"
TICKS = os.sysconf("SC_CLK_TCK")
LISTEN = "0A"  # the TCP state in /proc/net/tcp
HELPERS = ("resource_tracker", "semaphore_tracker", "forkserver")  # multiprocessing's own


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process (its own threads; not its children), None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the name, in parentheses, may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid: int) -> list[int]:
    found: list[int] = []
    with suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with suppress(OSError):
                found.extend(int(c) for c in (task / "children").read_text().split())
    return found


def tree(pid: int) -> list[int]:
    """`pid` and every process below it, parents first."""
    found, frontier = [pid], [pid]
    while frontier:
        for child in children(frontier.pop()):
            found.append(child)
            frontier.append(child)
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            "utf-8", "replace")
    except OSError:
        return ""


def _listening_inodes(port: int) -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                cells = line.split()
                if cells[3] == LISTEN and int(cells[1].rsplit(":", 1)[1], 16) == port:
                    found.add(cells[9])
    return found


def _listens(pid: int, inodes: set[str]) -> bool:
    with suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return True
    return False


def server_roles(root: int, port: int, workers: Iterable[int] = ()) -> dict[int, str]:
    """Each process of the server (`root`'s tree) and of the separate projection `workers`
    trees, by role: the server's own projection child, if it has one, counts as PROJECTIONS."""
    inodes = _listening_inodes(port)
    roles: dict[int, str] = {}
    for pid in tree(root):
        command = _command(pid)
        if pid == root or any(helper in command for helper in HELPERS):
            roles[pid] = API  # the supervisor and multiprocessing's helpers: API overhead
        elif "projections" in command or not _listens(pid, inodes):
            roles.update((p, PROJECTIONS) for p in tree(pid))
        else:
            roles.setdefault(pid, API)
    for worker in workers:
        roles.update((p, PROJECTIONS) for p in tree(worker))
    return roles


@dataclass
class CpuReading:
    """CPU seconds so far, by process, each with its role."""

    seconds: dict[int, float] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)

    @classmethod
    def take(cls, roles: dict[int, str]) -> CpuReading:
        seconds = {pid: s for pid in roles if (s := cpu_seconds(pid)) is not None}
        return cls(seconds, roles)

    def since(self, before: CpuReading) -> dict[str, float]:
        """CPU seconds spent by each role between `before` and this reading (a process started
        meanwhile counts whole)."""
        spent: dict[str, float] = {API: 0.0, PROJECTIONS: 0.0}
        for pid, seconds in self.seconds.items():
            role = self.roles[pid]
            spent[role] = spent.get(role, 0.0) + seconds - before.seconds.get(pid, 0.0)
        return spent
