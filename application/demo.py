"""A realistic demo city (晋中市 and its eleven county-level units, modelled on the seed speech): a
previous cycle carried through rectification and a current cycle in reviewing. Everything goes
through the same use cases as the API, so the demo's history is an ordinary, verifiable log.

The previous year is recorded as it happened, on the application's clock set back
(``clock_behind``): its plan items were due months ago, and those still open are overdue (red on
整改看板) — a due date cannot lie in the past when it is recorded. Every demo role finds
something on 我的待办: the organizer scores, verifies and holds talks, each secretary reports
progress, the reviewers and the inspector (a panel member) rate, 榆次区 resubmits its report."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from application.app import LianpingApp, Outcome, Request
from application.keys import derive_secret
from application.principal import Principal
from application.store.credentials import credential_store
from application.usecases import cycles, directory, participants, passwords, rectification
from application.usecases.directory import ANY_ORG
from domain import ids
from domain.account import Account
from domain.organization import Organization

PROVINCE = ("sx", "山西省")
CITY = ("jz", "晋中市")
COUNTIES = [
    ("jz-yc", "榆次区", "王建国"),
    ("jz-tg", "太谷区", "李志强"),
    ("jz-qx", "祁县", "张伟"),
    ("jz-py", "平遥县", "刘洋"),
    ("jz-jx", "介休市", "陈明"),
    ("jz-ls", "灵石县", "杨帆"),
    ("jz-sy", "寿阳县", "赵磊"),
    ("jz-xy", "昔阳县", "黄勇"),
    ("jz-hs", "和顺县", "周杰"),
    ("jz-zq", "左权县", "吴刚"),
    ("jz-ys", "榆社县", "郑华"),
]
REVIEWERS = [f"jz-pw{n:02d}" for n in range(1, 13)]
INDICATOR_MAX = {
    "responsibility": 20,
    "development": 20,
    "foundation": 25,
    "innovation": 15,
    "leadership": 20,
}
PROBLEMS = [
    ("P1", "后进村整顿转化进度偏慢，部分村“两委”班子战斗力不强",
     "逐村制定整顿方案，县级领导包村督导"),
    ("P2", "非公企业和社会组织党组织覆盖面不够", "开展集中组建攻坚，选派党建指导员"),
    ("P3", "村级组织活动场所建设和经费保障落实不到位", "县财政列支专项经费，年内完成阵地改造"),
]
#: Where the previous year is recorded: its review early this year, its plans due since.
PREVIOUS_YEAR_AGO = timedelta(days=300)
#: Plan items' deadlines from the day the plans were approved (P3's still ahead today).
ITEM_DUE_DAYS = {"P1": 90, "P2": 150, "P3": 420}
SYSTEM = Principal("system", "系统", None, (("admin", ANY_ORG),))
#: The global admin (``lianping serve --demo`` bootstraps it under this id too).
ADMIN_ACCOUNT = "admin"


class DemoCity:
    def __init__(self, app: LianpingApp, admin: Principal = SYSTEM, seed: int = 2026) -> None:
        self.app = app
        self.admin = admin
        self.random = random.Random(seed)
        self.people: dict[str, Principal] = {}

    def run(self, who: Principal | str, use_case: Callable[..., Outcome], *args: Any) -> Outcome:
        principal = self.people[who] if isinstance(who, str) else who
        return self.app.execute(Request(principal), use_case, *args)

    def person(
        self, account_id: str, name: str, org: str | None, *grants: tuple[str, str]
    ) -> None:
        self.run(self.admin, directory.open_account, account_id, name, org)
        for role, scope in grants:
            self.run(self.admin, directory.grant_role, account_id, role, scope)
        self.people[account_id] = Principal(account_id, name, org, tuple(grants))

    def directory(self) -> None:
        self.person(ADMIN_ACCOUNT, "系统管理员", None, ("admin", ANY_ORG))
        self.run(self.admin, directory.register_org, *PROVINCE, "province", None)
        self.run(self.admin, directory.register_org, *CITY, "city", PROVINCE[0])
        self.person("jz-zzb", "晋中市委组织部", CITY[0], ("organizer", CITY[0]))
        self.person("jz-jw", "晋中市纪委监委督查室", CITY[0], ("inspector", CITY[0]))
        for code, name, secretary in COUNTIES:
            self.run(self.admin, directory.register_org, code, name, "county", CITY[0])
            self.person(f"{code}-sj", f"{name}委书记{secretary}", code, ("secretary", code))
            self.run(
                self.admin,
                directory.appoint_secretary,
                code,
                secretary,
                f"{code}-sj",
                date(2021, 6, 1),
            )
        for n, account in enumerate(REVIEWERS, 1):
            self.person(account, f"评议代表{n}", CITY[0])

    def cycle(self, year: int, ratings: bool = True, panel: tuple[str, ...] = ()) -> str:
        cycle_id = f"jz-{year}"
        self.run(
            "jz-zzb",
            cycles.create_cycle,
            CITY[0],
            "county",
            year,
            f"{year}年度县（市、区）委书记抓基层党建工作述职评议考核",
            cycle_id,
        )
        for code, _, _ in COUNTIES:
            self.run("jz-zzb", cycles.add_participant, cycle_id, code)
        for account in (*REVIEWERS, *panel):
            self.run("jz-zzb", cycles.add_panel_member, cycle_id, account)
        self.run("jz-zzb", cycles.advance, cycle_id, "reporting", None)
        for code, name, _ in COUNTIES:
            content = {
                "title": f"{name}委书记{year}年度抓基层党建工作述职报告",
                "achievements": "落实“三联一住”，推进后进村整顿转化，社区网格化管理全覆盖。",
                "problems": "非公企业党建基础薄弱，部分村级阵地保障不足。",
                "plans": "实施“领头雁”培训，推进项目化、信息化党建。",
            }
            self.run(f"{code}-sj", participants.submit_report, cycle_id, code, content)
        self.run("jz-zzb", cycles.advance, cycle_id, "reviewing", None)
        if ratings:
            self.rate_and_score(cycle_id)
        return cycle_id

    def rate_and_score(self, cycle_id: str, share: float = 1.0) -> None:
        grades = ["good", "fairly_good", "average", "poor"]
        for code, _, _ in COUNTIES:
            strength = self.random.random()
            for account in REVIEWERS:
                if self.random.random() > share:
                    continue
                weights = [3 + 6 * strength, 4, 2 * (1 - strength) + 0.5, 0.3]
                grade = self.random.choices(grades, weights)[0]
                self.run(account, participants.rate, cycle_id, code, grade, None, None)
            for indicator, maximum in INDICATOR_MAX.items():
                if self.random.random() > share:
                    continue
                points = Decimal(round(maximum * (0.6 + 0.4 * strength) * 2) / 2)
                self.run(
                    "jz-zzb", participants.score, cycle_id, code, indicator, points, None, None
                )

    def rectify(self, cycle_id: str) -> None:
        """Feedback, approved plans, and per county some items verified (销号), maybe one
        claimed and awaiting verification, at least one still open; 榆次区: one of each."""
        self.run("jz-zzb", cycles.finalize, cycle_id)
        self.run("jz-zzb", cycles.advance, cycle_id, "rectifying", None)
        today = self.app.today()
        for index, (code, name, _) in enumerate(COUNTIES):
            problems = [{"code": c, "description": d} for c, d, _ in PROBLEMS]
            self.run(
                "jz-zzb",
                participants.issue_feedback,
                cycle_id,
                code,
                f"以市委的名义向{name}委反馈述职评议意见。",
                problems,
            )
            items = [
                {
                    "item_id": f"{c}-1",
                    "problem_code": c,
                    "measure": m,
                    "owner": "县委组织部部长",
                    "due_date": (today + timedelta(days=ITEM_DUE_DAYS[c])).isoformat(),
                }
                for c, _, m in PROBLEMS
            ]
            self.run(f"{code}-sj", rectification.submit_plan, cycle_id, code, items)
            self.run("jz-zzb", rectification.approve_plan, cycle_id, code)
            verified = 1 if index == 0 else self.random.randint(0, len(items) - 1)
            claimed = 1 if index == 0 else self.random.randint(0, len(items) - 1 - verified)
            # The latest deadlines are met first: the earliest item is the one left open.
            done = items[len(items) - verified - claimed:]
            for number, item in enumerate(reversed(done)):
                self.run(
                    f"{code}-sj",
                    rectification.claim_completion,
                    cycle_id,
                    code,
                    item["item_id"],
                    "整改台账及佐证材料",
                )
                if number >= verified:
                    continue
                self.run(
                    "jz-zzb",
                    rectification.verify_item,
                    cycle_id,
                    code,
                    item["item_id"],
                    True,
                    "经核查，同意销号",
                )


@contextmanager
def clock_behind(app: LianpingApp, by: timedelta) -> Iterator[None]:
    """The application's clock set back ``by`` (still ticking) while the block records: for the
    demo's earlier year only, on an application that serves no request meanwhile."""
    app.clock = lambda: datetime.now(UTC) - by  # type: ignore[method-assign]
    try:
        yield
    finally:
        del app.clock  # the class's wall clock again


def seed_demo(app: LianpingApp) -> dict[str, str] | None:
    """Seed the demo once; returns a fresh token for each demo account (None if already seeded)."""
    if app.find(Organization, ids.org_id(CITY[0])) is not None:
        return None
    city = DemoCity(app)
    city.directory()
    with clock_behind(app, PREVIOUS_YEAR_AGO):
        previous = city.cycle(2025)
        city.rectify(previous)
    # 纪委 sits on this year's panel: the inspector has ratings to give as well.
    current = city.cycle(2026, ratings=False, panel=("jz-jw",))
    city.rate_and_score(current, share=0.7)
    # A secretary with something to do: the organizer returned the county's report for revision.
    city.run("jz-zzb", participants.return_report, current, COUNTIES[0][0],
             "请补充后进村整顿转化的具体数据和成效，再重新提交。")
    demo_passwords(app)
    return demo_tokens(app)


def demo_tokens(app: LianpingApp) -> dict[str, str]:
    accounts = ["jz-zzb", "jz-jw", f"{COUNTIES[0][0]}-sj", REVIEWERS[0]]
    return {
        account: app.execute(Request(SYSTEM), directory.issue_token, account, 30).body["token"]
        for account in accounts
    }


# -- console passwords --------------------------------------------------------------------------


def demo_accounts() -> list[str]:
    return [ADMIN_ACCOUNT, "jz-zzb", "jz-jw", *(f"{code}-sj" for code, _, _ in COUNTIES),
            *REVIEWERS]


def demo_password(app: LianpingApp) -> str:
    """``LIANPING_DEMO_PASSWORD`` when set (for scripts), else one derived from the service key:
    the same on every start, so it can be printed again without storing it anywhere."""
    if app.settings.demo_password:
        return app.settings.demo_password
    digest = derive_secret(app.signing_key, b"demo-password", b"lianping demo city")
    return "lp-" + base64.b32encode(digest).decode()[:12].lower()


def demo_passwords(app: LianpingApp) -> dict[str, str]:
    """Give every demo account the demo password (unless it already has it; no change needed
    at first sign-in), and return them for printing."""
    password = passwords.check_new_password(demo_password(app), "LIANPING_DEMO_PASSWORD")
    store = credential_store(app.recorder)
    given: dict[str, str] = {}
    current: bool | None = None  # whether the passwords set before are this one (checked once:
    for account_id in demo_accounts():  # they are all set together, and a check costs ~0.1 s)
        account = app.find(Account, ids.account_id(account_id), read_only=True)
        if account is None:
            continue
        if account.has_password and current is None:
            current = passwords.verify_password(passwords.current_hash(store, account), password)
        if not (account.has_password and current):
            passwords.set_password(app, Request(SYSTEM), account_id, password, must_change=False)
        given[account_id] = password
    return given
