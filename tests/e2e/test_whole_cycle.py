"""A whole 联述联评联考 over HTTP against the real server process: directory → previous cycle
through rectification → current cycle → finalize, checked against DOMAIN.md's worked example."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

pytestmark = pytest.mark.e2e

COUNTIES = ("county-a", "county-b", "county-c")
REVIEWERS = tuple(f"reviewer-{n}" for n in range(1, 11))
INDICATORS = ("responsibility", "development", "foundation", "innovation", "leadership")
GRADES = ("好", "较好", "一般", "差")


class Http:
    """Thin helpers over httpx that assert the status first."""

    def __init__(self, server) -> None:
        self.server = server
        self.tokens: dict[str, str] = {"admin": server.admin_token}
        self.clients: dict[str, httpx.Client] = {}
        self.last_position = 0

    def as_(self, who: str) -> httpx.Client:
        if who not in self.clients:
            self.clients[who] = self.server.client(self.tokens[who])
        return self.clients[who]

    def post(self, who: str, path: str, body: dict, status: int | tuple[int, ...] = (200, 201)):
        response = self.as_(who).post(path, json=body)
        expected = (status,) if isinstance(status, int) else status
        assert response.status_code in expected, (path, response.status_code, response.text)
        if response.status_code < 300:
            position = int(response.headers["X-Event-Position"])
            assert position > self.last_position, "positions must grow with every write"
            self.last_position = position
            assert response.headers["ETag"].strip('"').isdigit()
        return response.json()

    def get(self, who: str, path: str, **params):
        """Read-your-writes: every read accounts for this client's last write."""
        headers = {"X-Min-Position": str(self.last_position)}
        response = self.as_(who).get(path, params=params, headers=headers)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def person(http: Http, account_id: str, name: str, org: str, *grants: tuple[str, str]) -> None:
    http.post("admin", "/accounts", {"account_id": account_id, "name": name, "org_code": org}, 201)
    for role, scope in grants:
        http.post("admin", f"/accounts/{account_id}/grants", {"role": role, "org_code": scope}, 200)
    issued = http.post("admin", f"/accounts/{account_id}/tokens", {"expires_in_days": 7}, 201)
    http.tokens[account_id] = issued["token"]


def directory(http: Http) -> None:
    http.post(
        "admin",
        "/organizations",
        {"code": "prov", "name": "某省", "level": "province", "parent_code": None},
        201,
    )
    http.post(
        "admin",
        "/organizations",
        {"code": "city", "name": "某市", "level": "city", "parent_code": "prov"},
        201,
    )
    for code, name in zip(COUNTIES, ("甲县", "乙县", "丙县"), strict=True):
        http.post(
            "admin",
            "/organizations",
            {"code": code, "name": name, "level": "county", "parent_code": "city"},
            201,
        )
        person(http, f"sec-{code}", f"{name}书记", code, ("secretary", code))
        http.post(
            "admin",
            f"/organizations/{code}/secretary",
            {"name": f"{name}书记", "account_id": f"sec-{code}", "since": "2021-01-01"},
            200,
        )
    person(http, "organizer", "市委组织部", "city", ("organizer", "city"))
    person(http, "inspector", "市纪委", "city", ("inspector", "city"))
    for reviewer in REVIEWERS:
        person(http, reviewer, reviewer, "city")


def open_cycle(http: Http, cycle_id: str, year: int) -> None:
    created = http.post(
        "organizer",
        "/cycles",
        {
            "cycle_id": cycle_id,
            "organizer_org": "city",
            "level": "county",
            "year": year,
            "title": f"{year}年度县委书记抓基层党建述职评议考核",
        },
        201,
    )
    assert created == {"cycle_id": cycle_id, "phase": "preparing", "scheme_version": 1,
                       "rehearsal": False}
    for county in COUNTIES:
        http.post("organizer", f"/cycles/{cycle_id}/participants", {"org_code": county}, 200)
    for reviewer in REVIEWERS:
        http.post("organizer", f"/cycles/{cycle_id}/panel", {"account_id": reviewer}, 200)
    http.post("organizer", f"/cycles/{cycle_id}/advance", {"to": "reporting"}, 200)
    for county in COUNTIES:
        answer = http.post(
            f"sec-{county}",
            f"/cycles/{cycle_id}/participants/{county}/report",
            {
                "title": "抓基层党建工作述职报告",
                "achievements": "成效",
                "problems": "问题不足",
                "plans": "下一步打算",
            },
            201,
        )
        assert answer == {"version": 1}
    http.post("organizer", f"/cycles/{cycle_id}/advance", {"to": "reviewing"}, 200)


def rate(http: Http, cycle_id: str, county: str, counts: tuple[int, int, int, int]) -> None:
    labels = [g for g, n in zip(GRADES, counts, strict=True) for _ in range(n)]
    for reviewer, label in zip(REVIEWERS, labels, strict=True):
        answer = http.post(
            reviewer,
            f"/cycles/{cycle_id}/participants/{county}/reviews",
            {"rating": label, "comment": "认真"},
            201,
        )
        assert answer["rating_label"] == label


def rectify(http: Http, cycle_id: str, county: str, items: int, verified: int) -> None:
    base = f"/cycles/{cycle_id}/participants/{county}"
    problems = [{"code": f"P{n}", "description": f"问题{n}"} for n in range(1, items + 1)]
    http.post(
        "organizer", f"{base}/feedback", {"text": "以市委的名义反馈", "problems": problems}, 201
    )
    if not items:
        return
    due = (date.today() + timedelta(days=30)).isoformat()
    plan = [
        {
            "item_id": f"I{n}",
            "problem_code": f"P{n}",
            "measure": "整改措施",
            "owner": "张三",
            "due_date": due,
        }
        for n in range(1, items + 1)
    ]
    submitted = http.post(f"sec-{county}", f"{base}/rectification/plan", {"items": plan}, 201)
    assert submitted["version"] == 1
    http.post("organizer", f"{base}/rectification/plan/approve", {}, 200)
    for n in range(1, verified + 1):
        item = f"{base}/rectification/items/I{n}"
        http.post(f"sec-{county}", f"{item}/progress", {"note": "推进中", "percent": 60}, 200)
        http.post(f"sec-{county}", f"{item}/completion", {"evidence": "整改台账"}, 200)
        http.post("organizer", f"{item}/verification", {"accepted": True, "note": "销号"}, 200)


def test_a_whole_cycle_over_http_gives_the_worked_example(server):
    http = Http(server)
    try:
        directory(http)
        open_cycle(http, "city-2025", 2025)
        for county in COUNTIES:
            rate(http, "city-2025", county, (10, 0, 0, 0))
        http.post("organizer", "/cycles/city-2025/finalize", {}, 200)
        http.post("organizer", "/cycles/city-2025/advance", {"to": "rectifying"}, 200)
        rectify(http, "city-2025", "county-a", 5, 4)
        rectify(http, "city-2025", "county-b", 5, 5)
        rectify(http, "city-2025", "county-c", 0, 0)

        open_cycle(http, "city-2026", 2026)
        example = (
            ("county-b", (5, 4, 1, 0), (18, 19, 22, 14, 19)),
            ("county-a", (8, 2, 0, 0), (19, 18, 23, 13, 18)),
            ("county-c", (3, 4, 2, 1), (16, 17, "20.5", 12, 17)),
        )
        for county, counts, _ in example:
            rate(http, "city-2026", county, counts)
        rated_only = datetime.now(UTC)
        for county, _, points in example:
            for indicator, value in zip(INDICATORS, points, strict=True):
                http.post(
                    "organizer",
                    f"/cycles/city-2026/participants/{county}/scores",
                    {"indicator": indicator, "points": value},
                    201,
                )
        finalized = http.post("organizer", "/cycles/city-2026/finalize", {}, 200)

        assert finalized["phase"] == "finalized"
        table = [
            (
                r["org_code"],
                r["review_score"],
                r["satisfaction"],
                r["indicator_score"],
                r["rectification_score"],
                r["total"],
                r["grade"],
                r["grade_label"],
                r["rank"],
            )
            for r in finalized["results"]
        ]
        assert table == [
            ("county-b", "88.00", "0.9000", "92.00", "100.00", "92.00", "good", "好", 1),
            ("county-a", "96.00", "1.0000", "91.00", "80.00", "90.80", "good", "好", 2),
            ("county-c", "74.00", "0.7000", "82.50", None, "78.25", "average", "一般", 3),
        ]
        standings = http.get("inspector", "/cycles/city-2026/standings")
        assert standings["provisional"] is False
        assert [r["org_code"] for r in standings["rows"]] == ["county-b", "county-a", "county-c"]
        before_scores = http.get(
            "inspector", "/cycles/city-2026/standings", as_of=rated_only.isoformat()
        )
        assert before_scores["provisional"] is True
        assert {r["indicator_score"] for r in before_scores["rows"]} == {"0.00"}
        # Without indicator points: county-b 55.20, county-a 54.40, county-c 37.00.
        assert [(r["org_code"], r["total"]) for r in before_scores["rows"]] == [
            ("county-b", "55.20"), ("county-a", "54.40"), ("county-c", "37.00")]
        mine = http.get("sec-county-a", "/cycles/city-2026/participants/county-a")
        assert {r["reviewer"] for r in mine["ratings"]} == {f"评议人{n}" for n in range(1, 11)}
        assert mine["result"]["total"] == "90.80"
        read_models(http)
    finally:
        http.close()


def read_models(http: Http) -> None:
    """The projections served by the same process agree with what was written."""
    board = http.get("inspector", "/cycles/city-2025/rectification")
    assert board["position"] >= http.last_position
    by_org = {row["org_code"]: row for row in board["by_org"]}
    assert (by_org["county-a"]["total"], by_org["county-a"]["verified"]) == (5, 4)
    assert by_org["county-a"]["completion_rate"] == "0.8000"
    assert by_org["county-b"]["completion_rate"] == "1.0000"
    statuses = {i["item_id"]: i["status"] for i in board["items"] if i["org_code"] == "county-a"}
    assert statuses == {"I1": "verified", "I2": "verified", "I3": "verified", "I4": "verified",
                        "I5": "planned"}
    assert not any(item["overdue"] for item in board["items"])

    record = http.get("organizer", "/organizations/county-a/record")
    rows = {row["cycle_id"]: row for row in record["cycles"]}
    assert (rows["city-2026"]["total"], rows["city-2026"]["grade"], rows["city-2026"]["rank"]) == (
        "90.80", "good", 2)
    assert rows["city-2025"]["rectification_completion"] == "0.8000"
    assert rows["city-2026"]["secretary"] == "甲县书记"

    scores = http.get("inspector", "/audit/events", cycle_id="city-2026", org_code="county-c",
                      type="lianping:IndicatorScore.Recorded")
    assert len(scores["events"]) == 5
    assert {e["actor"] for e in scores["events"]} == {"organizer"}
    positions = [e["position"] for e in scores["events"]]
    assert positions == sorted(positions) and all(len(e["hash"]) == 64 for e in scores["events"])

    checkpoint = http.get("inspector", "/audit/checkpoint")
    answer = http.as_("inspector").post("/audit/verify", json={"checkpoint": {
        "position": checkpoint["position"], "hash": checkpoint["hash"]}})
    assert answer.status_code == 200 and answer.json()["ok"] is True, answer.text
    assert answer.json()["verified_through"] == checkpoint["position"]
