"""书记 (the secretary's pages): the 述职报告 form with its versions and any return reason; the
own result with the reviews anonymised (评议人1 …) and the 书面反馈; the 整改方案 editor (items
tied to the feedback's problems); progress and the completion claim of each item, overdue ones
in red. Every write calls the same use case as the JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.auth import application_of
from api.console import forms, labels, paths
from api.console.web import (
    ConsoleRoute,
    ConsoleUser,
    CurrentUser,
    FormPost,
    read_request,
    redirect_with_flash,
    render,
)
from api.schemas.participants import CompletionIn, PlanIn, ProgressIn, ReportIn
from application import lookups
from application.app import LianpingApp
from application.principal import require_secretary
from application.usecases import participants, rectification
from domain import ids
from domain.errors import DomainError, NotFoundError, ValidationError
from domain.organization import Organization
from domain.report import Report

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

REPORT_FIELDS = ("title", "achievements", "problems", "plans")
PLAN_FIELDS = ("item_id", "problem_code", "measure", "owner", "due_date")
#: Blank rows the plan editor offers beyond the items already written.
SPARE_ROWS = 1
MAX_ROWS = 200
#: After a write, wait this long at most for 我的待办 (a read model) to show it.


def _context(app: LianpingApp, user: ConsoleUser, cycle_id: str, org_code: str
             ) -> dict[str, Any]:
    """What every secretary page shows on top: the cycle (404 unless the org takes part), the
    org's name; only the org's own secretary gets further."""
    cycle = lookups.participant(app, cycle_id, org_code)
    require_secretary(user.principal, org_code)
    org = app.find(Organization, ids.org_id(org_code), read_only=True)
    return {"cycle": cycle, "cycle_id": cycle_id, "cycle_title": cycle.title,
            "org_code": org_code, "org_name": org.name if org else org_code}



# -- 述职报告 --------------------------------------------------

def _report_page(request: Request, user: ConsoleUser, cycle_id: str, org_code: str,
                 form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                 status_code: int = 200) -> Response:
    app = application_of(request)
    context = _context(app, user, cycle_id, org_code)
    report = app.find(Report, ids.report_id(cycle_id, org_code), read_only=True)
    versions = [participants.report_view(report, n) for n in range(1, len(report.versions) + 1)
                ] if report else []
    latest = versions[-1] if versions else None
    phase = context["cycle"].phase
    may_submit = phase == "reporting" or (
        phase == "reviewing" and latest is not None and latest["status"] == "returned")
    given = form if form is not None else (
        {name: latest[name] for name in REPORT_FIELDS} if latest else
        dict.fromkeys(REPORT_FIELDS, ""))
    return render(
        request, "secretary/report.html", status_code=status_code, **context,
        versions=list(reversed(versions)), latest=latest, may_submit=may_submit,
        form=given, errors=errors or {}, phase=phase,
    )


@router.get("/cycles/{cycle_id}/participants/{org_code}/report")
def report_form(cycle_id: str, org_code: str, request: Request, user: CurrentUser) -> Response:
    return _report_page(request, user, cycle_id, org_code)


@router.post("/cycles/{cycle_id}/participants/{org_code}/report")
def submit_report(cycle_id: str, org_code: str, request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    form = {name: forms.text(posted.get(name)) for name in REPORT_FIELDS}
    body, errors = forms.check(ReportIn, form)
    if body is not None:
        try:
            app.execute(posted.request, participants.submit_report, cycle_id,
                                  org_code, body.model_dump())
        except DomainError as refused:
            if refused.code in ("wrong_phase", "too_many_versions", "validation_error",
                                "version_mismatch", "write_conflict"):
                errors[""] = forms.refusal(refused)
            else:
                raise
        else:
            return redirect_with_flash(request, paths.report_form(cycle_id, org_code),
                                       labels.DONE["report_submitted"])
    return _report_page(request, posted.user, cycle_id, org_code, form, errors, 422)


# -- 结果、评议、反馈 --------------------------------------------------

@router.get("/cycles/{cycle_id}/participants/{org_code}/result")
def my_result(cycle_id: str, org_code: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    context = _context(app, user, cycle_id, org_code)
    found = participants.get_participant(app, read_request(user), cycle_id, org_code)
    plan = found["plan"]
    return render(
        request, "secretary/result.html", **context, participant=found, plan=plan,
        overdue=[i for i in (plan["items"] if plan else []) if i.get("overdue")],
        problems={p["code"]: p["description"] for p in
                  (found["feedback"] or {}).get("problems", [])},
    )


# -- 整改方案 --------------------------------------------------

def _rows(plan: dict[str, Any] | None) -> list[dict[str, str]]:
    items = plan["items"] if plan else []
    return [{name: str(item.get(name) or "") for name in PLAN_FIELDS} for item in items]


def _plan_page(request: Request, user: ConsoleUser, cycle_id: str, org_code: str,
               rows: list[dict[str, str]] | None = None, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    app = application_of(request)
    context = _context(app, user, cycle_id, org_code)
    found = participants.get_participant(app, read_request(user), cycle_id, org_code)
    plan = found["plan"]
    feedback = found["feedback"]
    if rows is None:
        rows = _rows(plan) + [dict.fromkeys(PLAN_FIELDS, "") for _ in range(SPARE_ROWS)]
    may_submit = (context["cycle"].phase == "rectifying" and feedback is not None
                  and (plan is None or plan["status"] == "returned"))
    return render(
        request, "secretary/plan.html", status_code=status_code, **context, plan=plan,
        feedback=feedback, rows=rows, errors=errors or {}, may_submit=may_submit,
        problems=[(p["code"], f"{p['code']} {p['description']}")
                  for p in (feedback or {}).get("problems", [])],
    )


@router.get("/cycles/{cycle_id}/participants/{org_code}/plan/edit")
def plan_editor(cycle_id: str, org_code: str, request: Request, user: CurrentUser) -> Response:
    return _plan_page(request, user, cycle_id, org_code)


def _posted_rows(posted: Any) -> list[dict[str, str]]:
    columns = {name: posted.getlist(name)[:MAX_ROWS] for name in PLAN_FIELDS}
    count = max((len(values) for values in columns.values()), default=0)
    rows = []
    for index in range(count):
        row = {name: (columns[name][index] if index < len(columns[name]) else "").strip()
               for name in PLAN_FIELDS}
        row["measure"] = forms.text(row["measure"])
        rows.append(row)
    return rows


def _item_ids(rows: list[dict[str, str]]) -> None:
    """New rows get the next free id under their problem (P1-1, P1-2 …)."""
    taken = {row["item_id"] for row in rows if row["item_id"]}
    for row in rows:
        if row["item_id"]:
            continue
        n = 1
        while f"{row['problem_code']}-{n}" in taken:
            n += 1
        row["item_id"] = f"{row['problem_code']}-{n}"
        taken.add(row["item_id"])


def _row_errors(errors: dict[str, str], filled: list[int]) -> dict[str, str]:
    """``items.0.due_date`` (schema) / ``items[0].due_date`` (rule) → ``due_date-<row>``,
    the row counted among the posted rows."""
    shown: dict[str, str] = {}
    for name, message in errors.items():
        parts = name.replace("[", ".").replace("]", "").split(".")
        if len(parts) >= 3 and parts[0] == "items" and parts[1].isdigit():
            index = int(parts[1])
            row = filled[index] if index < len(filled) else index
            shown[f"{parts[2]}-{row}"] = message
        else:
            shown[""] = message
    return shown


RULE_MESSAGES = {
    "duplicate item id": "编号重复",
    "lies in the past": "时限不能早于今天",
    "not a YYYY-MM-DD date": "请填写日期",
}


@router.post("/cycles/{cycle_id}/participants/{org_code}/plan/edit")
def submit_plan(cycle_id: str, org_code: str, request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    rows = _posted_rows(posted)
    if posted.get("action") == "add_row":
        rows.append(dict.fromkeys(PLAN_FIELDS, ""))
        return _plan_page(request, posted.user, cycle_id, org_code, rows)
    filled = [i for i, row in enumerate(rows) if any(row[n] for n in PLAN_FIELDS[1:])]
    items = [dict(rows[i]) for i in filled]
    _item_ids(items)
    body, errors = forms.check(PlanIn, {"items": items})
    if not items:
        errors = {"": "整改方案至少需要一项整改措施"}
    if body is not None and items:
        try:
            app.execute(posted.request, rectification.submit_plan, cycle_id, org_code,
                                  [item.model_dump(mode="json") for item in body.items])
        except ValidationError as refused:
            errors = {
                str(e.get("field", "")): RULE_MESSAGES.get(str(e.get("message")), "填写有误")
                for e in (refused.details or [])
            }
            missing = [e for e in refused.details or [] if e.get("field") == "items"]
            errors[""] = labels.error_message(refused.code) + (
                "：每个问题至少对应一项措施" if missing else "")
        except DomainError as refused:
            if refused.code in ("wrong_phase", "too_many_versions", "feedback_not_issued",
                                "version_mismatch", "write_conflict", "invalid_transition"):
                errors = {"": forms.refusal(refused)}
            else:
                raise
        else:
            return redirect_with_flash(request, paths.plan_editor(cycle_id, org_code),
                                       labels.DONE["plan_submitted"])
    return _plan_page(request, posted.user, cycle_id, org_code, rows,
                      _row_errors(errors, filled), 422)


# -- 整改事项：进展与销号申请 --------------------------------------------------

def _item_page(request: Request, user: ConsoleUser, cycle_id: str, org_code: str, item_id: str,
               form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    app = application_of(request)
    context = _context(app, user, cycle_id, org_code)
    found = participants.get_participant(app, read_request(user), cycle_id, org_code)
    plan = found["plan"]
    item = next((i for i in (plan["items"] if plan else []) if i["item_id"] == item_id), None)
    if plan is None or item is None or plan["status"] != "approved":
        raise NotFoundError("unknown_item", f"no approved item {item_id}")
    problems = {p["code"]: p["description"] for p in (found["feedback"] or {}).get("problems", [])}
    given = form if form is not None else {"note": "", "percent": str(item.get("percent") or 0),
                                           "evidence": ""}
    return render(
        request, "secretary/item.html", status_code=status_code, **context, item=item,
        problem=problems.get(item["problem_code"], ""), form=given, errors=errors or {},
        open=item["status"] in ("planned", "in_progress", "rejected"),
    )


@router.get("/cycles/{cycle_id}/participants/{org_code}/plan/items/{item_id}/progress")
def item_page(cycle_id: str, org_code: str, item_id: str, request: Request, user: CurrentUser
              ) -> Response:
    return _item_page(request, user, cycle_id, org_code, item_id)


@router.post("/cycles/{cycle_id}/participants/{org_code}/plan/items/{item_id}/progress")
def item_write(cycle_id: str, org_code: str, item_id: str, request: Request, posted: FormPost
               ) -> Response:
    app = application_of(request)
    form = {"note": forms.text(posted.get("note")), "percent": posted.get("percent").strip(),
            "evidence": forms.text(posted.get("evidence"))}
    claim = posted.get("action") == "claim"
    errors: dict[str, str]
    if claim:
        completion, errors = forms.check(CompletionIn, {"evidence": form["evidence"]})
        call: tuple[Any, ...] = (rectification.claim_completion, cycle_id, org_code, item_id,
                                 completion.evidence if completion else "")
        done = labels.DONE["completion_claimed"]
    else:
        progress, errors = forms.check(ProgressIn, {"note": form["note"],
                                                    "percent": _integer(form["percent"])})
        call = (rectification.report_progress, cycle_id, org_code, item_id,
                progress.note if progress else "", progress.percent if progress else 0)
        done = labels.DONE["progress_reported"]
    if not errors:
        try:
            app.execute(posted.request, *call)
        except DomainError as refused:
            if refused.code in ("wrong_phase", "item_not_open", "invalid_transition",
                                "percent_out_of_range", "version_mismatch", "write_conflict"):
                errors = {"": forms.refusal(refused)}
            else:
                raise
        else:
            return redirect_with_flash(request, paths.item_progress(cycle_id, org_code, item_id),
                                       done)
    return _item_page(request, posted.user, cycle_id, org_code, item_id, form, errors, 422)


def _integer(value: str) -> int | str:
    return int(value) if value.lstrip("-").isdigit() else value
