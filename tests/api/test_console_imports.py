"""The admin's 批量导入 page over HTTP, on SQLite and PostgreSQL: a sheet is checked first (a dry
run shown with its rows), recorded only on confirmation, and a bad sheet — unreadable, wrong
columns, an unknown parent, a code twice — is answered with every refused cell in Chinese and
records nothing. The template sheets download and read back."""

from __future__ import annotations

import base64
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from api.console import paths
from tests.api.helpers import Api
from tests.api.test_console import csrf_of, given_password, main_text, sign_in
from tests.api.test_imports import TOWNSHIPS, xlsx_body
from tests.credentials_support import cheap_hashes  # noqa: F401 (fixture)

pytestmark = [pytest.mark.usefixtures("cheap_hashes", "runners"),
              pytest.mark.read_models("finding", "audit")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def as_admin(api: Api) -> None:
    api.world  # noqa: B018 - the province, the city and its counties
    given_password(api, "admin")
    sign_in(api.client, "admin")


def upload(api: Api, content: bytes, kind: str = "organizations", name: str = "orgs.xlsx"):
    token = csrf_of(api.client.get(paths.ADMIN_IMPORT).text)
    return api.client.post(paths.ADMIN_IMPORT, data={"csrf_token": token, "kind": kind,
                                                     "action": "check"},
                           files={"file": (name, content, XLSX)}, follow_redirects=False)


def confirm(api: Api, checked_page: str):
    """Press 确认导入: post the confirm form's hidden fields back (multipart, as its enctype)."""
    form = checked_page.split('name="checked_file"')[0].rsplit("<form", 1)[1] + \
        checked_page.split('name="checked_file"')[1].split("</form>")[0]
    kind = re.search(r'name="kind" value="([^"]*)"', form)
    found = re.search(r'^ value="([^"]*)"', checked_page.split('name="checked_file"')[1])
    assert kind and found, "the checked page has a confirm form"
    assert 'enctype="multipart/form-data"' in form
    fields = {"csrf_token": csrf_of(checked_page), "kind": kind.group(1), "action": "apply",
              "checked_file": unescape(found.group(1))}
    return api.client.post(paths.ADMIN_IMPORT, files={k: (None, v) for k, v in fields.items()},
                           follow_redirects=False)


def refused_cells(page: str) -> list[list[str]]:
    table = page.split('aria-label="有误的单元格"')[1].split("</table>")[0]
    cells = r"<td[^>]*>(.*?)</td>"
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(cells, tr)]
            for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S) if "<td" in tr]


class TestImportPage:
    def test_a_sheet_is_checked_then_recorded_on_confirmation(self, api: Api):
        as_admin(api)
        before = api.position()

        checked = upload(api, xlsx_body(TOWNSHIPS))
        after_check = api.position()
        applied = confirm(api, checked.text)
        listing = api.client.get(applied.headers["location"])

        assert checked.status_code == 200
        shown = main_text(checked.text)
        assert "检查通过（尚未录入）" in shown and "新增 3 条，更新 0 条，已存在未变 0 条" in shown
        assert "东关镇" in shown and "上级单位代码" in shown and "乡镇" in shown
        assert after_check == before  # a check records nothing
        assert applied.status_code == 303 and applied.headers["location"] == paths.ADMIN_ORGS
        assert "已导入：新增 3 条" in main_text(listing.text)
        assert "东关镇" in main_text(listing.text)  # the tree waited for its read model
        town = api.admin.get("/organizations/town-1").json()
        assert (town["parent_code"], town["secretary"]["name"]) == ("county-d", "孙书记")

    def test_the_page_takes_a_full_size_sheet_back_in_base64_other_paths_keep_the_limit(
        self, api: Api,
    ):
        as_admin(api)
        big = b"x" * (1024 * 1024 * 4 // 3 + 1000)  # a 1 MiB file in base64, and then some

        to_the_page = api.client.post(paths.ADMIN_IMPORT, content=b"checked_file=" + big,
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        elsewhere = api.client.post(paths.ADMIN_ORGS, content=b"checked_file=" + big,
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        too_big = api.client.post(paths.ADMIN_IMPORT, content=b"x" * (1024 * 1024 * 2),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})

        token = csrf_of(api.client.get(paths.ADMIN_IMPORT).text)
        sheet = base64.b64encode(b"code,name\n" + b"x" * (1024 * 1024 - 10)).decode()
        confirmed = api.client.post(paths.ADMIN_IMPORT, files={
            "csrf_token": (None, token), "kind": (None, "organizations"),
            "action": (None, "apply"), "checked_file": (None, sheet)})

        assert to_the_page.status_code == 403  # read in full, then refused for its CSRF token
        assert confirmed.status_code == 422  # a 1 MiB sheet read back and checked again
        assert "缺少必需的列" in main_text(confirmed.text)
        assert (elsewhere.status_code, elsewhere.json()["error"]["code"]) == (413, "body_too_large")
        assert (too_big.status_code, too_big.json()["error"]["details"]["max_bytes"]) == (
            413, 1024 * 1024 * 4 // 3 + 64 * 1024)

    def test_a_sheet_already_recorded_has_nothing_to_confirm(self, api: Api):
        as_admin(api)
        confirm(api, upload(api, xlsx_body(TOWNSHIPS)).text)

        again = upload(api, xlsx_body(TOWNSHIPS))

        assert again.status_code == 200
        assert "已存在未变 3 条" in main_text(again.text)
        assert "文件中的内容均已存在，无需导入。" in main_text(again.text)
        assert 'name="checked_file"' not in again.text

    def test_bad_rows_are_named_in_chinese_and_nothing_is_recorded(self, api: Api):
        as_admin(api)
        rows = [TOWNSHIPS[0], ["town-1", "东关镇", "township", "nowhere", ""],
                ["town-2", "西关镇", "township", "county-a", ""],
                ["town-2", "西关镇二", "township", "county-a", ""]]
        before = api.position()

        refused = upload(api, xlsx_body(rows))

        assert refused.status_code == 422
        assert "文件中有错误，未导入任何内容" in main_text(refused.text)
        cells = refused_cells(refused.text)
        assert ["2", "parent_code（上级单位代码）", "nowhere", "上级单位不存在"] in cells
        assert ["4", "code（单位代码）", "town-2", "单位代码在文件中重复"] in cells
        assert api.position() == before
        assert 'name="checked_file"' not in refused.text

    def test_a_malformed_file_and_wrong_columns_are_refused_never_a_500(self, api: Api):
        as_admin(api)
        before = api.position()

        garbage = upload(api, b"PK\x03\x04 this is no spreadsheet")
        columns = upload(api, xlsx_body([["code", "名称", "level"], ["x", "y", "county"]]))
        empty = upload(api, b"")
        accounts_as_orgs = upload(api, xlsx_body([["account_id", "name", "org_code"]]))

        assert garbage.status_code == 422
        assert ["1", "A", "", "无法读取文件"] in refused_cells(garbage.text)
        assert columns.status_code == 422
        column_cells = refused_cells(columns.text)
        assert ["1", "B", "", "无法识别的列"] in column_cells
        assert ["1", "name（名称（单位名称或姓名））", "", "缺少必需的列"] in column_cells
        assert empty.status_code == 422 and "请选择要上传的文件" in main_text(empty.text)
        assert accounts_as_orgs.status_code == 422
        assert api.position() == before

    def test_accounts_import_with_their_roles(self, api: Api):
        as_admin(api)
        rows = [["account_id", "name", "org_code", "roles"],
                ["new-sec", "新书记", "county-a", "secretary@county-a"]]

        checked = upload(api, xlsx_body(rows), kind="accounts")
        applied = confirm(api, checked.text)

        assert "新增 1 条" in main_text(checked.text)
        assert applied.headers["location"] == paths.ADMIN_ACCOUNTS
        assert "new-sec" in main_text(api.client.get(paths.ADMIN_ACCOUNTS).text)

    def test_others_may_not_import(self, api: Api):
        api.world  # noqa: B018
        given_password(api, "inspector")
        sign_in(api.client, "inspector")

        assert api.client.get(paths.ADMIN_IMPORT).status_code == 403
        assert api.client.get(paths.import_template("accounts")).status_code == 403


class TestTemplates:
    @pytest.mark.parametrize("kind", ["organizations", "accounts"])
    def test_the_template_reads_back_with_the_import_header(self, api: Api, kind: str):
        as_admin(api)

        sheet = api.client.get(paths.import_template(kind))
        book = load_workbook(io.BytesIO(sheet.content))
        header = [c.value for c in book.worksheets[0][1]]

        assert sheet.status_code == 200 and sheet.headers["content-type"] == XLSX
        assert book.sheetnames == ["导入", "填写说明"]
        assert book.worksheets[0].max_row == 1  # the header only: nothing to import by mistake
        expected = {"organizations": ["code", "name", "level", "parent_code", "secretary_name"],
                    "accounts": ["account_id", "name", "org_code", "roles"]}[kind]
        assert header == expected
        help_rows = [[c.value for c in row] for row in book["填写说明"].iter_rows()]
        assert help_rows[0] == ["列名", "含义", "示例"]
        assert [row[0] for row in help_rows[1:len(expected) + 1]] == expected

    def test_the_template_filled_in_checks_and_blank_is_refused_as_empty(self, api: Api):
        as_admin(api)
        blank = api.client.get(paths.import_template("organizations")).content
        book = load_workbook(io.BytesIO(blank))
        book.worksheets[0].append(TOWNSHIPS[2])
        filled = io.BytesIO()
        book.save(filled)

        empty = upload(api, blank)
        checked = upload(api, filled.getvalue())

        assert empty.status_code == 422
        assert ["2", "A", "", "文件为空或没有数据行"] in refused_cells(empty.text)
        assert checked.status_code == 200 and "新增 1 条" in main_text(checked.text)

    def test_an_unknown_template_is_404(self, api: Api):
        as_admin(api)

        assert api.client.get(paths.import_template("ballots")).status_code == 404
