"""Random command scripts for one cycle of the test world, run through the real use cases.
Refused commands (domain errors) are part of the fun: they must leave no trace in any view."""

from __future__ import annotations

import contextlib
import itertools
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from application import lookups
from application.usecases import (
    cycles,
    directory,
    notes,
    participants,
    rectification,
    rehearsals,
    supervision,
)
from domain import ids
from domain.cycle import PHASES
from domain.errors import DomainError
from tests.application.world import ADMIN, COUNTIES, INDICATORS, REVIEWERS, World, worked_example

PANEL = REVIEWERS[:3]
GRADES = ("good", "fairly_good", "average", "poor")
ITEMS = ("I1", "I2")

Command = tuple[Any, ...]


def _each(kind: str, *choices: tuple[Any, ...]) -> list[Command]:
    return [(kind, *combo) for combo in itertools.product(*choices)]


def scripts() -> st.SearchStrategy[list[Command]]:
    """One stage of random commands per phase (mostly commands that phase allows, sometimes a
    step back), with a step forward between stages, stopping after a random stage. Drawn from
    a Random that hypothesis provides: plain strategies rarely reach deep phases."""
    notes_ = [("note", n) for n in (1, 7, 30, 60, 90, 120, 400)]
    # Cycle deadlines set or moved (to the past or the future) in any phase.
    dues = _each("deadline", ("report_due", "review_due", "plan_due"), (-2, 5))
    by_phase: dict[str, list[Command]] = {
        "preparing": [*notes_[:2], *_each("remove", COUNTIES), *_each("add", COUNTIES), *dues],
        "reporting": _each("report", COUNTIES) * 3 + _each("return_report", COUNTIES)
        + notes_[:1] + dues,
        "reviewing": [
            *_each("rate", COUNTIES, PANEL, GRADES),
            *_each("score", COUNTIES, INDICATORS[:2], (0, 8, 15)),
            *_each("veto", COUNTIES), *_each("return_report", COUNTIES),
            *_each("report", COUNTIES), ("back",), ("back",), *dues,
        ],
        "finalized": [*_each("feedback", COUNTIES) * 4, ("back",), *dues,
                      *_each("talk", COUNTIES), *_each("held", COUNTIES),
                      *_each("amend", COUNTIES, (0, 1, 2))],
        "rectifying": [
            *_each("feedback", COUNTIES) * 6, *_each("plan", COUNTIES, (0, 1, 30)) * 4,
            *_each("approve", COUNTIES) * 6, *_each("return_plan", COUNTIES),
            *_each("progress", COUNTIES, ITEMS), *_each("claim", COUNTIES, ITEMS) * 2,
            *_each("verify", COUNTIES, ITEMS) * 2, *_each("reject", COUNTIES, ITEMS),
            *_each("extend", COUNTIES, ITEMS), *notes_[:2], *dues,
            *_each("talk", COUNTIES), *_each("held", COUNTIES),
            *_each("amend", COUNTIES, (0, 1, 2)) * 2, *_each("order", COUNTIES),
            *_each("answer", COUNTIES) * 2, *_each("close", COUNTIES, (True, False)),
        ],
        "closed": notes_,
    }
    def draw(rng: random.Random) -> list[Command]:
        script: list[Command] = []
        for phase in PHASES[: rng.randint(2, len(PHASES))]:
            size = rng.randint(0, 30 if phase == "rectifying" else 12)
            script += [rng.choice(by_phase[phase]) for _ in range(size)]
            script.append(("forward",))
        return script

    return st.randoms(use_true_random=False).map(draw)


def new_cycle(world: World, cycle_id: str, year: int, report_due: date | None,
              **more_deadlines: date) -> str:
    deadlines = {"report_due": report_due, **more_deadlines} if report_due else None
    world.run("organizer", cycles.create_cycle, "city", "county", year, f"{year}年度述职评议",
              cycle_id=cycle_id, deadlines=deadlines)
    for county in COUNTIES:
        world.run("organizer", cycles.add_participant, cycle_id, county)
    for member in PANEL:
        world.run("organizer", cycles.add_panel_member, cycle_id, member)
    return cycle_id


def run_script(world: World, cycle_id: str, script: list[Command]) -> None:
    for command in script:
        with contextlib.suppress(DomainError):
            run(world, cycle_id, command)


def run(world: World, cycle_id: str, command: Command) -> None:  # noqa: C901 - a dispatcher
    app = world.app
    kind, *args = command
    sec = f"sec-{args[0]}" if args and args[0] in COUNTIES else ""
    if kind in ("forward", "back"):
        phase = lookups.cycle(app, cycle_id).phase
        index = PHASES.index(phase) + (1 if kind == "forward" else -1)
        if not 0 <= index < len(PHASES):
            return
        if PHASES[index] == "finalized" and kind == "forward":
            world.run("organizer", cycles.finalize, cycle_id)
        else:
            world.advance(cycle_id, PHASES[index], "重新打开复核")
    elif kind == "report":
        world.report(cycle_id, args[0])
    elif kind == "return_report":
        world.run("organizer", participants.return_report, cycle_id, args[0], "请补充材料")
    elif kind == "rate":
        county, reviewer, grade = args
        world.run(reviewer, participants.rate, cycle_id, county, grade, None, "复核后修改")
    elif kind == "score":
        county, indicator, points = args
        world.run("organizer", participants.score, cycle_id, county, indicator,
                  Decimal(points), None, "复核后修改")
    elif kind == "veto":
        world.run("organizer", cycles.veto, cycle_id, args[0], "发生重大问题")
    elif kind == "feedback":
        problems = [{"code": f"P{n}", "description": f"问题{n}"} for n in (1, 2)]
        world.run("organizer", participants.issue_feedback, cycle_id, args[0], "书面反馈",
                  problems)
    elif kind == "plan":
        due = (app.today() + timedelta(days=args[1])).isoformat()
        items = [{"item_id": i, "problem_code": f"P{n}", "measure": "措施", "owner": "责任人",
                  "due_date": due} for n, i in enumerate(ITEMS, 1)]
        world.run(sec, rectification.submit_plan, cycle_id, args[0], items)
    elif kind == "approve":
        world.run("organizer", rectification.approve_plan, cycle_id, args[0])
    elif kind == "return_plan":
        world.run("organizer", rectification.return_plan, cycle_id, args[0], "措施不具体")
    elif kind == "progress":
        world.run(sec, rectification.report_progress, cycle_id, args[0], args[1], "推进中", 50)
    elif kind == "claim":
        world.run(sec, rectification.claim_completion, cycle_id, args[0], args[1], "佐证材料")
    elif kind in ("verify", "reject"):
        world.run("organizer", rectification.verify_item, cycle_id, args[0], args[1],
                  kind == "verify", "核查")
    elif kind == "extend":
        due = app.today() + timedelta(days=90)
        world.run("organizer", rectification.extend_deadline, cycle_id, args[0], args[1], due,
                  "客观原因延期")
    elif kind == "remove":
        world.run("organizer", cycles.remove_participant, cycle_id, args[0], "误列")
    elif kind == "add":
        world.run("organizer", cycles.add_participant, cycle_id, args[0])
    elif kind == "deadline":
        name, days = args
        world.run("organizer", cycles.set_deadlines, cycle_id,
                  {name: app.today() + timedelta(days=days)}, "时间调整")
    elif kind in ("talk", "held", "amend", "order", "answer", "close"):
        _after_the_results(world, cycle_id, kind, *args)
    elif kind == "note":
        position = min(args[0], app.recorder.max_notification_id() or 1)
        world.run("inspector", notes.record_note, "督查发现疑点", subject_position=position)
    else:  # pragma: no cover
        raise AssertionError(kind)


def _after_the_results(world: World, cycle_id: str, kind: str, county: str, *args: Any) -> None:
    """约谈, 督办 and feedback amendments (talk and order ids are remembered on the world)."""
    talks: dict[str, str] = world.__dict__.setdefault("talks", {})
    orders: dict[str, str] = world.__dict__.setdefault("orders", {})
    today = world.app.today()
    if kind == "talk":
        outcome = world.run("organizer", supervision.schedule_talk, cycle_id, county,
                            today.isoformat(), "书记", "等次为一般")
        talks[county] = outcome.body["talk_id"]
    elif kind == "held" and county in talks:
        world.run("inspector", supervision.record_talk, cycle_id, county, talks[county],
                  today.isoformat(), "市委书记", "谈话记录")
    elif kind == "amend":
        problems = [None, [{"code": "P1", "description": "问题一（修订）"}],
                    [{"code": f"P{n}", "description": f"问题{n}"} for n in (1, 2, 3)]][args[0]]
        world.run("organizer", supervision.amend_feedback, cycle_id, county,
                  "修订" if problems is None else None, problems, "更正")
    elif kind == "order":
        outcome = world.run("inspector", supervision.issue_order, county, cycle_id, "督办事项",
                            "按期整改", (today + timedelta(days=5)).isoformat())
        orders[county] = outcome.body["order_id"]
    elif kind == "answer" and county in orders:
        world.run(f"sec-{county}", supervision.respond_to_order, orders[county], "已整改")
    elif kind == "close" and county in orders:
        world.run("inspector", supervision.close_order, orders[county], args[0], "核实")


def rich_history(world: World) -> dict[str, Any]:
    """A log with every kind of event and every flag: DOMAIN.md's worked example, then amendments,
    a veto, finalization, a reopening and amendments after it, a returned and an approved plan
    with every item step, a cycle with late and returned reports, notes, tokens."""
    app = world.app
    current = worked_example(world)
    world.run("reviewer-1", participants.rate, current, "county-a", "fairly_good", None, "复核")
    world.run("organizer", participants.score, current, "county-b", "innovation", Decimal("13"),
              None, "重新核定")
    world.run("organizer", cycles.veto, current, "county-c", "发生重大安全事故")
    world.run("organizer", cycles.finalize, current)
    reopened = world.advance(current, "reviewing", "复核发现计分错误")
    world.run("reviewer-2", participants.rate, current, "county-b", "average", None, "更正")
    world.run("organizer", participants.score, current, "county-a", "foundation", Decimal("20"),
              None, "更正")
    world.run("organizer", cycles.finalize, current)
    world.advance(current, "rectifying")
    world.run("organizer", participants.issue_feedback, current, "county-a", "书面反馈",
              [{"code": "P1", "description": "问题一"}, {"code": "P2", "description": "问题二"}])
    due = (app.today() + timedelta(days=10)).isoformat()
    items = [{"item_id": f"I{n}", "problem_code": f"P{n}", "measure": "措施", "owner": "责任人",
              "due_date": due} for n in (1, 2)]
    world.run("sec-county-a", rectification.submit_plan, current, "county-a", items)
    world.run("organizer", rectification.return_plan, current, "county-a", "措施不具体")
    world.run("sec-county-a", rectification.submit_plan, current, "county-a", items)
    world.run("organizer", rectification.approve_plan, current, "county-a")
    world.run("sec-county-a", rectification.report_progress, current, "county-a", "I1", "推进", 40)
    world.run("sec-county-a", rectification.claim_completion, current, "county-a", "I1", "材料")
    world.run("organizer", rectification.verify_item, current, "county-a", "I1", False, "不充分")
    world.run("sec-county-a", rectification.claim_completion, current, "county-a", "I1", "补充")
    world.run("organizer", rectification.verify_item, current, "county-a", "I1", True, "销号")
    world.run("organizer", rectification.extend_deadline, current, "county-a", "I2",
              app.today() + timedelta(days=40), "客观原因")

    past = app.today() - timedelta(days=3)
    late = new_cycle(world, "city-2024", 2024, past, review_due=past, plan_due=past)
    world.advance(late, "reporting")
    world.report(late, "county-a")
    world.run("organizer", participants.return_report, late, "county-a", "请补充")
    world.report(late, "county-a", "修改稿")
    world.advance(late, "reviewing")
    world.run("reviewer-1", participants.rate, late, "county-a", "good", None, None)
    world.run("organizer", cycles.finalize, late)
    world.advance(late, "rectifying")
    world.run("organizer", participants.issue_feedback, late, "county-a", "书面反馈",
              [{"code": "P1", "description": "问题一"}])
    world.run("sec-county-a", rectification.submit_plan, late, "county-a", items[:1])
    world.run("organizer", supervision.amend_feedback, late, "county-a", "修订后的反馈", None,
              "文字更正")
    talk = world.run("organizer", supervision.schedule_talk, current, "county-c",
                     app.today().isoformat(), "丙县书记", "一票否决，等次为差")
    world.run("inspector", supervision.record_talk, current, "county-c", talk.body["talk_id"],
              app.today().isoformat(), "市委书记", "谈话记录")
    order = world.run("inspector", supervision.issue_order, "county-b", current, "督办",
                      "按期整改", (app.today() + timedelta(days=5)).isoformat())
    world.run("sec-county-b", supervision.respond_to_order, order.body["order_id"], "已整改")
    world.run("inspector", supervision.close_order, order.body["order_id"], False, "材料不全")

    world.run("inspector", notes.record_note, "此处需核实", subject_position=reopened.position)
    world.run("inspector", notes.record_note, "关注整改",
              aggregate_id=str(ids.plan_id(current, "county-a")))
    rehearsal = world.run("organizer", cycles.create_cycle, "city", "county", 2026, "模拟测评",
                          rehearsal=True).body["cycle_id"]
    world.run("organizer", cycles.add_participant, rehearsal, "county-a")
    world.advance(rehearsal, "reporting")
    world.report(rehearsal, "county-a")
    world.run("organizer", rehearsals.end_rehearsal, rehearsal, "演练完毕")
    token = world.run(ADMIN, directory.issue_token, "organizer", 30)
    world.run(ADMIN, directory.revoke_token, "organizer", token.body["token_id"], "轮换")
    return {"current": current, "previous": "city-2025", "late": late,
            "reopened_at": reopened.position}
