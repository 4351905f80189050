"""Guessing ballot codes is rate limited per client address: after ``limit`` failed code
lookups within a minute, every lookup from that address is 429 ``rate_limited`` (Retry-After)
until the oldest failure is a minute old. Only failures count, so a meeting hall behind one
address (NAT) casting hundreds of valid codes is never throttled."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from fastapi import Request

from api.errors import ApiError
from domain.errors import DomainError

WINDOW_SECONDS = 60.0
MAX_ADDRESSES = 100_000
T = TypeVar("T")


class BallotGuard:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= now - WINDOW_SECONDS:
            failures.popleft()
        return failures

    def check(self, address: str) -> None:
        """429 while this address has used up its failed lookups."""
        if self.limit <= 0:
            return
        now = time.monotonic()
        with self._lock:
            failures = self._recent(address, now)
            if len(failures) < self.limit:
                return
            wait = max(1, math.ceil(failures[0] + WINDOW_SECONDS - now))
        raise ApiError(
            429, "rate_limited", f"测评码尝试次数过多，请 {wait} 秒后重试 (too many unknown codes)",
            {"retry_after": wait}, {"Retry-After": str(wait)},
        )

    def failed(self, address: str) -> None:
        if self.limit <= 0:
            return
        with self._lock:
            if len(self._failures) > MAX_ADDRESSES:
                self._failures.clear()
            self._recent(address, time.monotonic()).append(time.monotonic())

    def run(self, request: Request, lookup: Callable[[], T]) -> T:
        """Check the address, run the lookup, count a ``ballot_not_found`` against it."""
        address = client_address(request)
        self.check(address)
        try:
            return lookup()
        except DomainError as refused:
            if refused.code == "ballot_not_found":
                self.failed(address)
            raise


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def guard_of(request: Request) -> BallotGuard:
    state = request.app.state
    guard: BallotGuard | None = getattr(state, "ballot_guard", None)
    if guard is None:
        guard = state.ballot_guard = BallotGuard(
            state.lianping.settings.ballot_failures_per_minute
        )
    return guard
