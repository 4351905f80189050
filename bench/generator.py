"""A realistic province, generated through the real use cases (see memory.py).

History: the directory (orgs, secretaries, organizers, inspectors, panels of 20), then for each
full year every organizer's cycle runs from creation to rectification (reports with some
returns, ratings with some amendments and conflicts, scores with some re-scoring, rare vetoes,
finalization, written feedback, plans with some returns, approval, progress, completion claims,
verification with some rejections, extensions); the year before is finished and closed first,
since its rectification counts in the next finalization. The current year stops in `reviewing`
with part of the ratings and scores in: the rest are the benchmark's writes (``open_ratings``).
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from application.app import LianpingApp
from application.usecases import cycles, directory, participants, rectification
from bench import texts
from bench.memory import ExecuteRunner, MemoryApp
from bench.shape import SYSTEM, Org, organizers, person_name, province, rng
from domain import ids
from domain.cycle import Cycle
from domain.organization import level_below
from domain.plan import RectificationPlan
from domain.scheme import DEFAULT_SCHEME

GRADES = ("good", "fairly_good", "average", "poor")
INDICATORS = tuple((i.code, i.max_points) for i in DEFAULT_SCHEME.indicators)


@dataclass(frozen=True)
class Slot:
    """A rating the current year still waits for: the benchmark's single-event commands."""

    cycle_id: str
    org_code: str
    reviewer: str
    organizer: str


@dataclass
class Generated:
    events: int = 0
    transactions: int = 0
    seconds: float = 0.0
    orgs: int = 0
    cycles: int = 0
    years: tuple[int, ...] = ()
    current_year: int = 0
    open_ratings: list[Slot] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # account id -> API token (memory only)


class Generator:
    def __init__(
        self, app: LianpingApp, cities: int, years: tuple[int, ...], current_year: int, *,
        rated_share: float = 0.1, batch: int = 2000, tiny: bool = False, execute: bool = False,
    ) -> None:
        self.mem: MemoryApp | ExecuteRunner = ExecuteRunner(app) if execute else MemoryApp(
            app, batch)
        self.root = province(cities, tiny=tiny)
        self.organizers = organizers(self.root)
        self.years = years
        self.current_year = current_year
        self.rated_share = rated_share
        self.open_ratings: list[Slot] = []
        self.tokens: dict[str, str] = {}

    def run(self) -> Generated:
        started = time.perf_counter()
        try:
            self.history()
        finally:
            self.mem.close()
        return Generated(
            events=self.mem.saved, transactions=self.mem.transactions,
            seconds=time.perf_counter() - started, orgs=len(self.root.walk()),
            cycles=len(self.organizers) * (len(self.years) + 1), years=self.years,
            current_year=self.current_year, open_ratings=self.open_ratings, tokens=self.tokens,
        )

    def history(self) -> None:
        self.directory()
        previous: int | None = None
        for year in self.years:
            if previous is not None:
                self.each_cycle(previous, self.finish_rectification, 1.0, True)
            self.each_cycle(year, self.full_cycle)
            previous = year
        if previous is not None:
            self.each_cycle(previous, self.finish_rectification, 0.5, False)
        self.each_cycle(self.current_year, self.open_cycle)
        self.issue_tokens()

    def issue_tokens(self) -> None:
        """API tokens (as an admin issues them) for everyone who acts over HTTP in the bench."""
        accounts = [a for org in self.organizers for a in (org.organizer_account, *org.panel())]
        accounts += [org.inspector_account for org in self.root.walk()
                     if org.level in ("province", "city")]
        for account in accounts:
            outcome = self.mem.run(SYSTEM, directory.issue_token, account, 30)
            self.tokens[account] = outcome.body["token"]

    def each_cycle(self, year: int, step: Callable[..., None], *args: object) -> None:
        for org in self.organizers:
            step(org, year, *args)

    # -- directory ------------------------------------------------------------------------------

    def directory(self) -> None:
        run = self.mem.run
        for org in self.root.walk():
            parent = org.parent.code if org.parent else None
            run(SYSTEM, directory.register_org, org.code, org.name, org.level, parent)
            self.account(org.secretary_account, person_name(rng("sj", org.code)), org,
                          "secretary")
            run(SYSTEM, directory.appoint_secretary, org.code, f"{org.name}书记",
                org.secretary_account, date(2021, 6, 1))
            if org.children:
                self.account(org.organizer_account, f"{org.name}委组织部", org, "organizer")
                for account in org.panel():
                    self.account(account, person_name(rng("pw", account)), org, None)
            if org.level in ("province", "city"):
                self.account(org.inspector_account, f"{org.name}纪委监委", org, "inspector")

    def account(self, account_id: str, name: str, org: Org, role: str | None) -> None:
        self.mem.run(SYSTEM, directory.open_account, account_id, name, org.code)
        if role is not None:
            self.mem.run(SYSTEM, directory.grant_role, account_id, role, org.code)

    # -- one cycle ------------------------------------------------------------------------------

    def prepare(self, org: Org, year: int) -> str:
        run, boss = self.mem.run, org.organizer()
        level = level_below(org.level)
        title = f"{year}年度{org.name}所属党组织书记抓基层党建工作述职评议考核"
        cycle_id = run(boss, cycles.create_cycle, org.code, level, year, title).body["cycle_id"]
        for child in org.children:
            run(boss, cycles.add_participant, cycle_id, child.code)
        for account in org.panel():
            run(boss, cycles.add_panel_member, cycle_id, account)
        r = rng("conflicts", cycle_id)
        pairs = [(account, child.code) for account in org.panel() for child in org.children]
        for account, child_code in r.sample(pairs, k=r.choice((0, 0, 1, 2))):
            run(boss, cycles.record_conflict, cycle_id, account, child_code,
                "评议人曾在该单位任职，申请回避")
        run(boss, cycles.advance, cycle_id, "reporting", None)
        for child in org.children:
            r = rng("report", cycle_id, child.code)
            run(child.secretary(), participants.submit_report, cycle_id, child.code,
                texts.report(r, child.name, year))
            if r.random() < 0.1:
                run(boss, participants.return_report, cycle_id, child.code,
                    "问题查摆不深，退回修改")
                run(child.secretary(), participants.submit_report, cycle_id, child.code,
                    texts.report(r, child.name, year))
        run(boss, cycles.advance, cycle_id, "reviewing", None)
        return cycle_id

    def review(self, org: Org, cycle_id: str, share: float) -> None:
        run, boss = self.mem.run, org.organizer()
        cycle = self.mem.find(Cycle, ids.cycle_id(cycle_id))
        assert cycle is not None
        for child in org.children:
            r = rng("review", cycle_id, child.code)
            weights = (3 + 6 * child.strength, 4, 2 * (1 - child.strength) + 0.5, 0.3)
            for account in org.panel():
                if cycle.has_conflict(account, child.code):
                    continue
                if r.random() >= share:
                    self.open_ratings.append(Slot(cycle_id, child.code, account, org.code))
                    continue
                grade = r.choices(GRADES, weights)[0]
                run(org.reviewer(account), participants.rate, cycle_id, child.code, grade,
                    texts.comment(r), None)
                if r.random() < 0.03:
                    run(org.reviewer(account), participants.rate, cycle_id, child.code,
                        r.choices(GRADES, weights)[0], texts.comment(r), "补充了解情况后修改评价")
            for indicator, maximum in INDICATORS:
                if r.random() >= share:
                    continue
                points = Decimal(round(float(maximum) * (0.6 + 0.4 * child.strength) * 2)) / 2
                run(boss, participants.score, cycle_id, child.code, indicator, points, None, None)
                if r.random() < 0.05:
                    run(boss, participants.score, cycle_id, child.code, indicator,
                        max(points - 1, Decimal(0)), "复核扣分", "复核后调整分值")
            if r.random() < 0.005:
                run(boss, cycles.veto, cycle_id, child.code, "发生严重违纪问题，实行一票否决")

    def full_cycle(self, org: Org, year: int) -> None:
        run, boss = self.mem.run, org.organizer()
        cycle_id = self.prepare(org, year)
        self.review(org, cycle_id, 1.0)
        run(boss, cycles.finalize, cycle_id)
        self.forget_reviews(org, cycle_id)
        run(boss, cycles.advance, cycle_id, "rectifying", None)
        due = self.mem.today() + timedelta(days=150)
        for child in org.children:
            r = rng("feedback", cycle_id, child.code)
            problems = texts.problems(r)
            run(boss, participants.issue_feedback, cycle_id, child.code,
                f"以{org.name}委的名义向{child.name}党组织书记反馈述职评议意见。", problems)
            items = [{"item_id": f"{p['code']}-1", "problem_code": p["code"],
                      "measure": texts.measure(p["code"]), "owner": f"{child.name}组织委员",
                      "due_date": (due + timedelta(days=r.randint(0, 60))).isoformat()}
                     for p in problems]
            secretary = child.secretary()
            run(secretary, rectification.submit_plan, cycle_id, child.code, items)
            if r.random() < 0.15:
                run(boss, rectification.return_plan, cycle_id, child.code, "整改措施不够具体")
                run(secretary, rectification.submit_plan, cycle_id, child.code, items)
            run(boss, rectification.approve_plan, cycle_id, child.code)
            for item in items:
                run(secretary, rectification.report_progress, cycle_id, child.code,
                    item["item_id"], texts.progress(r), r.choice((10, 20, 30)))

    def finish_rectification(self, org: Org, year: int, share: float, close: bool) -> None:
        run, boss = self.mem.run, org.organizer()
        cycle_id = f"{org.code}-{year}"
        for child in org.children:
            r = rng("rectify", cycle_id, child.code)
            plan = self.mem.find(RectificationPlan, ids.plan_id(cycle_id, child.code))
            assert plan is not None
            secretary = child.secretary()
            for item_id in list(plan.items):
                for percent in sorted(r.sample(range(40, 100, 10), k=r.randint(3, 6))):
                    run(secretary, rectification.report_progress, cycle_id, child.code, item_id,
                        texts.progress(r), percent)
                if r.random() < 0.05:
                    later = date.fromisoformat(plan.items[item_id]["due_date"]) + timedelta(30)
                    run(boss, rectification.extend_deadline, cycle_id, child.code, item_id,
                        later, "涉及跨部门协调，申请延期")
                if r.random() >= share:
                    continue
                self.claim_and_verify(r, org, child, cycle_id, item_id)
            self.mem.forget([plan.id] if close else [])
        if close:
            run(boss, cycles.advance, cycle_id, "closed", None)

    def claim_and_verify(
        self, r: random.Random, org: Org, child: Org, cycle_id: str, item_id: str
    ) -> None:
        run, boss, secretary = self.mem.run, org.organizer(), child.secretary()
        rejected = r.random() < 0.1
        run(secretary, rectification.claim_completion, cycle_id, child.code, item_id,
            "整改台账、会议纪要及佐证材料")
        if rejected:
            run(boss, rectification.verify_item, cycle_id, child.code, item_id, False,
                "佐证材料不充分，不予销号")
            run(secretary, rectification.claim_completion, cycle_id, child.code, item_id,
                "补充佐证材料")
        run(boss, rectification.verify_item, cycle_id, child.code, item_id, True,
            "经核查，同意销号")

    def open_cycle(self, org: Org, year: int) -> None:
        cycle_id = self.prepare(org, year)
        self.review(org, cycle_id, self.rated_share)

    def forget_reviews(self, org: Org, cycle_id: str) -> None:
        self.mem.forget(
            ids.rating_id(cycle_id, child.code, account)
            for child in org.children for account in org.panel()
        )
        self.mem.forget(
            ids.score_id(cycle_id, child.code, indicator)
            for child in org.children for indicator, _ in INDICATORS
        )


def split(slots: list[Slot], share: float) -> tuple[list[Slot], list[Slot]]:
    """(app slots, http slots): whole cycles, about `share` of them (at least one) to HTTP."""
    cycles = sorted({s.cycle_id for s in slots}, key=lambda c: zlib.crc32(c.encode()))
    to_http = set(cycles[: max(1, round(len(cycles) * share))]) if len(cycles) > 1 else set()
    return [s for s in slots if s.cycle_id not in to_http], [
        s for s in slots if s.cycle_id in to_http]
