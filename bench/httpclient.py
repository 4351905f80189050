"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for load generation: a few tens of
microseconds of CPU per request, so the load process leaves the CPU to the server under test."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

TIMEOUT = 30.0


class HttpError(Exception):
    pass


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, token: str | None = None, body: Any = None,
        cookie: str | None = None,
    ) -> tuple[int, bytes]:
        """One request (`token`: a bearer token; `cookie`: a Cookie header instead); reconnects
        once if the kept-alive connection was closed meanwhile."""
        for attempt in (1, 2):
            try:
                return await asyncio.wait_for(
                    self._request(method, path, token, body, cookie), TIMEOUT)
            except (ConnectionError, asyncio.IncompleteReadError) as error:
                await self.close()
                if attempt == 2:
                    raise HttpError(f"{method} {path}: {error!r}") from error
        raise AssertionError("unreachable")

    async def _request(
        self, method: str, path: str, token: str | None, body: Any, cookie: str | None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 f"Content-Length: {len(payload)}"]
        if body is not None:
            lines.append("Content-Type: application/json")
        if token is not None:
            lines.append(f"Authorization: Bearer {token}")
        if cookie is not None:
            lines.append(f"Cookie: {cookie}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed by the server")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        data = await self._chunked() if chunked else await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, data

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while size := int((await self.reader.readline()).split(b";")[0], 16):
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()
        await self.reader.readline()
        return b"".join(parts)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError):
                await self.writer.wait_closed()
        self.reader = self.writer = None
