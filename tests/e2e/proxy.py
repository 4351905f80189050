"""A TCP proxy the tests can cut, to take the database away from a running server.

It also reads the PostgreSQL wire protocol as it forwards it (version 3: typed messages, a 1-byte
type and a 4-byte length), so a test can lose exactly one COMMIT's reply: after
:meth:`CuttableProxy.cut_after_commit`, the first transaction that ran a matching statement is
let through to the server, which commits it, and the connection is dropped instead of forwarding
the answer, as when the network fails at the worst moment. The client sees a connection error
for a write that did land.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104


class _Reader:
    """Exact reads from a socket (None at end of stream)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()

    def read(self, n: int) -> bytes | None:
        while len(self.buffer) < n:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buffer += data
        chunk = bytes(self.buffer[:n])
        del self.buffer[:n]
        return chunk

    def message(self) -> tuple[bytes, bytes] | None:
        """(type, whole message) of the next typed message."""
        head = self.read(5)
        if head is None:
            return None
        (length,) = struct.unpack("!i", head[1:])
        body = self.read(length - 4)
        return None if body is None else (head[:1], head + body)


def _cstrings(payload: bytes, count: int) -> list[str]:
    return [s.decode("utf-8", "replace") for s in payload.split(b"\0", count)[:count]]


@dataclass
class _Session:
    """What the client asked on one connection, so the server's answers can be matched to it:
    statements by name, portals by name, and the statements whose CommandComplete is still due,
    in order, with None where a Sync (or the end of a simple Query) closes a group. Entries are
    added before the message is forwarded, so they are always there when the answer comes."""

    statements: dict[str, str] = field(default_factory=dict)
    portals: dict[str, str] = field(default_factory=dict)
    due: deque[str | None] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)


class CuttableProxy:
    def __init__(self, target: tuple[str, int], port: int = 0) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self._armed: Callable[[str], bool] | None = None
        #: Set once a COMMIT's reply was dropped (after cut_after_commit).
        self.commit_cut = threading.Event()
        self.accepting = threading.Thread(target=self._accept, daemon=True)
        self.accepting.start()

    def cut_after_commit(self, matching: Callable[[str], bool]) -> None:
        """Drop, once, the connection whose transaction ran a statement whose SQL text
        ``matching`` accepts, right after the server committed it and before its reply reaches
        the client: a ``COMMIT`` CommandComplete, or for a statement run on its own
        (autocommit: the transaction ends at the Sync) the ReadyForQuery that follows it."""
        self.commit_cut.clear()
        with self.lock:
            self._armed = matching

    def _take_armed(self, sql: str) -> bool:
        with self.lock:
            if self._armed is None or not self._armed(sql):
                return False
            self._armed = None
            return True

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            if self.listener.fileno() == -1:
                client.close()
                upstream.close()
                return
            with self.lock:
                self.connections += [client, upstream]
            session = _Session()
            threading.Thread(
                target=self._client_to_server, args=(client, upstream, session), daemon=True
            ).start()
            threading.Thread(
                target=self._server_to_client, args=(upstream, client, session), daemon=True
            ).start()

    def _client_to_server(
        self, client: socket.socket, server: socket.socket, session: _Session
    ) -> None:
        reader = _Reader(client)
        with contextlib.suppress(OSError):
            # Start-up: untyped messages. Encryption is refused here, so the rest stays readable.
            while (head := reader.read(8)) is not None:
                length, code = struct.unpack("!ii", head)
                rest = reader.read(length - 8)
                if rest is None:
                    break
                if code in (SSL_REQUEST, GSSENC_REQUEST):
                    client.sendall(b"N")
                    continue
                server.sendall(head + rest)
                break
            while (message := reader.message()) is not None:
                self._asked(session, *message)
                server.sendall(message[1])
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_WR)

    @staticmethod
    def _asked(session: _Session, kind: bytes, message: bytes) -> None:
        payload = message[5:]
        with session.lock:
            if kind == b"P":  # Parse: statement name, SQL
                name, sql = _cstrings(payload, 2)
                session.statements[name] = sql
            elif kind == b"B":  # Bind: portal name, statement name
                portal, name = _cstrings(payload, 2)
                session.portals[portal] = session.statements.get(name, "")
            elif kind == b"E":  # Execute: portal name
                session.due.append(session.portals.get(_cstrings(payload, 1)[0], ""))
            elif kind == b"S":  # Sync: the server answers everything up to here, then 'Z'
                session.due.append(None)
            elif kind == b"Q":  # a simple query is its own Sync
                session.due.extend((_cstrings(payload, 1)[0], None))

    def _server_to_client(
        self, server: socket.socket, client: socket.socket, session: _Session
    ) -> None:
        reader = _Reader(server)
        matched_in_block = False  # a matching statement ran inside BEGIN ... COMMIT
        held: list[bytes] | None = None  # an autocommit match's answer, until its 'Z'
        idle = True  # transaction status of the last ReadyForQuery
        with contextlib.suppress(OSError):
            while (message := reader.message()) is not None:
                kind, data = message
                cut = False
                if kind == b"C":
                    tag = data[5:].split(b"\0", 1)[0]
                    with session.lock:
                        pending = session.due and session.due[0] is not None
                        sql = (session.due.popleft() or "") if pending else ""
                    if tag == b"COMMIT" and matched_in_block:
                        cut = True
                    elif sql and self._take_armed(sql):
                        if idle:
                            held = []
                        else:
                            matched_in_block = True
                elif kind == b"E":  # the server skips the group's other statements
                    with session.lock:
                        while session.due and session.due[0] is not None:
                            session.due.popleft()
                    if held is not None:  # the commit failed: let it through
                        client.sendall(b"".join(held))
                        held = None
                elif kind == b"Z":
                    with session.lock:
                        while session.due and session.due.popleft() is not None:
                            pass
                    idle = data[5:6] == b"I"
                    cut = held is not None and idle
                    if idle:
                        matched_in_block = False
                if cut:
                    self.commit_cut.set()
                    break
                if held is not None:
                    held.append(data)
                else:
                    client.sendall(data)
            else:
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_WR)
                return
        for sock in (client, server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Stop listening and drop every open connection, like a database that went away."""
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.listener.close()
        self.accepting.join(timeout=5)
        with self.lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self.connections.clear()
