"""A 民主测评 meeting through HTTP: a cycle whose scheme has three weighted ballot categories
(DOMAIN.md's worked example), committee members on the panel, department heads with QR-code
ballots and party delegates on paper. county-c never submits its report."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from domain.scheme import DEFAULT_SCHEME
from tests.api.helpers import Api, Caller

CYCLE = "meeting-2026"
CATEGORIES = [
    {"code": "committee", "name": "市委委员", "weight": "0.5"},
    {"code": "department", "name": "部门负责人", "weight": "0.3"},
    {"code": "delegate", "name": "党代表和群众代表", "weight": "0.2"},
]
COMMITTEE = {"reviewer-1": "good", "reviewer-2": "good", "reviewer-3": "fairly_good",
             "reviewer-4": "average"}
DEPARTMENT = ["good"] * 6 + ["fairly_good"] * 3 + ["average"]
DELEGATE = ["好"] * 10 + ["较好"] * 8 + ["一般"] * 2
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Meeting:
    def __init__(self, api: Api, cycle_id: str = CYCLE, year: int = 2026) -> None:
        self.api = api
        self.cycle_id = cycle_id
        self.year = year
        api.world  # noqa: B018 - orgs, secretaries, reviewers
        self.organizer: Caller = api.organizer

    def ok(self, caller: Caller, path: str, body: Any = None) -> Any:
        response = caller.post(path, body)
        assert response.status_code in (200, 201), (path, response.text)
        return response.json()

    def prepare(self, categories: list[dict[str, Any]] | None = None) -> Meeting:
        scheme = {**DEFAULT_SCHEME.to_dict(), "ballot_categories": categories or CATEGORIES}
        self.ok(self.organizer, "/cycles", {
            "cycle_id": self.cycle_id, "organizer_org": "city", "level": "county",
            "year": self.year, "title": f"{self.year}年度述职评议", "scheme": scheme})
        for code in ("county-a", "county-b", "county-c"):
            self.ok(self.organizer, f"/cycles/{self.cycle_id}/participants", {"org_code": code})
        for reviewer in COMMITTEE:
            self.ok(self.organizer, f"/cycles/{self.cycle_id}/panel",
                    {"account_id": reviewer, "category": "committee"})
        return self

    def advance(self, to: str, reason: str | None = None) -> None:
        self.ok(self.organizer, f"/cycles/{self.cycle_id}/advance", {"to": to, "reason": reason})

    def to_reviewing(self) -> Meeting:
        self.advance("reporting")
        for code in ("county-a", "county-b"):
            self.ok(self.api.as_(f"sec-{code}"),
                    f"/cycles/{self.cycle_id}/participants/{code}/report",
                    {"title": "述职报告", "achievements": "成效", "problems": "问题",
                     "plans": "打算"})
        self.advance("reviewing")
        return self

    def issue(self, category: str, count: int) -> dict[str, Any]:
        response = self.organizer.post(f"/cycles/{self.cycle_id}/ballots",
                                       {"category": category, "count": count})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def cast(self, code: str, ratings: dict[str, Any]) -> Any:
        return self.api.anonymous.post(f"/ballots/{code}", {"ratings": ratings})

    def panel_rates(self, org_code: str = "county-a") -> None:
        for reviewer, grade in COMMITTEE.items():
            self.ok(self.api.as_(reviewer),
                    f"/cycles/{self.cycle_id}/participants/{org_code}/reviews", {"rating": grade})

    def template(self) -> bytes:
        response = self.organizer.get(f"/cycles/{self.cycle_id}/ballots/template.xlsx")
        assert response.status_code == 200, response.text
        return response.content

    def filled(self, rows: list[dict[str, str]], extra_columns: dict[str, str] | None = None,
               ) -> bytes:
        """The template, filled in: one row per slip, cells by participant code."""
        book = load_workbook(io.BytesIO(self.template()))
        sheet = book["测评票"]
        letters = {sheet.cell(2, c).value: sheet.cell(2, c).column_letter
                   for c in range(2, sheet.max_column + 1)}
        for letter, code in (extra_columns or {}).items():
            sheet[f"{letter}2"] = code
            letters[code] = letter
        for number, row in enumerate(rows, start=3):
            for code, value in row.items():
                sheet[f"{letters[code]}{number}"] = value
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def import_sheet(self, content: bytes, category: str = "delegate", dry_run: bool = False,
                     ) -> Any:
        query = f"category={category}" + ("&dry_run=true" if dry_run else "")
        return self.organizer.post(f"/cycles/{self.cycle_id}/ballots/import?{query}",
                                   content=content, headers={"Content-Type": XLSX})

    def standings(self, **params: str) -> dict[str, Any]:
        response = self.organizer.get(f"/cycles/{self.cycle_id}/standings", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def row(self, org_code: str = "county-a", **params: str) -> dict[str, Any]:
        return next(r for r in self.standings(**params)["rows"] if r["org_code"] == org_code)

    def the_worked_example(self) -> dict[str, Any]:
        """Panel ratings, ten department ballots by code and twenty delegate slips on paper."""
        self.prepare().to_reviewing()
        self.panel_rates()
        batch = self.issue("department", 10)
        for code, grade in zip(batch["codes"], DEPARTMENT, strict=True):
            assert self.cast(code, {"county-a": grade}).status_code == 201
        imported = self.import_sheet(self.filled([{"county-a": g} for g in DELEGATE]))
        assert imported.status_code == 201, imported.text
        return {"department": batch, "delegate": imported.json()}
