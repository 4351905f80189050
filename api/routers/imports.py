"""Bulk import (admin): organizations and accounts from a raw `.xlsx` or UTF-8 CSV body (not
multipart). All or nothing; ``dry_run=true`` records nothing and answers what would happen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, Field

from api.auth import Application, CurrentWriter
from api.errors import ApiError
from api.limits import limits_of
from api.routers.deps import MAX_IDEMPOTENCY_KEY, fingerprint, written
from api.routing import OneHopRoute
from application.app import Request as AppRequest
from application.usecases import imports, tables

router = APIRouter(tags=["directory"], route_class=OneHopRoute)
MEDIA_TYPES = {tables.XLSX: tables.XLSX, tables.CSV: tables.CSV}


@dataclass(frozen=True)
class Upload:
    request: AppRequest
    content: bytes
    media: str


async def upload(
    request: Request,
    writer: CurrentWriter,
    idempotency_key: Annotated[
        str | None,
        Header(min_length=1, max_length=MAX_IDEMPOTENCY_KEY,
               description="Retry-safe key (≤ 200 chars), scoped to the calling account"),
    ] = None,
) -> Upload:
    """A write whose body is a file: `text/csv` (UTF-8, BOM optional) or the XLSX media type."""
    limits_of(request.app).check_account(writer.principal.account_id)
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in MEDIA_TYPES:
        raise ApiError(
            415, "unsupported_media_type",
            f"send the file as {tables.CSV} (UTF-8) or {tables.XLSX}",
            {"content_type": request.headers.get("content-type")},
        )
    content = await request.body()  # already read (and size-checked: 1 MiB) before routing
    return Upload(
        AppRequest(
            principal=writer.principal,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint(request.method, str(request.url.path) + "?" +
                                    str(request.url.query), content),
            authenticate=writer.authenticate,
        ),
        content,
        media,
    )


Upload_ = Annotated[Upload, Depends(upload)]
DryRun = Annotated[bool, Query(description="true: decide every row, record nothing")]
FILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            tables.CSV: {"schema": {"type": "string"}},
            tables.XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


class RejectedCell(BaseModel):
    row: int = Field(description="as the sheet shows it: row 1 is the header line")
    column: str = Field(description="the header name, or the column letter")
    error: str
    message: str


class ImportOut(BaseModel):
    created: int
    updated: int = Field(description="present already, changed by the file (a new secretary, "
                         "new role grants)")
    unchanged: int
    rejected: list[RejectedCell] = Field(description="always empty here: a refused cell "
                                         "refuses the file (422 import_rejected, the cells in "
                                         "error.details)")
    dry_run: bool


def _run(app: Any, upload: Upload, response: Response, use_case: Any, columns: tuple[str, ...],
         optional: tuple[str, ...], dry_run: bool) -> dict[str, Any]:
    table = tables.read_table(upload.content, upload.media, columns, optional)
    outcome = app.execute(upload.request, use_case, table, dry_run)
    body = written(response, outcome)
    if not outcome.version:  # a dry run, or nothing new: nothing was written
        del response.headers["ETag"]
    return body


@router.post("/organizations/import", response_model=ImportOut, openapi_extra=FILE_BODY,
             status_code=201, responses={200: {"model": ImportOut}})
def import_organizations(
    upload: Upload_, app: Application, response: Response, dry_run: DryRun = False
) -> dict[str, Any]:
    """Columns `code, name, level, parent_code` (+ optional `secretary_name`), any order of rows.
    201 when anything was recorded, else 200; a refused cell → 422 `import_rejected` with
    `[{row, column, error, message}]` and nothing recorded."""
    return _run(app, upload, response, imports.import_organizations, imports.ORG_COLUMNS,
                imports.ORG_OPTIONAL, dry_run)


@router.post("/accounts/import", response_model=ImportOut, openapi_extra=FILE_BODY,
             status_code=201, responses={200: {"model": ImportOut}})
def import_accounts(
    upload: Upload_, app: Application, response: Response, dry_run: DryRun = False
) -> dict[str, Any]:
    """Columns `account_id, name, org_code` (+ optional `roles`: `secretary@jz-yc;inspector@jz-yc`).
    Existing accounts gain the roles they lack (no role is revoked)."""
    return _run(app, upload, response, imports.import_accounts, imports.ACCOUNT_COLUMNS,
                imports.ACCOUNT_OPTIONAL, dry_run)
