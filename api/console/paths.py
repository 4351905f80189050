"""Every console URL, built in one place (templates get this module as ``paths``). A page module
that adds a page adds its URL builder here, so links and routes cannot drift apart.

The console's URLs mirror the API's resources without the ``/api/v1`` prefix:
``/cycles/{id}``, ``/cycles/{id}/participants/{org}``, ``…/rate``, ``…/report``, ``…/plan`` …"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

HOME = "/"
LOGIN = "/login"
LOGOUT = "/logout"
PASSWORD = "/password"
CYCLES = "/cycles"
AUDIT = "/audit"
STATIC = "/static"
AUDIT_NOTES = "/audit/notes"
AUDIT_CHECKPOINTS = "/audit/checkpoints"
AUDIT_VERIFY = "/audit/verify"
AUDIT_EXPORT = "/audit/export"
ADMIN = "/admin"
ADMIN_ORGS = "/admin/organizations"
ADMIN_ACCOUNTS = "/admin/accounts"
ADMIN_IMPORT = "/admin/import"


def _q(part: str) -> str:
    return quote(part, safe="")


def login(next_path: str | None = None) -> str:
    return f"{LOGIN}?{urlencode({'next': next_path})}" if next_path and next_path != HOME \
        else LOGIN


def static(name: str) -> str:
    return f"{STATIC}/{name}"


def cycle(cycle_id: str) -> str:
    return f"{CYCLES}/{_q(cycle_id)}"


def standings(cycle_id: str) -> str:
    return f"{cycle(cycle_id)}/standings"


def review(cycle_id: str) -> str:
    """A reviewer's 评议 page: the participants still to rate and those done."""
    return f"{cycle(cycle_id)}/review"


def participant(cycle_id: str, org_code: str) -> str:
    """A participant of a cycle: its 述职报告 (the report page)."""
    return f"{cycle(cycle_id)}/participants/{_q(org_code)}"


def rate(cycle_id: str, org_code: str) -> str:
    return f"{participant(cycle_id, org_code)}/rate"


def report_form(cycle_id: str, org_code: str) -> str:
    """The secretary's 述职报告 form."""
    return f"{participant(cycle_id, org_code)}/report"


def score(cycle_id: str, org_code: str) -> str:
    return f"{participant(cycle_id, org_code)}/score"


def feedback(cycle_id: str, org_code: str) -> str:
    return f"{participant(cycle_id, org_code)}/feedback"


def plan(cycle_id: str, org_code: str) -> str:
    return f"{participant(cycle_id, org_code)}/plan"


def item(cycle_id: str, org_code: str, item_id: str) -> str:
    return f"{plan(cycle_id, org_code)}/items/{_q(item_id)}"


def my_result(cycle_id: str, org_code: str) -> str:
    """The secretary's own page of a cycle: result, anonymised reviews, feedback, plan."""
    return f"{participant(cycle_id, org_code)}/result"


def plan_editor(cycle_id: str, org_code: str) -> str:
    """The secretary's 整改方案 editor."""
    return f"{plan(cycle_id, org_code)}/edit"


def item_progress(cycle_id: str, org_code: str, item_id: str) -> str:
    """The secretary's page of one item: progress and the completion claim."""
    return f"{item(cycle_id, org_code, item_id)}/progress"


def audit_event(position: int) -> str:
    return f"{AUDIT}/events/{int(position)}"


def audit_history(aggregate_id: str) -> str:
    return f"{AUDIT}/aggregates/{_q(aggregate_id)}"


def audit_flags(cycle_id: str) -> str:
    return f"{AUDIT}/flags?{urlencode({'cycle_id': cycle_id})}"


def admin_account(account_id: str) -> str:
    return f"{ADMIN_ACCOUNTS}/{_q(account_id)}"


def with_query(path: str, **query: Any) -> str:
    given = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{path}?{urlencode(given)}" if given else path


# -- 我的待办: where each kind of task is done ----------------------------------------------------

def _on(build: Callable[[str, str], str]) -> Callable[[Mapping[str, Any]], str]:
    return lambda task: build(task["cycle_id"], task["org_code"])


TASK_PAGES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "submit_report": _on(report_form),
    "resubmit_report": _on(report_form),
    "rate": _on(rate),
    "score": _on(score),
    "give_feedback": _on(feedback),
    "submit_plan": _on(plan_editor),
    "resubmit_plan": _on(plan_editor),
    "approve_plan": _on(plan),
    "report_progress": lambda t: item_progress(t["cycle_id"], t["org_code"], t["item_id"]),
    "verify_item": lambda t: item(t["cycle_id"], t["org_code"], t["item_id"]),
    "hold_talk": lambda t: talks(t["cycle_id"], t["org_code"]),
    "answer_order": lambda t: order(str(t.get("path") or "").rstrip("/").split("/")[-2]),
}
#: Task kinds not tied to a cycle (their page is built from the task's own fields).
CYCLELESS_TASKS = frozenset({"answer_order"})
API_PREFIX = "/api/v1"


def task_page(task: Mapping[str, Any]) -> str:
    """The console page where a task (a row of the tasks read model) is done; a kind without
    its own entry goes to the console path mirroring its API path."""
    build = TASK_PAGES.get(task["kind"])
    if build is not None and (task.get("cycle_id") or task["kind"] in CYCLELESS_TASKS):
        return build(task)
    path = str(task.get("path") or HOME)
    return path.removeprefix(API_PREFIX) or HOME


# -- the organizer's pages (api/console/pages/organizing.py) --------------------------------------

NEW_CYCLE = f"{CYCLES}/new"


def manage(cycle_id: str, org_code: str) -> str:
    """The organizer's page of one participant: return, score, veto, feedback, plan, items."""
    return f"{participant(cycle_id, org_code)}/manage"


def org_action(cycle_id: str, org_code: str, action: str) -> str:
    return f"{participant(cycle_id, org_code)}/{action}"


def cycle_action(cycle_id: str, action: str) -> str:
    return f"{cycle(cycle_id)}/{action}"


def finalize(cycle_id: str) -> str:
    return cycle_action(cycle_id, "finalize")


def board(cycle_id: str) -> str:
    return cycle_action(cycle_id, "board")


def flags(cycle_id: str) -> str:
    return cycle_action(cycle_id, "flags")


# -- 民主测评 and documents (api/console/pages/ballots.py, documents.py) ---------------------------

def ballots(cycle_id: str) -> str:
    """The organizer's 民主测评 page of a cycle: batches, issuing, voiding, paper import."""
    return cycle_action(cycle_id, "ballots")


def ballots_action(cycle_id: str, action: str) -> str:
    """``issue``, ``import``, ``template.xlsx`` of the cycle's 民主测评."""
    return f"{ballots(cycle_id)}/{action}"


def batch_action(cycle_id: str, batch_id: str, action: str) -> str:
    """``sheet`` (printable slips) or ``void`` of one batch."""
    return f"{ballots(cycle_id)}/{_q(batch_id)}/{action}"


def document(cycle_id: str, name: str) -> str:
    """A cycle's document: ``standings.xlsx``, ``bulletin.docx``, ``rectification.xlsx``."""
    return cycle_action(cycle_id, name)


def feedback_letter(cycle_id: str, org_code: str) -> str:
    return f"{participant(cycle_id, org_code)}/feedback.docx"


# -- 督查督办 (api/console/pages/supervision.py) ------------------------------------------------

SUPERVISION = "/supervision"
ORDERS = f"{SUPERVISION}/orders"


def order(order_id: str) -> str:
    return f"{ORDERS}/{_q(order_id)}"


def order_action(order_id: str, action: str) -> str:
    """``response`` (the secretary's answer) or ``closure`` (通过 / 退回)."""
    return f"{order(order_id)}/{action}"


def coverage(org_code: str, year: int | None = None) -> str:
    return with_query(f"/organizations/{_q(org_code)}/coverage", year=year)


def talks(cycle_id: str, org_code: str) -> str:
    return f"{participant(cycle_id, org_code)}/talks"


def talk_record(cycle_id: str, org_code: str, talk_id: str) -> str:
    return f"{talks(cycle_id, org_code)}/{_q(talk_id)}/record"


def person(account_id: str) -> str:
    return f"/people/{_q(account_id)}"


def reminders(cycle_id: str) -> str:
    """A cycle's 红黄灯 reminders not yet delivered (organizer, inspectors)."""
    return cycle_action(cycle_id, "reminders")
# -- the 大屏 hall screen (api/console/pages/screen.py) ----------------------------------------

def screen(cycle_id: str, key: str | None = None) -> str:
    """The hall screen: signed in, or with a read-only link's key."""
    return f"/screen/{_q(cycle_id)}" + (f"?{urlencode({'k': key})}" if key else "")


def screen_data(cycle_id: str, key: str | None = None) -> str:
    """The screen's JSON, fetched by its script every 2 s (the same key, if any)."""
    return f"/screen/{_q(cycle_id)}/data" + (f"?{urlencode({'k': key})}" if key else "")


def screen_link_action(cycle_id: str, link_id: str) -> str:
    return f"{ballots(cycle_id)}/screen-links/{_q(link_id)}/revoke"
def import_template(kind: str) -> str:
    """The admin's blank sheet for a bulk import (``organizations`` or ``accounts``)."""
    return f"{ADMIN_IMPORT}/template-{_q(kind)}.xlsx"
