"""DOMAIN.md's worked example, entirely through HTTP (directory, two cycles, rectification of the
first carried into the second), gives exactly its table."""

from __future__ import annotations

from datetime import timedelta

from tests.api.helpers import Api, Caller

COUNTIES = {"county-a": "甲县", "county-b": "乙县", "county-c": "丙县"}
REVIEWERS = [f"reviewer-{n}" for n in range(1, 11)]
INDICATORS = ["responsibility", "development", "foundation", "innovation", "leadership"]
GRADES = ["good", "fairly_good", "average", "poor"]


class Scenario:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.callers: dict[str, Caller] = {}

    def ok(self, caller: Caller, path: str, body: dict | None = None) -> dict:
        response = caller.post(path, body)
        assert response.status_code in (200, 201), (path, response.text)
        return response.json()

    def person(self, account_id: str, name: str, org: str, *grants: tuple[str, str]) -> None:
        admin = self.api.admin
        self.ok(admin, "/accounts", {"account_id": account_id, "name": name, "org_code": org})
        for role, scope in grants:
            self.ok(admin, f"/accounts/{account_id}/grants", {"role": role, "org_code": scope})
        token = self.ok(admin, f"/accounts/{account_id}/tokens", {"expires_in_days": 30})["token"]
        self.callers[account_id] = Caller(self.api.client, token)

    def directory(self) -> None:
        admin = self.api.admin
        self.ok(admin, "/organizations", {"code": "prov", "name": "某省", "level": "province"})
        self.ok(admin, "/organizations",
                {"code": "city", "name": "某市", "level": "city", "parent_code": "prov"})
        self.person("organizer", "市委组织部", "city", ("organizer", "city"))
        for code, name in COUNTIES.items():
            self.ok(admin, "/organizations",
                    {"code": code, "name": name, "level": "county", "parent_code": "city"})
            self.person(f"sec-{code}", f"{name}书记", code, ("secretary", code))
            self.ok(admin, f"/organizations/{code}/secretary",
                    {"name": f"{name}书记", "account_id": f"sec-{code}", "since": "2020-01-01"})
        for reviewer in REVIEWERS:
            self.person(reviewer, reviewer, "city")

    def reviewing(self, cycle_id: str, year: int, previous: str | None = None) -> None:
        organizer = self.callers["organizer"]
        self.ok(organizer, "/cycles", {
            "cycle_id": cycle_id, "organizer_org": "city", "level": "county", "year": year,
            "title": f"{year}年度述职评议", "previous_cycle_id": previous,
        })
        for code in COUNTIES:
            self.ok(organizer, f"/cycles/{cycle_id}/participants", {"org_code": code})
        for reviewer in REVIEWERS:
            self.ok(organizer, f"/cycles/{cycle_id}/panel", {"account_id": reviewer})
        self.ok(organizer, f"/cycles/{cycle_id}/advance", {"to": "reporting"})
        for code in COUNTIES:
            self.ok(self.callers[f"sec-{code}"], f"/cycles/{cycle_id}/participants/{code}/report",
                    {"title": "述职报告", "achievements": "成效", "problems": "问题",
                     "plans": "打算"})
        self.ok(organizer, f"/cycles/{cycle_id}/advance", {"to": "reviewing"})

    def rate(self, cycle_id: str, code: str, counts: tuple[int, int, int, int]) -> None:
        grades = [g for g, n in zip(GRADES, counts, strict=True) for _ in range(n)]
        for reviewer, grade in zip(REVIEWERS, grades, strict=True):
            self.ok(self.callers[reviewer], f"/cycles/{cycle_id}/participants/{code}/reviews",
                    {"rating": grade})

    def score(self, cycle_id: str, code: str, points: tuple[str, ...]) -> None:
        for indicator, value in zip(INDICATORS, points, strict=True):
            number: str | float = float(value) if "." in value else value  # both forms
            self.ok(self.callers["organizer"], f"/cycles/{cycle_id}/participants/{code}/scores",
                    {"indicator": indicator, "points": number})

    def rectify(self, cycle_id: str, code: str, items: int, verified: int) -> None:
        organizer, secretary = self.callers["organizer"], self.callers[f"sec-{code}"]
        base = f"/cycles/{cycle_id}/participants/{code}"
        problems = [{"code": f"P{n}", "description": f"问题{n}"} for n in range(1, items + 1)]
        self.ok(organizer, f"{base}/feedback", {"text": "书面反馈", "problems": problems})
        if not items:
            return
        due = (self.api.app.today() + timedelta(days=30)).isoformat()
        plan = [{"item_id": f"I{n}", "problem_code": f"P{n}", "measure": "措施", "owner": "责任人",
                 "due_date": due} for n in range(1, items + 1)]
        self.ok(secretary, f"{base}/rectification/plan", {"items": plan})
        self.ok(organizer, f"{base}/rectification/plan/approve", {})
        for n in range(1, verified + 1):
            self.ok(secretary, f"{base}/rectification/items/I{n}/completion", {"evidence": "材料"})
            self.ok(organizer, f"{base}/rectification/items/I{n}/verification",
                    {"accepted": True, "note": "销号"})


def test_the_worked_example_through_http_gives_exactly_its_table(api: Api) -> None:
    scenario = Scenario(api)
    scenario.directory()
    organizer = scenario.callers["organizer"]
    scenario.reviewing("city-2025", 2025)
    for code in COUNTIES:
        scenario.rate("city-2025", code, (10, 0, 0, 0))
    scenario.ok(organizer, "/cycles/city-2025/finalize", {})
    scenario.ok(organizer, "/cycles/city-2025/advance", {"to": "rectifying"})
    scenario.rectify("city-2025", "county-a", items=5, verified=4)
    scenario.rectify("city-2025", "county-b", items=5, verified=5)
    scenario.rectify("city-2025", "county-c", items=0, verified=0)
    scenario.reviewing("city-2026", 2026, previous="city-2025")
    scenario.rate("city-2026", "county-b", (5, 4, 1, 0))
    scenario.rate("city-2026", "county-a", (8, 2, 0, 0))
    scenario.rate("city-2026", "county-c", (3, 4, 2, 1))
    scenario.score("city-2026", "county-b", ("18", "19", "22", "14", "19"))
    scenario.score("city-2026", "county-a", ("19", "18", "23", "13", "18"))
    scenario.score("city-2026", "county-c", ("16", "17", "20.5", "12", "17"))

    final = organizer.post("/cycles/city-2026/finalize", {})
    standings = organizer.get("/cycles/city-2026/standings")

    assert final.status_code == 200
    results = final.json()["results"]
    table = [(r["org_code"], r["review_score"], r["satisfaction"], r["indicator_score"],
              r["rectification_score"], r["total"], r["grade"], r["grade_label"], r["rank"])
             for r in results]
    assert table == [
        ("county-b", "88.00", "0.9000", "92.00", "100.00", "92.00", "good", "好", 1),
        ("county-a", "96.00", "1.0000", "91.00", "80.00", "90.80", "good", "好", 2),
        ("county-c", "74.00", "0.7000", "82.50", None, "78.25", "average", "一般", 3),
    ]
    assert [r["ratings"] for r in results] == [
        {"good": 5, "fairly_good": 4, "average": 1, "poor": 0},
        {"good": 8, "fairly_good": 2, "average": 0, "poor": 0},
        {"good": 3, "fairly_good": 4, "average": 2, "poor": 1},
    ]
    assert [(r["org_name"], r["secretary"]) for r in results][0] == ("乙县", "乙县书记")
    assert standings.status_code == 200
    assert standings.json()["provisional"] is False
    assert standings.json()["rows"] == results
    assert "乙县书记".encode() in standings.content
