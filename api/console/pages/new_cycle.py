"""考核组织者: 新建考核周期 — a cycle with its scheme (indicators, weights, thresholds, gates,
quota), deadlines and previous cycle, in one form that works without JavaScript; the scheme's
problems are shown beside their fields."""

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
    fresh_view,
    redirect_with_flash,
    render,
)
from application.app import LianpingApp
from application.usecases import cycles
from domain import ids
from domain.errors import DomainError, ForbiddenError
from domain.organization import Organization, level_below
from domain.scheme import DEFAULT_SCHEME, GATED_GRADES, GRADES, WEIGHT_KEYS, Scheme
from projections import finding, lists

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

#: Indicator rows of the scheme editor (blank rows are ignored; works without JavaScript).
INDICATOR_ROWS = 8


def _organized_orgs(app: LianpingApp, user: ConsoleUser) -> list[tuple[str, str]]:
    found = []
    for code in user.principal.roles("organizer"):
        org = app.find(Organization, ids.org_id(code), read_only=True)
        if org is not None and level_below(org.level):
            found.append((code, org.name))
    return found


def _scheme_form(scheme: Scheme) -> dict[str, str]:
    data = scheme.to_dict()
    form: dict[str, str] = {}
    for index, indicator in enumerate(data["indicators"]):
        form[f"ind_code_{index}"] = indicator["code"]
        form[f"ind_name_{index}"] = indicator["name"]
        form[f"ind_max_{index}"] = str(indicator["max_points"])
    for key in WEIGHT_KEYS:
        form[f"weight_{key}"] = str(data["weights"][key])
    for grade in GRADES:
        form[f"points_{grade}"] = str(data["rating_points"][grade])
    for grade in GATED_GRADES:
        form[f"threshold_{grade}"] = str(data["grade_thresholds"][grade])
        form[f"sat_{grade}"] = str(data["min_satisfaction"].get(grade, ""))
        form[f"quota_{grade}"] = str(data["quota"].get(grade, ""))
    return form


def _scheme_doc(form: dict[str, str]) -> tuple[dict[str, Any], list[int]]:
    """The scheme document from the editor's fields (blank indicator rows and optional gates
    left out) and, for each indicator in it, the editor row it came from."""
    indicators, rows = [], []
    for index in range(_indicator_rows(form)):
        code, name, most = (form.get(f"ind_{part}_{index}", "").strip()
                            for part in ("code", "name", "max"))
        if code or name or most:
            indicators.append({"code": code, "name": name, "max_points": most})
            rows.append(index)

    def section(prefix: str, keys: tuple[str, ...], optional: bool) -> dict[str, str]:
        values = {k: form.get(f"{prefix}_{k}", "").strip() for k in keys}
        return {k: v for k, v in values.items() if v} if optional else values

    doc: dict[str, Any] = {
        "rating_points": section("points", GRADES, False),
        "indicators": indicators,
        "weights": section("weight", WEIGHT_KEYS, False),
        "grade_thresholds": section("threshold", GATED_GRADES, False),
        "min_satisfaction": section("sat", GATED_GRADES, True),
        "quota": section("quota", GATED_GRADES, True),
    }
    # An empty required number stays missing, so the parser says "is required" at its field.
    for name in ("rating_points", "weights", "grade_thresholds"):
        doc[name] = {k: v for k, v in doc[name].items() if v}
    return doc, rows


def _indicator_rows(form: dict[str, str]) -> int:
    used = [int(k.rsplit("_", 1)[1]) for k in form if k.startswith("ind_code_")
            and k.rsplit("_", 1)[1].isdigit()]
    return max(INDICATOR_ROWS, max(used, default=-1) + 1)


_SECTION_FIELDS = {"rating_points": "points", "weights": "weight",
                   "grade_thresholds": "threshold", "min_satisfaction": "sat", "quota": "quota"}


def _problem_text(message: str) -> str:
    for start, text in labels.SCHEME_PROBLEMS.items():
        if message.startswith(start) or start in message:
            return text
    return labels.SCHEME_PROBLEM_FALLBACK


def _scheme_errors(details: list[dict[str, str]], rows: list[int]) -> dict[str, str]:
    """The parser's problems beside the editor's fields (``indicators[2].max_points`` → the
    field of the row it came from)."""
    errors: dict[str, str] = {}
    for problem in details:
        path, text = str(problem.get("field", "")), _problem_text(str(problem.get("message", "")))
        path = path.removeprefix("scheme.")
        if path.startswith("indicators["):
            index = int(path[len("indicators["):path.index("]")])
            part = path.rsplit(".", 1)[1] if "." in path else "code"
            name = {"code": "code", "name": "name", "max_points": "max"}.get(part, "code")
            row = rows[index] if index < len(rows) else 0
            errors.setdefault(f"ind_{name}_{row}", text)
        elif "." in path and path.split(".")[0] in _SECTION_FIELDS:
            section, key = path.split(".", 1)
            errors.setdefault(f"{_SECTION_FIELDS[section]}_{key}", text)
        elif path in _SECTION_FIELDS:
            errors.setdefault(f"{_SECTION_FIELDS[path]}", text)
        else:
            errors.setdefault(path or "", text)
    return errors


def _new_cycle_page(request: Request, user: ConsoleUser, form: dict[str, str],
                    errors: dict[str, str], status_code: int = 200) -> Response:
    app = application_of(request)
    orgs = _organized_orgs(app, user)
    with fresh_view(request, finding.NAME) as view:
        found = lists.cycles(view, app, user.principal, limit=100, after=None)["cycles"]
    mine = {code for code, _ in orgs}
    previous = [(c["cycle_id"], f"{c['title']}（{c['year']}）") for c in found
                if c["organizer_org"] in mine and not c["rehearsal"]]
    return render(
        request, "organizing/new_cycle.html", status_code=status_code, form=form,
        errors=errors, orgs=orgs, previous=previous, rows=range(_indicator_rows(form)),
        gated=[(g, labels.GRADES[g]) for g in GATED_GRADES],
        grades=[(g, labels.GRADES[g]) for g in GRADES],
    )


@router.get("/cycles/new")
def new_cycle(request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    orgs = _organized_orgs(app, user)
    if not orgs:
        raise ForbiddenError("organizer_required", "only an organizer creates cycles")
    form = {"year": str(app.today().year), "organizer_org": orgs[0][0],
            **_scheme_form(DEFAULT_SCHEME)}
    return _new_cycle_page(request, user, form, {})


@router.post("/cycles/new")
def create_cycle(request: Request, posted: FormPost) -> Response:
    app = application_of(request)
    form = dict(posted.form)
    errors: dict[str, str] = {}
    title = form.get("title", "").strip()
    if not title:
        errors["title"] = labels.SCHEME_PROBLEMS["is required"]
    year = form.get("year", "").strip()
    if not (year.isdigit() and 2000 <= int(year) <= 2100):
        errors["year"] = "请填写 2000–2100 之间的年度"
    organizer = form.get("organizer_org", "")
    org = app.find(Organization, ids.org_id(organizer), read_only=True) if organizer else None
    if org is None or not level_below(org.level):
        errors["organizer_org"] = labels.error_message("unknown_org")
    deadlines = {k: forms.day(form.get(k, ""), k, errors) for k in labels.DEADLINES}
    doc, rows = _scheme_doc(form)
    try:
        Scheme.from_dict(doc)
    except DomainError as invalid:
        errors.update(_scheme_errors(list(getattr(invalid, "details", None) or []), rows))
        errors.setdefault("scheme", labels.error_message(invalid.code))
    if errors or org is None:
        return _new_cycle_page(request, posted.user, form, errors, 422)
    level = level_below(org.level) or ""
    try:
        outcome = app.execute(
            posted.request, cycles.create_cycle, organizer, level, int(year), title,
            scheme=doc, previous_cycle_id=posted.optional("previous_cycle_id"),
            deadlines={k: v for k, v in deadlines.items() if v is not None},
            rehearsal=bool(posted.optional("rehearsal")),
        )
    except DomainError as refused:
        field = {"invalid_previous_cycle": "previous_cycle_id", "cycle_exists": "year",
                 "previous_cycle_is_rehearsal": "previous_cycle_id",
                 "deadlines_out_of_order": "plan_due"}.get(refused.code, "")
        errors[field] = labels.error_message(refused.code)
        return _new_cycle_page(request, posted.user, form, errors, 422)
    return redirect_with_flash(request, paths.cycle(outcome.body["cycle_id"]),
                               labels.DONE["cycle_created"])


