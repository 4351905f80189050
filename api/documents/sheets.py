"""XLSX sheets (openpyxl): the standings, the rectification board and the audit trail.

Figures arrive as the JSON answers give them (decimal strings) and become numbers here, with a
number format, so a spreadsheet can sort and sum them. Text never becomes a formula: a cell whose
text starts with ``=`` is stored as text (openpyxl would otherwise write it as a formula)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from api.console import labels

TWO_PLACES = "0.00"
FOUR_PLACES = "0.0000"
PERCENT = "0.00%"
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
OVERDUE_FILL = PatternFill("solid", fgColor="F8CBAD")
PROVISIONAL_FONT = Font(bold=True, color="C00000")


def number(value: str | int | Decimal | None) -> float | int | None:
    """A decimal string of the API (``"92.00"``) as a spreadsheet number; null stays empty."""
    if value is None or isinstance(value, int):
        return value
    return float(Decimal(value))


def text(value: Any) -> str:
    """Text as a cell can hold it: characters XML forbids (control characters) become U+FFFD."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))


def set_text(cell: Cell | WriteOnlyCell, value: Any) -> None:
    cell.value = text(value)
    cell.data_type = "s"  # never a formula, whatever the text starts with


def to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _width(value: Any) -> int:
    # CJK characters take two columns of a Latin font's width.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(value))


class Table:
    """One sheet: a title line, a subtitle line, a bold frozen header, typed cells, widths."""

    def __init__(self, sheet: Worksheet, title: str, subtitle: str, headers: Sequence[str],
                 subtitle_font: Font | None = None) -> None:
        self.sheet = sheet
        self.widths = [_width(h) for h in headers]
        set_text(sheet.cell(row=1, column=1), title)
        sheet.cell(row=1, column=1).font = TITLE_FONT
        set_text(sheet.cell(row=2, column=1), subtitle)
        if subtitle_font is not None:
            sheet.cell(row=2, column=1).font = subtitle_font
        if len(headers) > 1:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
            sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
        for column, header in enumerate(headers, start=1):
            cell = sheet.cell(row=3, column=column)
            set_text(cell, header)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.freeze_panes = "A4"
        self.row = 3

    def add(self, values: Sequence[Any], formats: Mapping[int, str] | None = None,
            fill: PatternFill | None = None) -> None:
        """Numbers stay numbers (``formats`` by 0-based column); everything else is text."""
        self.row += 1
        for column, value in enumerate(values, start=1):
            cell = self.sheet.cell(row=self.row, column=column)
            if isinstance(value, bool):
                set_text(cell, labels.YES_NO[value])
            elif isinstance(value, int | float):
                cell.value = value
                if formats and column - 1 in formats:
                    cell.number_format = formats[column - 1]
            elif value is not None:
                set_text(cell, value)
            if fill is not None:
                cell.fill = fill
            shown = f"{value:.4f}" if isinstance(value, float) else value
            self.widths[column - 1] = max(self.widths[column - 1], _width(shown or ""))

    def finish(self) -> None:
        for column, width in enumerate(self.widths, start=1):
            self.sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, 60)


def standings_workbook(body: Mapping[str, Any], title: str, moment: str) -> bytes:
    """The standings answer (``standings.get_standings``) as one sheet, in rank order."""
    columns = labels.STANDINGS_COLUMNS
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "排名"
    provisional = bool(body["provisional"])
    state = labels.PROVISIONAL if provisional else labels.FINAL
    table = Table(sheet, f"{title} 排名（{state}）", f"截至 {moment}（{state}）",
                  list(columns.values()),
                  subtitle_font=PROVISIONAL_FONT if provisional else None)
    keys = list(columns)
    formats = {keys.index(k): TWO_PLACES for k in
               ("review_score", "indicator_score", "rectification_score", "total")}
    formats[keys.index("satisfaction")] = FOUR_PLACES
    for row in body["rows"]:
        counts = row.get("ratings") or {}
        values = {
            **{k: row.get(k) for k in ("rank", "org_name", "org_code", "secretary", "movement")},
            **{k: number(row.get(k)) for k in ("review_score", "satisfaction",
                                               "indicator_score", "rectification_score",
                                               "total")},
            **{k: counts.get(k, 0) for k in ("good", "fairly_good", "average", "poor")},
            "grade": labels.GRADES.get(row["grade"], row["grade"]),
            "vetoed": bool(row.get("vetoed", False)),
        }
        table.add([values[k] for k in keys], formats)
    table.finish()
    return to_bytes(workbook)


def board_workbook(board: Mapping[str, Any], title: str, moment: str) -> bytes:
    """The rectification board (``rectification.board``): the items, then one row per org.
    Overdue items are filled red."""
    names = {row["org_code"]: row["org_name"] for row in board["by_org"]}
    workbook = Workbook()
    items_sheet = workbook.active
    assert items_sheet is not None
    items_sheet.title = "整改事项"
    columns = labels.BOARD_ITEM_COLUMNS
    items = Table(items_sheet, f"{title} 整改事项", f"截至 {moment}", list(columns.values()))
    for item in board["items"]:
        values = {
            **item,
            "org_name": names.get(item["org_code"]),
            "status": labels.ITEM_STATUSES.get(item["status"], item["status"]),
        }
        items.add([values.get(k) for k in columns],
                  fill=OVERDUE_FILL if item["overdue"] else None)
    items.finish()
    summary_columns = labels.BOARD_ORG_COLUMNS
    summary = Table(workbook.create_sheet("按单位汇总"), f"{title} 整改情况汇总",
                    f"截至 {moment}", list(summary_columns.values()))
    rate = list(summary_columns).index("completion_rate")
    for org in board["by_org"]:
        values = {
            **org,
            "plan_status": labels.PLAN_STATUSES.get(org["plan_status"], org["plan_status"]),
            "completion_rate": number(org["completion_rate"]),
        }
        summary.add([values.get(k) for k in summary_columns], {rate: PERCENT},
                    fill=OVERDUE_FILL if org["overdue"] else None)
    summary.finish()
    return to_bytes(workbook)


def audit_workbook(pages: Iterable[list[dict[str, Any]]]) -> bytes:
    """The audit trail (the export's pages, already filtered and scoped) in a write-only workbook:
    rows are streamed into the file, not held as cells. ``data`` is its JSON text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("审计日志")
    sheet.freeze_panes = "A2"
    keys = list(labels.AUDIT_COLUMNS)
    widths = {"recorded_at": 26, "aggregate_id": 38, "type": 32, "reason": 30, "data": 60,
              "hash": 66}
    for column, key in enumerate(keys, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = widths.get(key, 12)

    def cell(value: Any) -> WriteOnlyCell:
        if isinstance(value, int) and not isinstance(value, bool):
            return WriteOnlyCell(sheet, value=value)
        made = WriteOnlyCell(sheet)
        if value is not None:
            set_text(made, value)
        return made

    header = []
    for title in labels.AUDIT_COLUMNS.values():
        made = cell(title)
        made.font = HEADER_FONT
        header.append(made)
    sheet.append(header)
    for rows in pages:
        for row in rows:
            sheet.append([
                cell(json.dumps(row["data"], ensure_ascii=False) if key == "data" else row[key])
                for key in keys
            ])
    return to_bytes(workbook)
