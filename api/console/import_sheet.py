"""The bulk-import template sheets (XLSX, openpyxl): the first sheet has the header line the
import reads (the column codes, each with its Chinese name as a note) and nothing else; the
second, 填写说明, says what each column holds, with an example row and the allowed values."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from api.console import labels

DATA_SHEET = "导入"
HELP_SHEET = "填写说明"
EXAMPLES: dict[str, dict[str, str]] = {
    "organizations": {"code": "jz-yc", "name": "榆次区委", "level": "county",
                      "parent_code": "jz", "secretary_name": "张三"},
    "accounts": {"account_id": "jz-yc-sj", "name": "张三", "org_code": "jz-yc",
                 "roles": "secretary@jz-yc;inspector@jz-yc"},
}


def template(kind: str, columns: tuple[str, ...]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = DATA_SHEET
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FDE9E7")
        cell.comment = Comment(labels.IMPORT_COLUMNS[column], "lianping")
        sheet.column_dimensions[get_column_letter(index)].width = 22
    sheet.freeze_panes = "A2"

    notes = book.create_sheet(HELP_SHEET)
    notes.append([labels.IMPORTS["help_column"], labels.IMPORTS["help_meaning"],
                  labels.IMPORTS["help_example"]])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in columns:
        notes.append([column, labels.IMPORT_HELP[column], EXAMPLES[kind][column]])
    notes.append([])
    for line in labels.IMPORT_RULES[kind]:
        notes.append([line])
    for letter, width in (("A", 18), ("B", 60), ("C", 36)):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
