"""The admin's 批量导入 in the browser: the template downloads; a damaged file and a sheet with
an unknown parent come back with their cells named in Chinese and nothing recorded; a good sheet
is checked, previewed, confirmed, and its orgs show in the tree."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from tests.browser.support import Watched, sign_in

pytestmark = pytest.mark.e2e
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["code", "name", "level", "parent_code", "secretary_name"]


def sheet(*rows: list[str]) -> bytes:
    book = Workbook()
    active = book.active
    assert active is not None
    for row in (HEADER, *rows):
        active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(page: Page, name: str, content: bytes) -> None:
    page.get_by_label("组织机构").check()
    page.get_by_label("文件（.xlsx 或 UTF-8 CSV）").set_input_files(
        {"name": name, "mimeType": XLSX, "buffer": content})
    page.get_by_role("button", name="上传并检查").click()


def test_an_admin_checks_a_sheet_sees_the_bad_cells_then_imports_a_good_one(
    page: Page, watched: Watched
):
    watched.expect_status(422)  # the refused sheets come back with the form
    sign_in(page, "admin")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="系统管理").click()
    page.get_by_role("link", name="批量导入").click()
    expect(page.get_by_role("heading", name="批量导入")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="组织机构导入模板（.xlsx）").click()
    assert download.value.suggested_filename == "组织机构导入模板.xlsx"
    template = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert [c.value for c in template.worksheets[0][1]] == HEADER

    upload(page, "broken.xlsx", b"PK\x03\x04 not a workbook")
    expect(page.get_by_role("alert")).to_contain_text("未导入任何内容")
    cells = page.get_by_role("region", name="有误的单元格")
    expect(cells.get_by_role("row").filter(has_text="无法读取文件")).to_have_count(1)

    upload(page, "towns.xlsx", sheet(["jz-yc-dg", "东关镇", "township", "jz-nowhere", ""]))
    row = page.get_by_role("region", name="有误的单元格").get_by_role("row").nth(1)
    expect(row).to_contain_text("parent_code（上级单位代码）")
    expect(row).to_contain_text("jz-nowhere")
    expect(row).to_contain_text("上级单位不存在")

    upload(page, "towns.xlsx", sheet(["jz-yc-dg", "东关镇", "township", "jz-yc", "孙书记"],
                                     ["jz-yc-xg", "西关镇", "township", "jz-yc", ""]))
    expect(page.get_by_role("status")).to_contain_text("新增 2 条，更新 0 条，已存在未变 0 条")
    expect(page.get_by_role("region", name="文件内容预览").get_by_role("cell", name="东关镇"))\
        .to_be_visible()
    page.get_by_role("button", name="确认导入").click()

    expect(page.get_by_role("status")).to_have_text("已导入：新增 2 条，更新 0 条，已存在未变 0 条")
    expect(page.get_by_role("heading", name="组织机构")).to_be_visible()
    expect(page.locator(".tree").get_by_text("西关镇", exact=True)).to_be_visible()
