"""The stack's own ceilings for the HTTP append benchmark: an app with the rating route's shape
that does no work, served like the product (``api.serve``: the same workers, one
``SO_REUSEPORT`` socket each, httptools and uvloop).

Same path, same request model (``ReviewIn``, strict, validated), same response model and
headers, same route class (one thread hop), a bearer token required. No authentication, no
command, no read models, none of lianping's middleware. With ``LIANPING_BENCH_CEILING_TABLE``
set (and the store's ``LIANPING_DATABASE_URL`` / ``LIANPING_POSTGRES_SCHEMA``), each request
also makes one durable single-row INSERT into that table, as the raw baseline does (autocommit,
prepared): the least any HTTP-fronted durable append costs on this stack. The same load
against each, over the same raw baseline, shows how much of the target the stack leaves.

The floor (``python -m bench.ceiling PORT WORKERS floor``, the store's LIANPING_* environment)
is the other end: lianping's own app, every middleware, route and dependency of it, whose rating
route authenticates the writer (``Writing``, as the product's) and saves one new Rating through
the application (mapper, group commit, the chained append, NOTIFY), folded by the store's
projection worker, but reads and checks nothing else: no cycle, panel, conflict, report or
existing rating, no read guards. Its ratings name a cycle of their own (``<cycle>~floor-<hex>``,
a new one each time), so no read of the benchmark's cycles sees them. What HTTP append can reach
if the rating use case cost nothing.

Run it: ``python -m bench.ceiling PORT WORKERS [floor]``.
"""

from __future__ import annotations

import hashlib
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, HTTPException, Request, Response
from psycopg.sql import SQL, Identifier
from psycopg_pool import ConnectionPool

from api.main import create_app as create_lianping_app
from api.routers.deps import Writing
from api.routing import OneHopRoute
from api.schemas.participants import ReviewIn, ReviewOut
from api.serve import ServeOptions, serve
from bench.server import HOST
from bench.store import RAW_INSERT
from domain.rating import Rating
from domain.scheme import GRADE_LABELS, parse_grade

APP = "bench.ceiling:create_app"
FLOOR_APP = "bench.ceiling:create_floor_app"
RATING_PATH = "/api/v1/cycles/{cycle_id}/participants/{org_code}/reviews"
TABLE_VARIABLE = "LIANPING_BENCH_CEILING_TABLE"
TOPIC = "bench.ceiling:Rated"

router = APIRouter(route_class=OneHopRoute)


class RowWriter:
    """One durable single-row INSERT per call, on a pool of autocommit connections."""

    def __init__(self, url: str, schema: str, table: str) -> None:
        self.statement = SQL(RAW_INSERT).format(Identifier(table))
        self.pool = ConnectionPool(url, min_size=4, max_size=8, open=True, kwargs={
            "autocommit": True, "prepare_threshold": 0, "options": f"-c search_path={schema}"})

    def insert(self, state: bytes) -> None:
        with self.pool.connection() as conn:
            conn.execute(self.statement,
                         (uuid.uuid4(), 1, TOPIC, state, hashlib.sha256(state).digest()))

    def close(self) -> None:
        self.pool.close()


@router.post(RATING_PATH, status_code=201, response_model=ReviewOut)
def review(
    cycle_id: str, org_code: str, body: ReviewIn, request: Request, response: Response,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401, "a bearer token is required")
    rated = {"rating": body.rating, "rating_label": body.rating, "comment": body.comment}
    rows: RowWriter | None = request.app.state.rows
    if rows is not None:
        rows.insert(f"{cycle_id}/{org_code}: {rated}".encode())
    response.headers["X-Event-Position"] = "1"
    response.headers["ETag"] = '"1"'
    return rated


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        table = os.environ.get(TABLE_VARIABLE)
        app.state.rows = RowWriter(
            os.environ["LIANPING_DATABASE_URL"], os.environ["LIANPING_POSTGRES_SCHEMA"], table,
        ) if table else None
        try:
            yield
        finally:
            if app.state.rows:
                app.state.rows.close()

    app = FastAPI(lifespan=lifespan)
    app.state.rows = None
    app.include_router(router)
    return app


def floor_review(
    cycle_id: str, org_code: str, body: ReviewIn, write: Writing, response: Response
) -> dict[str, Any]:
    actor, code = write.request.principal.account_id, parse_grade(body.rating)
    rating = Rating(cycle_id=f"{cycle_id}~floor-{uuid.uuid4().hex}", org_code=org_code,
                    reviewer=actor, rating=code, comment=body.comment, actor=actor)
    recordings = write.app.save(rating)
    response.headers["X-Event-Position"] = str(recordings[-1].notification.id)
    response.headers["ETag"] = f'"{rating.version}"'
    return {"rating": code, "rating_label": GRADE_LABELS[code], "comment": body.comment}


def create_floor_app() -> FastAPI:
    """lianping's app (read models left to a projection worker) with the floor's rating route
    in front of its own."""
    app = create_lianping_app()
    floor = OneHopRoute(RATING_PATH, floor_review, methods=["POST"], status_code=201,
                        response_model=ReviewOut)
    app.router.routes.insert(0, floor)
    return app


def main(argv: list[str]) -> None:
    port, workers = int(argv[0]), int(argv[1])
    floor = argv[2:] == ["floor"]
    if floor:
        os.environ["LIANPING_RUN_PROJECTIONS"] = "false"  # as `serve --no-projections`
    serve(ServeOptions(HOST, port, workers, "warning", FLOOR_APP if floor else APP))


if __name__ == "__main__":
    main(sys.argv[1:])
