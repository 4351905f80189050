"""Bulk import of organizations and accounts through HTTP (CSV and XLSX bodies): all or nothing,
dry runs, re-imports that change nothing, every refused cell named, and admin scope."""

from __future__ import annotations

import io
from typing import Any

from httpx import Response
from openpyxl import Workbook

from application.usecases.tables import XLSX
from tests.api.helpers import Api, Caller, error_code

ORGS = "/organizations/import"
ACCOUNTS = "/accounts/import"
CSV_TYPE = {"Content-Type": "text/csv"}
XLSX_TYPE = {"Content-Type": XLSX}

#: A township before its county, the county before... the city that already exists.
TOWNSHIPS = [
    ["code", "name", "level", "parent_code", "secretary_name"],
    ["town-1", "东关镇", "township", "county-d", "孙书记"],
    ["county-d", "丁县", "county", "city", "李书记"],
    ["town-2", "西关镇", "township", "county-d", ""],
]


def csv_body(rows: list[list[str]], bom: bool = True) -> bytes:
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def xlsx_body(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def post(caller: Caller, path: str, content: bytes, headers: dict[str, str] = CSV_TYPE,
         **params: Any) -> Response:
    return caller.post(path, content=content, headers=headers, params=params)


def rejected(response: Response) -> list[tuple[int, str, str]]:
    assert response.status_code == 422, response.text
    assert error_code(response) == "import_rejected"
    return [(c["row"], c["column"], c["error"]) for c in response.json()["error"]["details"]]


class TestImportOrganizations:
    def test_rows_in_any_order_are_created_with_their_secretaries(self, api: Api) -> None:
        api.world  # noqa: B018 - the province, the city and its counties

        response = post(api.admin, ORGS, csv_body(TOWNSHIPS))

        assert response.status_code == 201, response.text
        assert response.json() == {"created": 3, "updated": 0, "unchanged": 0, "rejected": [],
                                   "dry_run": False}
        town = api.admin.get("/organizations/town-1").json()
        assert (town["parent_code"], town["level"], town["secretary"]["name"]) == (
            "county-d", "township", "孙书记")
        assert api.admin.get("/organizations/town-2").json()["secretary"] is None

    def test_importing_the_same_file_again_changes_nothing(self, api: Api) -> None:
        api.world  # noqa: B018
        assert post(api.admin, ORGS, csv_body(TOWNSHIPS)).status_code == 201
        before = api.position()

        response = post(api.admin, ORGS, xlsx_body(TOWNSHIPS), XLSX_TYPE)

        assert response.status_code == 200, response.text
        assert response.json()["created"] == 0 and response.json()["unchanged"] == 3
        assert "ETag" not in response.headers
        assert api.position() == before

    def test_a_new_secretary_for_an_existing_org_is_an_update(self, api: Api) -> None:
        api.world  # noqa: B018
        rows = [TOWNSHIPS[0], ["county-a", "甲县", "county", "city", "新书记"],
                ["county-b", "乙县", "county", "city", "乙县书记"]]

        response = post(api.admin, ORGS, xlsx_body(rows), XLSX_TYPE)

        assert response.status_code == 200, response.text
        assert (response.json()["updated"], response.json()["unchanged"]) == (1, 1)
        assert api.admin.get("/organizations/county-a").json()["secretary"]["name"] == "新书记"

    def test_a_dry_run_answers_what_would_happen_and_records_nothing(self, api: Api) -> None:
        api.world  # noqa: B018
        before = api.position()

        response = post(api.admin, ORGS, csv_body(TOWNSHIPS, bom=False), dry_run="true")

        assert response.status_code == 200, response.text
        assert response.json()["created"] == 3 and response.json()["dry_run"] is True
        assert api.position() == before
        assert api.admin.get("/organizations/town-1").status_code == 404

    def test_every_bad_cell_is_named_and_nothing_is_recorded(self, api: Api) -> None:
        api.world  # noqa: B018
        rows = [
            ["code", "name", "level", "parent_code"],
            ["town-1", "东关镇", "township", "county-a"],      # 2: fine on its own
            ["town-1", "又一个", "township", "county-a"],      # 3: duplicate code
            ["town-3", "南关镇", "township", "county-x"],      # 4: unknown parent
            ["town-4", "", "township", "county-a"],           # 5: missing name
            ["town-5", "北关镇", "county", "county-a"],        # 6: wrong level for the parent
            ["town-6", "中关镇", "village", "county-a"],       # 7: unknown level
            ["county-a", "别的名字", "county", "city"],        # 8: exists, differs
            ["bad code", "镇", "township", "county-a"],        # 9: not a code
        ]
        before = api.position()

        response = post(api.admin, ORGS, csv_body(rows), dry_run="false")

        assert rejected(response) == [
            (3, "code", "duplicate_code"), (4, "parent_code", "unknown_parent"),
            (5, "name", "missing_value"), (6, "parent_code", "invalid_parent"),
            (7, "level", "unknown_level"), (8, "name", "org_differs"),
            (9, "code", "invalid_code"),
        ]
        assert api.position() == before
        assert api.admin.get("/organizations/town-1").status_code == 404

    def test_a_dry_run_of_a_bad_file_names_the_same_cells(self, api: Api) -> None:
        api.world  # noqa: B018
        rows = [["code", "name", "level", "parent_code"], ["p2", "外省", "province", "city"]]

        response = post(api.admin, ORGS, xlsx_body(rows), XLSX_TYPE, dry_run="true")

        assert rejected(response) == [(2, "parent_code", "invalid_parent")]

    def test_unreadable_files_are_refused_never_a_500(self, api: Api) -> None:
        api.world  # noqa: B018
        before = api.position()
        cases: list[tuple[bytes, dict[str, str], str]] = [
            (b"", CSV_TYPE, "empty_file"),
            (b"\xef\xbb\xbf\r\n\r\n", CSV_TYPE, "empty_file"),
            (csv_body(TOWNSHIPS[:1]), CSV_TYPE, "empty_file"),
            (b"PK\x03\x04 not really a zip" * 10, XLSX_TYPE, "unreadable_file"),
            (csv_body(TOWNSHIPS), XLSX_TYPE, "unreadable_file"),
            (xlsx_body(TOWNSHIPS), CSV_TYPE, "not_utf8"),
            ("code,name\n".encode("utf-16"), CSV_TYPE, "not_utf8"),
            ("code,name,level,parent_code\n甲,乙".encode("gbk"), CSV_TYPE, "not_utf8"),
            (b'code,name,level,parent_code\n"a,b', CSV_TYPE, "import_rejected"),
        ]
        for content, headers, code in cases:
            response = post(api.admin, ORGS, content, headers)

            assert response.status_code == 422, (content[:20], response.text)
            details = response.json()["error"]["details"]
            assert code in {error_code(response), *(d["error"] for d in details)}, response.text
            assert all({"row", "column", "error"} <= set(d) for d in details)
        assert api.position() == before

    def test_the_header_must_name_the_columns(self, api: Api) -> None:
        api.world  # noqa: B018
        rows = [["code", "名称", "level"], ["x", "y", "county"]]

        response = post(api.admin, ORGS, csv_body(rows))

        assert rejected(response) == [(1, "B", "unknown_column"), (1, "name", "missing_column"),
                                      (1, "parent_code", "missing_column")]

    def test_wrong_media_type_is_415_and_others_may_not_import(self, api: Api) -> None:
        api.world  # noqa: B018

        for media in ("application/json", "application/octet-stream", "multipart/form-data"):
            response = post(api.admin, ORGS, csv_body(TOWNSHIPS), {"Content-Type": media})
            assert response.status_code == 415, media
            assert error_code(response) == "unsupported_media_type"
        assert post(api.organizer, ORGS, csv_body(TOWNSHIPS)).status_code == 403
        assert post(api.anonymous, ORGS, csv_body(TOWNSHIPS)).status_code == 401

    def test_an_admin_of_a_city_imports_only_below_it(self, api: Api) -> None:
        api.world  # noqa: B018
        api.admin.post("/organizations", {"code": "city-2", "name": "另一市", "level": "city",
                                          "parent_code": "prov"})
        api.admin.post("/accounts", {"account_id": "city-admin", "name": "市管理员",
                                     "org_code": "city"})
        api.admin.post("/accounts/city-admin/grants", {"role": "admin", "org_code": "city"})
        city_admin = api.as_("city-admin")
        rows = [TOWNSHIPS[0], ["county-z", "戊县", "county", "city-2", ""],
                ["prov-2", "外省", "province", "", ""]]

        assert rejected(post(city_admin, ORGS, csv_body(rows))) == [
            (2, "parent_code", "outside_scope"), (3, "code", "outside_scope")]
        assert post(city_admin, ORGS, csv_body(TOWNSHIPS)).status_code == 201


class TestImportAccounts:
    ROWS = [
        ["account_id", "name", "org_code", "roles"],
        ["sec-d", "丁县书记", "county-a", "secretary@county-a;inspector@county-a"],
        ["clerk", "办事员", "county-b", ""],
    ]

    def test_accounts_are_opened_with_their_roles(self, api: Api) -> None:
        api.world  # noqa: B018

        response = post(api.admin, ACCOUNTS, xlsx_body(self.ROWS), XLSX_TYPE)

        assert response.status_code == 201, response.text
        assert response.json()["created"] == 2
        from application import lookups

        account = lookups.account(api.app, "sec-d")
        assert account.grants == [["secretary", "county-a"], ["inspector", "county-a"]]
        assert (account.name, account.org_code) == ("丁县书记", "county-a")

    def test_again_is_unchanged_and_a_new_role_is_an_update(self, api: Api) -> None:
        api.world  # noqa: B018
        assert post(api.admin, ACCOUNTS, csv_body(self.ROWS)).status_code == 201
        before = api.position()
        assert post(api.admin, ACCOUNTS, csv_body(self.ROWS)).json()["unchanged"] == 2
        assert api.position() == before
        rows = [self.ROWS[0], ["clerk", "办事员", "county-b", "inspector@county-b"]]

        response = post(api.admin, ACCOUNTS, csv_body(rows))

        assert response.status_code == 200 and response.json()["updated"] == 1

    def test_every_bad_cell_is_named_and_nothing_is_recorded(self, api: Api) -> None:
        api.world  # noqa: B018
        rows = [
            self.ROWS[0],
            ["a1", "甲", "county-a", "mayor@county-a"],            # 2: unknown role
            ["a2", "乙", "county-x", ""],                          # 3: unknown org
            ["a3", "丙", "county-a", "secretary@county-y"],        # 4: unknown org of a grant
            ["a4", "丁", "county-a", "secretary"],                 # 5: no @org
            ["a1", "戊", "county-a", ""],                          # 6: duplicate id
            ["a5", "", "county-a", ""],                            # 7: missing name
            ["sec-county-a", "别人", "county-a", ""],              # 8: exists, differs
            ["a6", "己", "county-a", "secretary@*"],               # 9: * is admin only
        ]
        before = api.position()

        assert rejected(post(api.admin, ACCOUNTS, csv_body(rows))) == [
            (2, "roles", "unknown_role"), (3, "org_code", "unknown_org"),
            (4, "roles", "unknown_org"), (5, "roles", "invalid_role"),
            (6, "account_id", "duplicate_account"), (7, "name", "missing_value"),
            (8, "name", "account_differs"), (9, "roles", "unknown_org"),
        ]
        assert api.position() == before

    def test_an_admin_of_a_county_opens_accounts_only_inside_it(self, api: Api) -> None:
        api.world  # noqa: B018
        api.admin.post("/accounts", {"account_id": "county-admin", "name": "县管理员",
                                     "org_code": "county-a"})
        api.admin.post("/accounts/county-admin/grants", {"role": "admin",
                                                         "org_code": "county-a"})
        rows = [self.ROWS[0], ["x1", "甲", "county-a", "secretary@county-b"],
                ["x2", "乙", "county-b", ""], ["x3", "丙", "county-a", "admin@*"]]

        assert rejected(post(api.as_("county-admin"), ACCOUNTS, csv_body(rows))) == [
            (2, "roles", "outside_scope"), (3, "org_code", "outside_scope"),
            (4, "roles", "outside_scope")]


class TestImportRequests:
    def test_a_retry_with_the_same_key_is_answered_from_the_first_import(self, api: Api) -> None:
        api.world  # noqa: B018
        key = {**CSV_TYPE, "Idempotency-Key": "import-1"}
        first = post(api.admin, ORGS, csv_body(TOWNSHIPS), key)
        position = api.position()

        again = post(api.admin, ORGS, csv_body(TOWNSHIPS), key)

        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
        assert api.position() == position
        other = post(api.admin, ORGS, csv_body(TOWNSHIPS[:2]), key)
        assert other.status_code == 422 and error_code(other) == "idempotency_key_reused"

    def test_a_file_over_the_body_limit_is_413(self, api: Api) -> None:
        api.world  # noqa: B018
        rows = [TOWNSHIPS[0]] + [[f"t{n}", "镇" * 100, "township", "county-a", ""]
                                 for n in range(4000)]

        response = post(api.admin, ORGS, csv_body(rows))

        assert response.status_code == 413 and error_code(response) == "body_too_large"
