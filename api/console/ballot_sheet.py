"""The paper-ballot entry sheet (XLSX, openpyxl): the template, and reading a filled one back
into ``PaperSheet`` as the spreadsheet shows it (rows by number, columns by letter)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from api.console import labels
from application.usecases.ballots import PaperSheet
from domain.errors import ValidationError

SHEET_TITLE = "测评票"
CODE_ROW = 2
FIRST_ROW = 3
MAX_ROWS = 5000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template(title: str, participants: list[tuple[str, str]], slips: int = 500) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    sheet["A1"] = "票号"
    sheet[f"A{CODE_ROW}"] = "单位代码"
    for index, (code, name) in enumerate(participants, start=2):
        letter = get_column_letter(index)
        sheet[f"{letter}1"] = name
        sheet[f"{letter}{CODE_ROW}"] = code
        sheet.column_dimensions[letter].width = max(10, len(name) * 2 + 2)
    for cell in (*sheet[1], *sheet[CODE_ROW]):
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
    for number in range(1, slips + 1):
        sheet[f"A{FIRST_ROW + number - 1}"] = number
    grades = ",".join(labels.GRADES.values())
    check = DataValidation(type="list", formula1=f'"{grades}"', allow_blank=True,
                           showErrorMessage=True, errorTitle="评价有误",
                           error="请选择 " + "、".join(labels.GRADES.values()) + " 或留空（弃权）")
    sheet.add_data_validation(check)
    if participants:
        last = get_column_letter(len(participants) + 1)
        check.add(f"B{FIRST_ROW}:{last}{FIRST_ROW + slips - 1}")
    sheet.freeze_panes = f"B{FIRST_ROW}"
    notes = book.create_sheet("填写说明")
    for row, text in enumerate((
        f"{title}：民主测评纸质票录入表",
        "每张纸质票录入一行；每个单位一列（第1行为单位名称，第2行为单位代码，请勿修改）。",
        "评价填写 好、较好、一般、差 之一；留空表示弃权。整行留空的票不计入。",
        "导入时任何一格有误，整张表都不会录入，并列出每个有误的单元格。",
    ), start=1):
        notes[f"A{row}"] = text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _malformed(message: str) -> ValidationError:
    return ValidationError(
        "malformed_sheet", f"the file is not a filled paper-ballot sheet: {message}",
        {"rejected": [{"row": None, "column": None, "error": message}]},
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_sheet(raw: bytes) -> PaperSheet:
    """A clear 422 for anything that is not such a sheet (never a 500)."""
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise _malformed(f"不是有效的 .xlsx 文件 ({type(error).__name__})") from None
    except Exception as error:  # openpyxl raises its own InvalidFileException and friends
        raise _malformed(f"无法读取该文件 ({type(error).__name__})") from None
    try:
        sheet = book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else book.worksheets[0]
        rows = list(sheet.iter_rows(min_row=1, max_row=MAX_ROWS + FIRST_ROW))
    except Exception as error:
        raise _malformed(f"无法读取工作表 ({type(error).__name__})") from None
    finally:
        book.close()
    if len(rows) < CODE_ROW or _text(rows[CODE_ROW - 1][0].value) != "单位代码":
        raise _malformed("第2行A列应为“单位代码”：请使用本系统下载的模板")
    columns: dict[str, str] = {}
    for cell in rows[CODE_ROW - 1][1:]:
        text = _text(getattr(cell, "value", None))
        if text:
            columns[get_column_letter(cell.column)] = text
    data: list[tuple[int, dict[str, str]]] = []
    for number, row in enumerate(rows[FIRST_ROW - 1:], start=FIRST_ROW):
        cells = {}
        for cell in row[1:]:
            text = _text(getattr(cell, "value", None))
            if text:
                cells[get_column_letter(cell.column)] = text
        if cells:
            data.append((number, cells))
    return PaperSheet(columns=columns, code_row=CODE_ROW, rows=data)
