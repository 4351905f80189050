"""The edge: one pure-ASGI layer in front of every route (API.md "Limits and refusals").

Per request, in this order: the per-address write rate, text that no store can hold (NUL, lone
surrogates) in the path, query string and headers, the body size (on the bytes actually received:
a chunked body or a lying Content-Length cannot get past it), the same text check on the body;
then the app. Every answer, the app's and the edge's own refusals alike, gets the security headers
and is counted in the metrics. One layer, so a request is wrapped (and its body buffered) once.

Rate limits are token buckets kept in the process (``TokenBuckets``): a bucket holds ``burst``
tokens and refills at ``rate`` per second, which is exactly API.md's "100 writes/s per account
with bursts of 300"; a refused request learns from the bucket how long to wait (Retry-After)."""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError, error_response
from api.metrics import Metrics
from application.settings import Settings

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: NUL (PostgreSQL text refuses it) and UTF-16 surrogates (no UTF-8 encoding: a lone one cannot be
#: stored either); json.loads joins a valid escaped pair into one character, so any left is lone.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

JSON_CSP = "default-src 'none'; frame-ancestors 'none'"
#: Scripts only from this server (no inline script: /docs loads its set-up as a file); inline
#: style attributes are allowed because Swagger UI and ReDoc set them; ReDoc searches in a worker.
HTML_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


# -- rate limits -----------------------------------------------------------------------------------


class TokenBuckets:
    """One token bucket per key (an account, an address). ``take`` answers 0 when the request
    may go, else the seconds until a token is back. Buckets that have refilled are forgotten
    when there are more than ``max_keys``, so memory stays bounded."""

    def __init__(self, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = float(rate)
        self.burst = float(max(burst, 1))
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                if len(self._buckets) > self.max_keys:
                    self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        self._buckets = {
            key: (tokens, at) for key, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * self.rate < self.burst
        }
        if len(self._buckets) > self.max_keys:  # a flood of distinct keys: start afresh
            self._buckets.clear()


def rate_limited(wait: float, what: str) -> ApiError:
    seconds = max(1, math.ceil(wait))
    return ApiError(
        429, "rate_limited", f"请求过于频繁，请 {seconds} 秒后重试 (too many {what}; retry later)",
        {"retry_after": seconds}, {"Retry-After": str(seconds)},
    )


class Limits:
    """This process's rate limits and the verify slot, from the settings (0 disables each)."""

    def __init__(self, settings: Settings) -> None:
        self.per_account = (
            TokenBuckets(settings.write_rate_per_account, settings.write_burst_per_account)
            if settings.write_rate_per_account > 0 else None
        )
        self.per_address = (
            TokenBuckets(settings.write_rate_per_address, settings.write_burst_per_address)
            if settings.write_rate_per_address > 0 else None
        )
        self.verify_slots = (
            threading.BoundedSemaphore(settings.verify_concurrency)
            if settings.verify_concurrency > 0 else None
        )

    def check_account(self, account_id: str) -> None:
        """A write by this account may go on, else 429 ``rate_limited``."""
        if self.per_account is not None and (wait := self.per_account.take(account_id)):
            raise rate_limited(wait, "writes from this account")

    def check_address(self, address: str) -> ApiError | None:
        if self.per_address is not None and (wait := self.per_address.take(address)):
            return rate_limited(wait, "writes from this address")
        return None

    @contextmanager
    def verify_slot(self) -> Iterator[None]:
        """One whole-chain verification at a time per process: the others are refused at once
        (429) rather than queued behind a check that reads the whole log."""
        slots = self.verify_slots
        if slots is None:
            yield
            return
        if not slots.acquire(blocking=False):
            raise ApiError(
                429, "rate_limited",
                "另一次完整性校验正在进行，请稍后重试 (a verification is already running here)",
                {"retry_after": 1}, {"Retry-After": "1"},
            )
        try:
            yield
        finally:
            slots.release()


# -- text that cannot be stored --------------------------------------------------------------------


def _text_refusal(where: str, field: str) -> ApiError:
    return ApiError(
        422, "validation_error", f"invalid request: {field}",
        [{"field": field, "in": where, "type": "unstorable_text",
          "message": "must not contain NUL characters, lone surrogates or invalid UTF-8"}],
    )


def _form_refusal(raw: bytes, where: str) -> ApiError | None:
    """``a=1&b=%00``: every name and value, percent-decoded, must be UTF-8 without NUL."""
    if not raw or (b"%" not in raw and b"\x00" not in raw):
        return None
    for part in raw.split(b"&"):
        name, _, value = part.partition(b"=")
        for piece in (name, value):
            decoded = unquote_to_bytes(piece.replace(b"+", b" "))
            try:
                text = decoded.decode("utf-8")
            except UnicodeDecodeError:
                text = "\x00"
            if UNSTORABLE.search(text):
                field = unquote_to_bytes(name).decode("utf-8", "replace")
                return _text_refusal(where, UNSTORABLE.sub("?", field) or "?")
    return None


def _json_path(value: Any, path: str = "") -> str | None:
    """The path of the first string (or key) in a decoded JSON value that cannot be stored."""
    if isinstance(value, str):
        return path or "body" if UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if UNSTORABLE.search(key):
                return f"{path}.{UNSTORABLE.sub('?', key)}" if path else UNSTORABLE.sub("?", key)
            found = _json_path(item, f"{path}.{key}" if path else key)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _json_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _body_refusal(scope: Scope, body: bytes) -> ApiError | None:
    media = _header(scope, b"content-type").split(b";", 1)[0].strip().lower()
    if media == b"application/x-www-form-urlencoded":
        return _form_refusal(body, "body")
    # Raw NUL bytes and surrogates are invalid JSON (the app answers 400): only escapes matter.
    if b"\\u" not in body or not (media == b"application/json" or media.endswith(b"+json")):
        return None
    try:
        decoded = json.loads(body)
    except ValueError:
        return None  # the app answers malformed_json
    path = _json_path(decoded)
    return _text_refusal("body", path) if path else None


def _request_refusal(scope: Scope) -> ApiError | None:
    if UNSTORABLE.search(scope.get("path", "")):
        return _text_refusal("path", "path")
    for name, value in scope.get("headers", ()):
        if b"\x00" in value:
            return _text_refusal("header", name.decode("latin-1"))
    return _form_refusal(scope.get("query_string", b""), "query")


def _header(scope: Scope, wanted: bytes) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return bytes(value)
    return b""


def _content_length(scope: Scope) -> int | None:
    """The declared Content-Length, None when absent, -1 when unparsable."""
    declared = _header(scope, b"content-length")
    if not declared:
        return None
    try:
        length = int(declared)
    except ValueError:
        return -1
    return length if length >= 0 else -1


# -- the layer -------------------------------------------------------------------------------------


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, limits: Limits,
                 metrics: Metrics, larger_bodies: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_body_bytes
        #: paths allowed a larger body than ``max_body_bytes`` (exact path → bytes)
        self.larger_bodies = dict(larger_bodies or {})
        self.limits = limits
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        seen: dict[str, str] = {}
        answered = False

        async def answer(message: Message) -> None:
            nonlocal status, seen, answered
            if message["type"] == "http.response.start":
                answered = True
                status = message["status"]
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if b"content-security-policy" not in names:
                    html = any(
                        name.lower() == b"content-type" and value.startswith(b"text/html")
                        for name, value in headers
                    )
                    headers.append((b"content-security-policy",
                                    (HTML_CSP if html else JSON_CSP).encode()))
                message = {**message, "headers": headers}
                seen = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers}
            await send(message)

        try:
            await self._handle(scope, receive, answer)
        except Exception:
            # An unhandled error: answer it here, with the headers (the server's outermost error
            # layer, which logs it through the app's handler, then sees the answer as sent).
            if not answered:
                await error_response(500, "internal_error", "an internal error occurred")(
                    scope, receive, answer
                )
            raise
        finally:
            self.metrics.observe(scope, status, time.perf_counter() - started, seen)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = None
        if scope.get("method") in WRITE_METHODS:
            client = scope.get("client")
            refusal = self.limits.check_address(client[0] if client else "unknown")
        refusal = refusal or _request_refusal(scope)
        if refusal is not None:
            await self._refuse(refusal, scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == -1:
            await error_response(400, "bad_request", "invalid Content-Length header")(
                scope, receive, send
            )
            return
        max_bytes = self.larger_bodies.get(scope.get("path", ""), self.max_bytes)
        if declared is not None and declared > max_bytes:
            await self._too_large(max_bytes, scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        disconnected: Message | None = None
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected = message
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                await self._too_large(max_bytes, scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and (refusal := _body_refusal(scope, body)) is not None:
            await self._refuse(refusal, scope, receive, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if disconnected is not None:
                return disconnected
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(error: ApiError, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(error.status, error.code, error.message, error.details,
                                  error.headers)
        await response(scope, receive, send)

    @staticmethod
    async def _too_large(max_bytes: int, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, "body_too_large", f"the request body exceeds {max_bytes} bytes",
            {"max_bytes": max_bytes}, {"Connection": "close"},
        )
        await response(scope, receive, send)


def limits_of(app: Any) -> Limits:
    limits: Limits = app.state.limits
    return limits
