"""DOCX letters (python-docx): the written feedback (书面反馈) in the organizer committee's name
and the 通报 of a cycle's results. Every run carries an East Asian font (``w:eastAsia``), so Word
and LibreOffice set the Chinese text in 仿宋/黑体 rather than a Latin fallback."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table
from docx.text.run import Run

from api.console import labels

BODY_FONT = "仿宋"
TITLE_FONT = "黑体"
TABLE_FONT = "宋体"
BODY_SIZE = Pt(16)  # 三号, as official documents are set
TABLE_SIZE = Pt(12)


def committee(org_name: str | None) -> str:
    """中共××委员会: the party committee of an org (晋中市 → 中共晋中市委员会)."""
    return f"中共{org_name or ''}委员会"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def movement_text(movement: int | None) -> str:
    if movement is None:
        return "—"
    if movement == 0:
        return "持平"
    return f"上升{movement}位" if movement > 0 else f"下降{-movement}位"


def set_font(run: Run, name: str, size: Pt, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _new() -> DocumentObject:
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT  # type: ignore[attr-defined]
    normal.font.size = BODY_SIZE  # type: ignore[attr-defined]
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    return document


def _paragraph(document: DocumentObject, content: str, *, font: str = BODY_FONT,
               size: Pt = BODY_SIZE, bold: bool = False, align: Any = None,
               indent: bool = False) -> None:
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size.pt * 2)
    set_font(paragraph.add_run(content), font, size, bold)


def _table(document: DocumentObject, headers: Sequence[str], rows: Sequence[Sequence[Any]]
           ) -> Table:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        set_font(cell.paragraphs[0].add_run(header), TITLE_FONT, TABLE_SIZE, bold=True)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            set_font(cell.paragraphs[0].add_run("" if value is None else str(value)),
                     TABLE_FONT, TABLE_SIZE)
    return table


def _signature(document: DocumentObject, sender: str, day: date) -> None:
    document.add_paragraph()
    _paragraph(document, sender, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, chinese_date(day), align=WD_ALIGN_PARAGRAPH.RIGHT)


def _bytes(document: DocumentObject) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def feedback_letter(letter: Mapping[str, Any]) -> bytes:
    """``letter``: see ``application.usecases.documents.feedback_letter``."""
    sender = committee(letter["organizer_name"])
    document = _new()
    _paragraph(document, sender, font=TITLE_FONT, size=Pt(22), bold=True,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, f"关于{letter['org_name']}党委书记抓基层党建工作述职评议考核的反馈意见",
               font=TITLE_FONT, size=Pt(18), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    addressee = committee(letter["org_name"])
    if letter.get("secretary"):
        addressee += f"、{letter['secretary']}同志"
    _paragraph(document, f"{addressee}：")
    _paragraph(document, f"根据{letter['title']}的安排，现以{sender}的名义"
               "将述职评议考核情况反馈如下。", indent=True)
    for line in str(letter["text"]).splitlines() or [""]:
        if line.strip():
            _paragraph(document, line.strip(), indent=True)
    _paragraph(document, "存在的主要问题", font=TITLE_FONT, bold=True)
    problems = letter["problems"]
    if problems:
        _table(document, ["序号", "问题编号", "问题描述"],
               [(n, p["code"], p["description"]) for n, p in enumerate(problems, start=1)])
    else:
        _paragraph(document, "无。", indent=True)
    _paragraph(document, "请对照问题清单认真研究，制定整改方案，明确整改措施、责任人和完成时限，"
               "按时报送整改情况。", indent=True)
    _signature(document, sender, letter["issued_on"])
    return _bytes(document)


def bulletin(body: Mapping[str, Any]) -> bytes:
    """``body``: see ``application.usecases.documents.bulletin``."""
    sender = committee(body["organizer_name"])
    document = _new()
    _paragraph(document, sender, font=TITLE_FONT, size=Pt(22), bold=True,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, f"关于{body['title']}结果的通报", font=TITLE_FONT, size=Pt(18),
               bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    rows = body["rows"]
    _paragraph(document, f"{body['title']}已完成述职、评议和考核，经综合评定，"
               f"{len(rows)}个单位的结果通报如下。", indent=True)
    _paragraph(document, "一、考核结果", font=TITLE_FONT, bold=True)
    _table(document, ["排名", "单位", "总分", "等次", "位次变化"],
           [(row["rank"], row["org_name"] or row["org_code"], row["total"],
             labels.GRADES.get(row["grade"], row["grade"]), movement_text(row["movement"]))
            for row in rows])
    _paragraph(document, "二、需约谈的单位", font=TITLE_FONT, bold=True)
    talks = [row for row in rows if row["grade"] in ("average", "poor")]
    if talks:
        for number, row in enumerate(talks, start=1):
            secretary = f"（书记：{row['secretary']}）" if row.get("secretary") else ""
            _paragraph(document, f"{number}. {row['org_name'] or row['org_code']}{secretary}，"
                       f"等次为“{labels.GRADES[row['grade']]}”，须约谈。", indent=True)
    else:
        _paragraph(document, "无。", indent=True)
    _paragraph(document, "希望各单位对照考核结果，认真抓好问题整改，推动基层党建工作全面进步。",
               indent=True)
    _signature(document, sender, body["issued_on"])
    return _bytes(document)
