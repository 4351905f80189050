"""The stack's own ceiling for the HTTP append benchmark: an app with the rating route's shape
that does no work, served like the product (``api.serve``: the same workers, one
``SO_REUSEPORT`` socket each, httptools and uvloop).

Same path, same request model (``ReviewIn``, strict, validated), same response model and
headers, same route class (one thread hop), a bearer token required. No authentication, no
command, no database, no read models, none of lianping's middleware. The same load against it,
over the same raw baseline, shows how much of the target the framework alone leaves.

Run it: ``python -m bench.ceiling PORT WORKERS``.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, HTTPException, Response

from api.errors import UnescapedJSONResponse
from api.routing import OneHopRoute
from api.schemas.participants import ReviewIn, ReviewOut
from api.serve import ServeOptions, serve
from bench.server import HOST

APP = "bench.ceiling:create_app"
LABELS = {"good": "好", "fairly_good": "较好", "average": "一般", "poor": "差"}

router = APIRouter(route_class=OneHopRoute)


@router.post("/api/v1/cycles/{cycle_id}/participants/{org_code}/reviews", status_code=201,
             response_model=ReviewOut)
def review(
    cycle_id: str, org_code: str, body: ReviewIn, response: Response,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401, "a bearer token is required")
    response.headers["X-Event-Position"] = "1"
    response.headers["ETag"] = '"1"'
    rating = body.rating
    return {"rating": rating, "rating_label": LABELS.get(rating, rating), "comment": body.comment}


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> FastAPI:
    app = FastAPI(default_response_class=UnescapedJSONResponse)
    app.include_router(router)
    return app


def main(argv: list[str]) -> None:
    port, workers = int(argv[0]), int(argv[1])
    serve(ServeOptions(HOST, port, workers, "warning", APP))


if __name__ == "__main__":
    main(sys.argv[1:])
