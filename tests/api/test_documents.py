"""Documents through HTTP, read back with the library that wrote them: the standings and the
rectification board as XLSX, the audit export as XLSX, the feedback letter and the 通报 as DOCX."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from httpx import Response
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from api.documents import DOCX, XLSX
from application.usecases import cycles, notes, participants, rectification
from domain import ids
from tests.api.helpers import CYCLE, Api, error_code, fresh
from tests.application.world import worked_example

C = f"/cycles/{CYCLE}"


def sheet_of(response: Response, name: str | None = None) -> Worksheet:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook[name] if name else workbook.active
    assert sheet is not None
    return sheet


def document_of(response: Response) -> tuple[DocxDocument, str]:
    """The DOCX answered, and its paragraphs' text."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DOCX
    document = Document(io.BytesIO(response.content))
    return document, "\n".join(p.text for p in document.paragraphs)


def rows_of(sheet: Worksheet, first: int = 4) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(min_row=first, values_only=True)]


def header(sheet: Worksheet, row: int = 3) -> list[Any]:
    return [cell.value for cell in sheet[row]]


def filename(response: Response) -> str:
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii()
    return unquote(disposition.split("filename*=UTF-8''", 1)[1])


class TestStandingsSheet:
    def test_the_worked_example_as_a_sheet_with_numbers_and_chinese_labels(
        self, api: Api
    ) -> None:
        worked_example(api.world)

        response = api.organizer.get(f"{C}/standings.xlsx")

        sheet = sheet_of(response)
        assert filename(response) == "2026年度述职评议排名.xlsx"
        assert "2026年度述职评议" in sheet["A1"].value and "暂定" in sheet["A2"].value
        assert header(sheet)[:6] == ["排名", "单位", "单位代码", "书记", "评议得分", "满意度"]
        assert {"指标得分", "整改得分", "总分", "等次", "位次变化"} <= set(header(sheet))
        assert sheet.freeze_panes == "A4"
        rows = {row[2]: dict(zip(header(sheet), row, strict=True)) for row in rows_of(sheet)}
        assert list(rows) == ["county-b", "county-a", "county-c"]
        b = rows["county-b"]
        assert (b["排名"], b["单位"], b["书记"]) == (1, "乙县", "乙县书记")
        assert (b["评议得分"], b["满意度"], b["指标得分"], b["整改得分"], b["总分"]) == (
            88.0, 0.9, 92.0, 100.0, 92.0)
        assert b["等次"] == "好" and rows["county-c"]["等次"] == "一般"
        assert rows["county-c"]["整改得分"] is None
        assert sheet["E4"].number_format == "0.00" and sheet["F4"].number_format == "0.0000"
        assert sheet.column_dimensions["B"].width >= 6

    def test_once_finalized_the_sheet_is_no_longer_provisional(self, api: Api) -> None:
        worked_example(api.world)
        api.world.run("organizer", cycles.finalize, CYCLE)

        sheet = sheet_of(api.as_("inspector").get(f"{C}/standings.xlsx"))

        assert "暂定" not in sheet["A1"].value and "已定档" in sheet["A2"].value
        assert [row[13] for row in rows_of(sheet)] == ["好", "好", "一般"]

    def test_as_of_a_moment_names_it_and_shows_what_stood_then(self, api: Api) -> None:
        worked_example(api.world)

        sheet = sheet_of(api.organizer.get(f"{C}/standings.xlsx",
                                           params={"as_of": "2000-01-01T08:00:00+08:00"}))

        assert "2000年1月1日 08:00" in sheet["A2"].value
        assert rows_of(sheet) == []

    def test_the_same_people_as_the_json_standings_may_read_it(self, api: Api) -> None:
        api.cycle_in("reviewing")

        assert api.as_("sec-county-a").get(f"{C}/standings.xlsx").status_code == 403
        assert api.as_("reviewer-1").get(f"{C}/standings.xlsx").status_code == 403
        response = api.organizer.get("/cycles/nope/standings.xlsx")
        assert response.status_code == 404 and error_code(response) == "unknown_cycle"


class TestFeedbackLetter:
    def test_the_letter_in_the_organizer_committees_name_with_the_problem_table(
        self, api: Api
    ) -> None:
        api.cycle_in("rectifying")

        response = api.as_("sec-county-a").get(f"{C}/participants/county-a/feedback.docx")

        document, text = document_of(response)
        assert filename(response) == "甲县述职评议反馈意见.docx"
        assert document.paragraphs[0].text == "中共某市委员会"
        assert "中共甲县委员会、甲县书记同志：" in text
        assert "现以中共某市委员会的名义" in text and "书面反馈" in text
        day = api.app.today()
        assert f"{day.year}年{day.month}月{day.day}日" in text
        table = document.tables[0]
        assert [[c.text for c in row.cells] for row in table.rows] == [
            ["序号", "问题编号", "问题描述"],
            ["1", "P1", "软弱涣散村整顿不到位"],
            ["2", "P2", "经费保障不足"],
        ]
        run = document.paragraphs[0].runs[0]
        assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"

    def test_organizer_and_inspector_read_it_other_secretaries_do_not(self, api: Api) -> None:
        api.cycle_in("rectifying")
        path = f"{C}/participants/county-a/feedback.docx"

        assert api.organizer.get(path).status_code == 200
        assert api.as_("inspector").get(path).status_code == 200
        assert api.as_("sec-county-b").get(path).status_code == 403
        assert api.as_("reviewer-1").get(path).status_code == 403

    def test_before_feedback_is_issued_there_is_no_letter(self, api: Api) -> None:
        api.cycle_in("rectifying")

        response = api.organizer.get(f"{C}/participants/county-b/feedback.docx")

        assert response.status_code == 409
        assert error_code(response) == "feedback_not_issued"
        response = api.organizer.get(f"{C}/participants/county-x/feedback.docx")
        assert response.status_code == 404 and error_code(response) == "unknown_participant"


class TestBulletin:
    def test_the_results_ranks_movement_and_the_talks_required(self, api: Api) -> None:
        worked_example(api.world)
        api.world.run("organizer", cycles.finalize, CYCLE)

        response = api.as_("inspector").get(f"{C}/bulletin.docx")

        document, text = document_of(response)
        assert filename(response) == "2026年度述职评议结果通报.docx"
        assert "关于2026年度述职评议结果的通报" in text
        rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
        assert rows[0] == ["排名", "单位", "总分", "等次", "位次变化"]
        assert [r[:4] for r in rows[1:]] == [
            ["1", "乙县", "92.00", "好"], ["2", "甲县", "90.80", "好"],
            ["3", "丙县", "78.25", "一般"]]
        assert rows[1][4] == "持平"  # county-b was 1st in 2025 too (all three tied)
        assert "1. 丙县（书记：丙县书记），等次为“一般”，须约谈。" in text

    def test_before_finalization_there_is_nothing_to_announce(self, api: Api) -> None:
        api.cycle_in("reviewing")

        response = api.organizer.get(f"{C}/bulletin.docx")

        assert response.status_code == 409 and error_code(response) == "results_not_final"
        assert api.as_("sec-county-a").get(f"{C}/bulletin.docx").status_code == 403


class TestRectificationSheet:
    def test_items_in_chinese_with_overdue_highlighted_and_a_summary_per_org(
        self, api: Api, runners: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        api.cycle_in("rectifying")
        due = api.due(10)
        items = [{"item_id": f"I{n}", "problem_code": f"P{n}", "measure": f"措施{n}",
                  "owner": "组织部长", "due_date": due} for n in (1, 2)]
        world = api.world
        world.run("sec-county-a", rectification.submit_plan, CYCLE, "county-a", items)
        world.run("organizer", rectification.approve_plan, CYCLE, "county-a")
        world.run("sec-county-a", rectification.claim_completion, CYCLE, "county-a", "I1", "材料")
        world.run("organizer", rectification.verify_item, CYCLE, "county-a", "I1", True, "销号")
        later = api.app.today() + timedelta(days=20)
        monkeypatch.setattr(api.app, "today", lambda: later)  # I2 is overdue by then

        response = api.as_("inspector").get(f"{C}/rectification.xlsx", headers=fresh(api))

        items_sheet = sheet_of(response, "整改事项")
        assert filename(response) == "2026年度述职评议整改台账.xlsx"
        assert header(items_sheet)[:4] == ["单位代码", "单位", "事项编号", "问题编号"]
        rows = rows_of(items_sheet)
        assert [(r[2], r[7], r[9]) for r in rows] == [
            ("I1", "已销号", "否"), ("I2", "未开始", "是")]
        assert items_sheet["A5"].fill.fgColor.rgb.endswith("F8CBAD")
        assert items_sheet["A4"].fill.fill_type is None
        summary = sheet_of(response, "按单位汇总")
        assert rows_of(summary) == [["county-a", "甲县", "已批准", 2, 1, 1, 0.5]]
        assert summary["G4"].number_format == "0.00%"

    def test_only_the_organizer_and_inspectors_read_it(self, api: Api, runners: None) -> None:
        api.cycle_in("rectifying")

        assert api.organizer.get(f"{C}/rectification.xlsx").status_code == 200
        assert api.as_("sec-county-a").get(f"{C}/rectification.xlsx").status_code == 403


class TestAuditSheet:
    def test_the_same_rows_as_the_trail_and_formulas_stay_text(
        self, api: Api, runners: None
    ) -> None:
        api.cycle_in("reviewing")
        api.world.run("inspector", notes.record_note, '=HYPERLINK("http://x","点此")', None,
                      str(ids.report_id(CYCLE, "county-a")))

        response = api.as_("inspector").get("/audit/export", headers=fresh(api),
                                            params={"format": "xlsx"})

        sheet = sheet_of(response, "审计日志")
        assert filename(response).endswith(".xlsx")
        titles = header(sheet, 1)
        assert titles[:3] == ["位置", "记录时间", "对象编号"] and "理由" in titles
        trail = api.as_("inspector").get("/audit/events", params={"limit": 1000}).json()
        rows = [dict(zip(titles, row, strict=True)) for row in rows_of(sheet, 2)]
        assert [r["位置"] for r in rows] == [e["position"] for e in trail["events"]]
        assert [r["哈希"] for r in rows] == [e["hash"] for e in trail["events"]]
        assert json.loads(rows[0]["内容"]) == trail["events"][0]["data"]
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f", cell.value
        assert '=HYPERLINK("http://x","点此")' in [r["内容"] and json.loads(r["内容"]).get("note")
                                                  for r in rows]
        assert int(response.headers["X-Audit-Position"]) >= trail["position"]

    def test_a_formula_text_is_stored_as_text(self) -> None:
        from api.documents.sheets import audit_workbook
        from projections import audit

        row: dict[str, Any] = {column: None for column in audit.EXPORT_COLUMNS}
        row.update(position=7, reason='=HYPERLINK("http://x","点此")', actor="@admin",
                   data={"reason": "=1+1"}, type="x\x07y")
        sheet = load_workbook(io.BytesIO(audit_workbook(iter([[row]]))))["审计日志"]
        cells = {cell.column_letter: cell for cell in sheet[2]}
        assert cells["J"].value == '=HYPERLINK("http://x","点此")'
        assert cells["J"].data_type == "s" and cells["A"].value == 7
        assert cells["F"].value == "x\ufffdy"  # a control character cannot be stored as is


def test_a_rating_in_a_document_never_names_a_reviewer(api: Api) -> None:
    """Documents print results, problems and names of units and secretaries: no reviewer id."""
    api.cycle_in("rectifying")
    api.world.run("organizer", participants.issue_feedback, CYCLE, "county-b", "反馈", [])

    letter = api.as_("sec-county-b").get(f"{C}/participants/county-b/feedback.docx")

    _, text = document_of(letter)
    assert "reviewer-" not in text and "无。" in text
