"""批量导入 (the admin's page): upload an organizations or accounts sheet (.xlsx or UTF-8 CSV),
see what it would do (a dry run: counts, the rows read, or every refused cell in Chinese), then
confirm to record it, all or nothing. The confirm form carries the checked file back (base64,
in a multipart body, so it is not percent-encoded too; the page alone may take MAX_FORM_BYTES),
so what is recorded is exactly what was checked, and it is checked again. Template sheets to
fill in download from the page. The same use cases as the JSON API's imports."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from api.auth import application_of
from api.console import import_sheet, labels, paths
from api.console.web import ConsoleRoute, CurrentUser, FormPost, Posted, redirect_with_flash, render
from api.documents import attachment
from application.principal import require_admin
from application.usecases import imports, tables
from application.usecases.tables import ImportRejectedError, Table
from domain.errors import NotFoundError

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

WORDS = labels.IMPORTS
#: The JSON API's body limit: a sheet of every org and account of a province is far smaller.
MAX_UPLOAD = 1024 * 1024
#: This page's body limit: the confirm form carries the checked file back in base64 (4/3 of
#: it), and a multipart upload adds its boundaries; other requests keep LIANPING_MAX_BODY_BYTES.
MAX_FORM_BYTES = MAX_UPLOAD * 4 // 3 + 64 * 1024
PREVIEW_ROWS = 50
KINDS: dict[str, tuple[Any, tuple[str, ...], tuple[str, ...], str]] = {
    "organizations": (imports.import_organizations, imports.ORG_COLUMNS, imports.ORG_OPTIONAL,
                      paths.ADMIN_ORGS),
    "accounts": (imports.import_accounts, imports.ACCOUNT_COLUMNS, imports.ACCOUNT_OPTIONAL,
                 paths.ADMIN_ACCOUNTS),
}


def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    shown: dict[str, Any] = {"kind": "organizations", "errors": {}, "rejected": None,
                             "preview": None, **context}
    return render(request, "admin/import.html", status_code=status_code,
                  kinds=list(labels.IMPORT_KINDS.items()), **shown)


@router.get(paths.ADMIN_IMPORT)
def import_page(request: Request, user: CurrentUser) -> Response:
    require_admin(user.principal)
    return _page(request)


@router.get(paths.ADMIN_IMPORT + "/template-{kind}.xlsx")
def template(kind: str, user: CurrentUser) -> Response:
    require_admin(user.principal)
    if kind not in KINDS:
        raise NotFoundError("not_found", f"no import of {kind!r}")
    _, required, optional, _ = KINDS[kind]
    return attachment(import_sheet.template(kind, required + optional), tables.XLSX,
                      f"{labels.IMPORT_KINDS[kind]}导入模板.xlsx", f"{kind}-template.xlsx")


def _uploaded(posted: Posted) -> tuple[bytes | None, str | None]:
    """The file's bytes (from the file field, or the confirm form's checked copy) or why not."""
    checked = posted.get("checked_file")
    if checked:
        try:
            return base64.b64decode(checked, validate=True), None
        except (binascii.Error, ValueError):
            return None, labels.error_message("malformed_form")
    upload = posted.data.get("file")
    raw = upload.file.read(MAX_UPLOAD + 1) if isinstance(upload, UploadFile) else b""
    if not raw:
        return None, WORDS["no_file"]
    if len(raw) > MAX_UPLOAD:
        return None, WORDS["file_too_large"]
    return raw, None


def _rejected(error: ImportRejectedError, table: Table | None) -> list[dict[str, Any]]:
    """Every refused cell: row, column (with its Chinese name), the value, the reason."""
    values = {row.number: row.cells for row in table.rows} if table else {}
    return [{"row": cell["row"], "column": cell["column"],
             "column_label": labels.IMPORT_COLUMNS.get(cell["column"], ""),
             "value": values.get(cell["row"], {}).get(cell["column"]) or "",
             "error": labels.error_message(cell["error"])}
            for cell in error.details]


@router.post(paths.ADMIN_IMPORT)
def import_file(request: Request, posted: FormPost) -> Response:
    """``action`` check: a dry run shown with a confirm form; apply: record, then the list."""
    app = application_of(request)
    require_admin(posted.user.principal)
    kind = posted.get("kind")
    if kind not in KINDS:
        return _page(request, 422, errors={"kind": labels.error_message("validation_error")})
    raw, missing = _uploaded(posted)
    if raw is None:
        return _page(request, 422, kind=kind, errors={"file": missing})
    use_case, required, optional, listing = KINDS[kind]
    media = tables.XLSX if raw[:2] == b"PK" else tables.CSV
    apply = posted.get("action") == "apply"
    table = None
    try:
        table = tables.read_table(raw, media, required, optional)
        outcome = app.execute(posted.request, use_case, table, not apply)
    except ImportRejectedError as refused:
        return _page(request, 422, kind=kind, errors={"": WORDS["rejected"]},
                     rejected=_rejected(refused, table))
    counts = outcome.body
    summary = WORDS["summary"].format(**counts)
    if apply:
        return redirect_with_flash(request, listing, f"{WORDS['applied']}：{summary}")
    return _page(request, kind=kind, preview={
        "summary": summary, "columns": table.columns, "rows": table.rows[:PREVIEW_ROWS],
        "headers": [labels.IMPORT_COLUMNS[c] for c in table.columns],
        "more": max(0, len(table.rows) - PREVIEW_ROWS),
        "changes": counts["created"] + counts["updated"],
        "checked_file": base64.b64encode(raw).decode("ascii")})
