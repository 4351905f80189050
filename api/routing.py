"""The route class of every router (sync endpoints, one thread hop per request), the OpenAPI of
dependencies that read the request themselves, and path gates in front of included routers.

FastAPI runs a sync endpoint in the thread pool and then hops to the pool a second time only to
validate its response against the response model. Here a sync endpoint is wrapped in a
coroutine that runs it in the pool, so FastAPI validates the response on the event loop: the
same endpoint, the same validation, one hop less (each hop costs CPU in anyio and wakes the
loop). FastAPI reads the signature, the annotations' module and the docstring through the
wrapper (``functools.wraps``), so parameters and the OpenAPI document are unchanged.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import re
from collections.abc import Callable
from typing import Any, TypeVar

import fastapi.routing
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match, Route, compile_path
from starlette.types import Scope

F = TypeVar("F", bound=Callable[..., Any])

#: OpenAPI of the dependencies that read the request themselves (see ``documented_by``).
_DOCUMENTED: dict[Callable[..., Any], dict[str, Any]] = {}


def documented_by(openapi: dict[str, Any]) -> Callable[[F], F]:
    """A dependency that reads headers and credentials from the Request itself (one call per
    request instead of a tree of ``Header``/``Security`` dependencies) shows them in the OpenAPI
    document so: every route depending on it adds ``openapi`` to its operation."""

    def register(dependency: F) -> F:
        _DOCUMENTED[dependency] = openapi
        return dependency

    return register



def in_thread_pool(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


class OneHopRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = in_thread_pool(endpoint)
        super().__init__(path, endpoint, **kwargs)
        for dependency in self.dependant.dependencies:
            documented = _DOCUMENTED.get(dependency.call)  # type: ignore[arg-type]
            if documented is not None:
                extra = self.openapi_extra or {}
                for key, value in copy.deepcopy(documented).items():
                    extra[key] = extra.get(key, []) + value
                self.openapi_extra = extra


# -- route matching --------------------------------------------------------------------------------
# FastAPI (0.16x) keeps each included router as one route that, asked whether a request is its
# own, tries each of its routes in turn (and again to handle it), so a request to the last
# router paid for every route before it: ~230 µs to match a rating POST. A gate in front of
# each included router answers "none of mine" with one compiled regex (the union of its routes'
# paths), so only the router that serves the path is scanned. What matches, in which order,
# and the OpenAPI document (the gated router is still an included router) are unchanged.

# FastAPI before 0.16x copies included routes into the app: nothing to gate there.
_IncludedRouter: Any = getattr(fastapi.routing, "_IncludedRouter", None)

_GROUP = re.compile(r"\(\?P<\w+>")


def gate_included_routers(app: FastAPI) -> None:
    """Put a path gate in front of every router included into ``app`` (call it last)."""
    if _IncludedRouter is None:
        return
    routes: list[Any] = app.router.routes
    for index, route in enumerate(routes):
        if type(route) is _IncludedRouter:
            gate = _path_gate(route)
            if gate is not None:
                routes[index] = _GatedRouter(
                    original_router=route.original_router,
                    include_context=route.include_context, gate=gate,
                )


def _path_gate(included: Any) -> re.Pattern[str] | None:
    """One regex matching exactly the paths of the router's routes (None: it holds anything
    but plain routes, e.g. a mount or a nested router, so it stays ungated)."""
    patterns = []
    for route in included.original_router.routes:
        if not isinstance(route, Route):
            return None
        regex, _, _ = compile_path(included.include_context.path_for(route))
        patterns.append(_GROUP.sub("(?:", regex.pattern.removeprefix("^").removesuffix("$")))
    if not patterns or included.original_router._low_priority_routes:
        return None
    return re.compile("^(?:" + "|".join(patterns) + ")$")


if _IncludedRouter is not None:

    @dataclasses.dataclass
    class _GatedRouter(_IncludedRouter):  # type: ignore[misc]
        gate: re.Pattern[str] | None = None

        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            assert self.gate is not None
            if scope["type"] != "http" or self.gate.match(get_route_path(scope)) is None:
                return Match.NONE, {}
            match: tuple[Match, Scope] = super().matches(scope)
            return match
