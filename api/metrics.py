"""Prometheus metrics, one registry per app (several apps live in one test process).

Requests are labelled by route template (never the raw path: ids would explode the series) and
status. A successful, non-replayed write is read off its response headers: routes stay unaware.
Requests are observed by the edge layer (api.limits.EdgeMiddleware)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import Scope

UNMATCHED = "<unmatched>"


class Metrics:
    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "lianping_http_requests_total", "HTTP requests answered",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "lianping_http_request_duration_seconds", "HTTP request latency",
            ["method", "route"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.writes = Counter(
            "lianping_writes_total", "Writes that appended events (replays excluded)",
            ["route"], registry=self.registry,
        )
        self.last_position = Gauge(
            "lianping_last_event_position", "Position (notification id) of the last event written",
            registry=self.registry,
        )
        self.store_errors = Counter(
            "lianping_store_errors_total", "Requests refused because the store was unavailable",
            ["error"], registry=self.registry,
        )
        self.read_model_lag = Gauge(
            "lianping_read_model_lag", "Positions a read model is behind the head of the log",
            ["read_model"], registry=self.registry,
        )
        self.runner_threads = Gauge(
            "lianping_read_model_runner_threads",
            "Read-model runner threads in this process (0 under `lianping serve`: its child runs "
            "them)",
            registry=self.registry,
        )
        self._last = 0

    def observe_lag(self, lags: dict[str, int]) -> None:
        for name, behind in lags.items():
            self.read_model_lag.labels(name).set(behind)

    def observe(self, scope: Scope, status: int, seconds: float, headers: dict[str, str]) -> None:
        method = scope.get("method", "")
        route = self.route_template(scope)
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
        position = headers.get("x-event-position")
        if method == "POST" and 200 <= status < 300 and position and (
            headers.get("idempotent-replayed") != "true"
        ):
            self.writes.labels(route).inc()
            # Observed on the event loop only, so a plain attribute is enough.
            self._last = max(self._last, int(position))
            self.last_position.set(self._last)

    def route_template(self, scope: Scope) -> str:
        """The matched route's template with the mount prefix (routers are included under the
        prefix without being copied, so the route's own path may lack it)."""
        path = getattr(scope.get("route"), "path", None)
        if not isinstance(path, str):
            return UNMATCHED
        prefix = self.prefix
        if prefix and scope.get("path", "").startswith(prefix + "/") and not path.startswith(
            prefix + "/"
        ):
            return prefix + path
        return path
