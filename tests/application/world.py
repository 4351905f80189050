"""Scenario builders for application tests: a small city with three counties, its people, and
helpers
that drive a cycle through the use cases (given ... when ... then)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from application.app import LianpingApp, Outcome, Request
from application.principal import Principal
from application.usecases import cycles, directory, participants, rectification
from application.usecases.directory import ANY_ORG

ADMIN = Principal("admin", "管理员", None, (("admin", ANY_ORG),))
COUNTIES = ("county-a", "county-b", "county-c")
REVIEWERS = tuple(f"reviewer-{n}" for n in range(1, 11))
INDICATORS = ("responsibility", "development", "foundation", "innovation", "leadership")


class World:
    """A province, one city (the organizer) and its counties, with an organizer, one secretary per
    county, ten reviewers and an inspector — all through the real use cases."""

    def __init__(self, app: LianpingApp) -> None:
        self.app = app
        self.principals: dict[str, Principal] = {}
        self.run(ADMIN, directory.register_org, "prov", "某省", "province", None)
        self.run(ADMIN, directory.register_org, "city", "某市", "city", "prov")
        for code, name in zip(COUNTIES, ("甲县", "乙县", "丙县"), strict=True):
            self.run(ADMIN, directory.register_org, code, name, "county", "city")
            self.person(f"sec-{code}", f"{name}书记", code, ("secretary", code))
            self.run(
                ADMIN,
                directory.appoint_secretary,
                code,
                f"{name}书记",
                f"sec-{code}",
                date(2020, 1, 1),
            )
        self.person("organizer", "组织部", "city", ("organizer", "city"))
        self.person("inspector", "纪检", "city", ("inspector", "city"))
        for reviewer in REVIEWERS:
            self.person(reviewer, reviewer, "city")

    def person(self, account_id: str, name: str, org: str, *grants: tuple[str, str]) -> Principal:
        self.run(ADMIN, directory.open_account, account_id, name, org)
        for role, scope in grants:
            self.run(ADMIN, directory.grant_role, account_id, role, scope)
        self.principals[account_id] = Principal(account_id, name, org, tuple(grants))
        return self.principals[account_id]

    def who(self, account_id: str) -> Principal:
        return self.principals[account_id]

    def run(
        self,
        principal: Principal | str,
        use_case: Callable[..., Outcome],
        *args: Any,
        **kwargs: Any,
    ) -> Outcome:
        who = self.who(principal) if isinstance(principal, str) else principal
        return self.app.execute(Request(who), use_case, *args, **kwargs)

    # -- driving a cycle ------------------------------------------------------------------------

    def cycle(
        self,
        cycle_id: str,
        year: int,
        *,
        panel: tuple[str, ...] = REVIEWERS,
        previous: str | None = None,
    ) -> str:
        self.run(
            "organizer",
            cycles.create_cycle,
            "city",
            "county",
            year,
            f"{year}年度述职评议",
            cycle_id=cycle_id,
            previous_cycle_id=previous,
        )
        for county in COUNTIES:
            self.run("organizer", cycles.add_participant, cycle_id, county)
        for member in panel:
            self.run("organizer", cycles.add_panel_member, cycle_id, member)
        return cycle_id

    def advance(self, cycle_id: str, to: str, reason: str | None = None) -> Outcome:
        return self.run("organizer", cycles.advance, cycle_id, to, reason)

    def report(self, cycle_id: str, county: str, title: str = "述职报告") -> Outcome:
        content = {"title": title, "achievements": "成效", "problems": "问题不足", "plans": "打算"}
        return self.run(f"sec-{county}", participants.submit_report, cycle_id, county, content)

    def reviewing(self, cycle_id: str) -> None:
        self.advance(cycle_id, "reporting")
        for county in COUNTIES:
            self.report(cycle_id, county)
        self.advance(cycle_id, "reviewing")

    def rate(self, cycle_id: str, county: str, counts: tuple[int, int, int, int]) -> None:
        grades = [
            g
            for g, n in zip(("good", "fairly_good", "average", "poor"), counts, strict=True)
            for _ in range(n)
        ]
        for reviewer, grade in zip(REVIEWERS, grades, strict=False):
            self.run(reviewer, participants.rate, cycle_id, county, grade, None, None)

    def score(self, cycle_id: str, county: str, points: tuple[str, ...]) -> None:
        for indicator, value in zip(INDICATORS, points, strict=True):
            self.run(
                "organizer",
                participants.score,
                cycle_id,
                county,
                indicator,
                Decimal(value),
                None,
                None,
            )

    def rectify(self, cycle_id: str, county: str, items: int, verified: int) -> None:
        """Feedback with `items` problems, an approved plan, and `verified` items verified."""
        problems = [{"code": f"P{n}", "description": f"问题{n}"} for n in range(1, items + 1)]
        self.run("organizer", participants.issue_feedback, cycle_id, county, "书面反馈", problems)
        due = (self.app.today() + timedelta(days=30)).isoformat()
        plan = [
            {
                "item_id": f"I{n}",
                "problem_code": f"P{n}",
                "measure": "措施",
                "owner": "责任人",
                "due_date": due,
            }
            for n in range(1, items + 1)
        ]
        self.run(f"sec-{county}", rectification.submit_plan, cycle_id, county, plan)
        self.run("organizer", rectification.approve_plan, cycle_id, county)
        for n in range(1, verified + 1):
            self.run(
                f"sec-{county}", rectification.claim_completion, cycle_id, county, f"I{n}", "材料"
            )
            self.run(
                "organizer", rectification.verify_item, cycle_id, county, f"I{n}", True, "销号"
            )


def worked_example(world: World) -> str:
    """DOMAIN.md's worked example: a previous cycle carried through rectification, then the current
    cycle with the table's ratings and points. Returns the current cycle id."""
    world.cycle("city-2025", 2025)
    world.reviewing("city-2025")
    for county in COUNTIES:
        world.rate("city-2025", county, (10, 0, 0, 0))
    world.run("organizer", cycles.finalize, "city-2025")
    world.advance("city-2025", "rectifying")
    world.rectify("city-2025", "county-a", items=5, verified=4)
    world.rectify("city-2025", "county-b", items=5, verified=5)
    world.run("organizer", participants.issue_feedback, "city-2025", "county-c", "无问题", [])

    world.cycle("city-2026", 2026)
    world.reviewing("city-2026")
    world.rate("city-2026", "county-b", (5, 4, 1, 0))
    world.rate("city-2026", "county-a", (8, 2, 0, 0))
    world.rate("city-2026", "county-c", (3, 4, 2, 1))
    world.score("city-2026", "county-b", ("18", "19", "22", "14", "19"))
    world.score("city-2026", "county-a", ("19", "18", "23", "13", "18"))
    world.score("city-2026", "county-c", ("16", "17", "20.5", "12", "17"))
    return "city-2026"
