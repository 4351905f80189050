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

Run it: ``python -m bench.ceiling PORT WORKERS``.
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

from api.routing import OneHopRoute
from api.schemas.participants import ReviewIn, ReviewOut
from api.serve import ServeOptions, serve
from bench.server import HOST
from bench.store import RAW_INSERT

APP = "bench.ceiling:create_app"
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


@router.post("/api/v1/cycles/{cycle_id}/participants/{org_code}/reviews", status_code=201,
             response_model=ReviewOut)
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


def main(argv: list[str]) -> None:
    port, workers = int(argv[0]), int(argv[1])
    serve(ServeOptions(HOST, port, workers, "warning", APP))


if __name__ == "__main__":
    main(sys.argv[1:])
