"""Reading an uploaded table (XLSX or UTF-8 CSV) into rows of text cells, each cell named as the
spreadsheet shows it: row 1 is the header line, columns by header name. A file that cannot be
read is refused with a named cell, never a 500."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.errors import ValidationError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
#: More rows than any province holds (~2,000 orgs, a few thousand accounts): a bigger sheet is a
#: mistake, and a bound on what a 1 MiB zip can expand into.
MAX_ROWS = 20_000
MAX_COLUMNS = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Rejection:
    row: int
    column: str
    error: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "error": self.error,
                "message": self.message}


class ImportRejectedError(ValidationError):
    """The file, or some of its cells, cannot be imported: nothing is recorded."""

    def __init__(self, rejected: Sequence[Rejection]) -> None:
        first = rejected[0]
        super().__init__(
            "import_rejected",
            f"{len(rejected)} cell(s) refused, nothing recorded; first: row {first.row}, "
            f"column {first.column}: {first.message}",
            [r.as_dict() for r in rejected],
        )


def refuse(row: int, column: str, error: str, message: str) -> ImportRejectedError:
    return ImportRejectedError([Rejection(row, column, error, message)])


@dataclass(frozen=True)
class Row:
    number: int  # as the sheet shows it (the header is row 1)
    cells: dict[str, str | None]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _text(value: Any) -> str | None:
    """A cell as text: integral numbers without ``.0`` (a code typed as 101), dates ISO."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        value = value.isoformat()
    text = str(value).strip()
    return text or None


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook  # the edge's library, only needed for XLSX bodies

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            yield list(values)
    except ImportRejectedError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged package raises anything at all
        raise refuse(1, "A", "unreadable_file",
                     f"not a readable .xlsx file ({type(exc).__name__})") from None


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise refuse(line, "A", "not_utf8", "the CSV file is not UTF-8 text") from None
    if "\x00" in text:
        raise refuse(text[: text.index("\x00")].count("\n") + 1, "A", "unreadable_file",
                     "the CSV file holds binary data (NUL bytes)")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from reader
    except csv.Error as exc:
        raise refuse(reader.line_num, "A", "unreadable_file", f"malformed CSV: {exc}") from None


def read_table(content: bytes, media: str, required: Sequence[str],
               optional: Sequence[str] = ()) -> Table:
    """Header line + rows of text cells; blank rows are skipped. The header must name every
    ``required`` column (in any order) and nothing outside ``required`` + ``optional``."""
    if not content.strip():
        raise refuse(1, "A", "empty_file", "the file is empty")
    lines = _xlsx_rows(content) if media == XLSX else _csv_rows(content)
    header = next(lines, None)
    if header is None or not any(_text(v) for v in header):
        raise refuse(1, "A", "empty_file", "the first line must name the columns")
    names = [(_text(v) or "").lower() for v in header]
    while names and not names[-1]:
        names.pop()
    known = {*required, *optional}
    rejected = [Rejection(1, column_letter(i), "unknown_column",
                          f"unknown column {name or '(blank)'!r}; expected {', '.join(required)}")
                for i, name in enumerate(names) if name not in known]
    rejected += [Rejection(1, column_letter(i), "duplicate_column", f"column {name!r} twice")
                 for i, name in enumerate(names) if name and name in names[:i]]
    rejected += [Rejection(1, name, "missing_column",
                           f"the column {name!r} is missing")
                 for name in required if name not in names]
    if len(names) > MAX_COLUMNS:
        rejected.append(Rejection(1, column_letter(MAX_COLUMNS), "too_many_columns",
                                  f"at most {MAX_COLUMNS} columns"))
    if rejected:
        raise ImportRejectedError(rejected)
    rows = []
    for number, values in enumerate(lines, start=2):
        cells = {name: _text(values[i]) if i < len(values) else None
                 for i, name in enumerate(names)}
        extra = [_text(v) for v in values[len(names):]]
        if any(extra):
            raise refuse(number, column_letter(len(names)), "unknown_column",
                         "a value outside the named columns")
        if not any(cells.values()):
            continue
        for name, value in cells.items():
            if value is not None and _CONTROL.search(value):
                raise refuse(number, name, "control_character",
                             "control characters are not allowed")
        rows.append(Row(number, cells))
        if len(rows) > MAX_ROWS:
            raise refuse(number, "A", "too_many_rows", f"at most {MAX_ROWS} rows a file")
    if not rows:
        raise refuse(2, "A", "empty_file", "the file has a header but no rows")
    return Table(tuple(names), tuple(rows))
