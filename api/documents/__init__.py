"""Documents: an edge adapter that formats what the use cases return as files (XLSX sheets with
openpyxl, DOCX letters with python-docx). No figure is computed here; every label comes from
``api.console.labels``."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with the Chinese name (RFC 5987/6266 ``filename*``) and an ASCII fallback
    for clients that do not read ``filename*``."""
    ascii_name = _UNSAFE.sub("_", fallback).strip("_") or "document"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment(content: bytes, media_type: str, filename: str, fallback: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(filename, fallback)},
    )
