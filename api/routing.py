"""The route class of every router: sync endpoints, one thread hop per request.

FastAPI runs a sync endpoint in the thread pool and then hops to the pool a second time only to
validate its response against the response model. Here a sync endpoint is wrapped in a
coroutine that runs it in the pool, so FastAPI validates the response on the event loop: the
same endpoint, the same validation, one hop less (each hop costs CPU in anyio and wakes the
loop). FastAPI reads the signature, the annotations' module and the docstring through the
wrapper (``functools.wraps``), so parameters and the OpenAPI document are unchanged.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

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
