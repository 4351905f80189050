"""Finding things: the cycle, organization and account lists, the cycle dashboard, /me/tasks."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import Query
from pydantic import AfterValidator, BaseModel, Field

from api.schemas.directory import Level, Role

Phase = Literal["preparing", "reporting", "reviewing", "finalized", "rectifying", "closed"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean(value: str | None) -> str | None:
    """Filters are one line of text: NUL and other control characters, and lone surrogates
    (which no store can hold), are refused with 422 rather than reaching SQL."""
    if value is None:
        return None
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid UTF-8 text") from None
    return value


FilterCode = Annotated[str | None, Query(min_length=1, max_length=64), AfterValidator(_clean)]
SearchText = Annotated[
    str | None,
    Query(max_length=200, description="Part of a code, id or name (case-insensitive)"),
    AfterValidator(_clean),
]
Cursor = Annotated[
    str | None,
    Query(min_length=1, max_length=400, description="next_after of the previous page"),
    AfterValidator(_clean),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Page size (default 100, max 1000)")]
Year = Annotated[int | None, Query(ge=1900, le=9999)]
FilterLevel = Annotated[Level | None, Query()]
FilterPhase = Annotated[Phase | None, Query()]
FilterRole = Annotated[Role | None, Query()]


class CycleItemOut(BaseModel):
    cycle_id: str
    organizer_org: str
    organizer_name: str | None
    level: str
    year: int
    title: str
    phase: str
    participants: int = Field(description="how many participants")
    rehearsal: bool = Field(default=False, description="模拟测评（演练）: never counts")
    my_roles: list[Literal["organizer", "inspector", "panel", "secretary"]]


class CyclesOut(BaseModel):
    cycles: list[CycleItemOut]
    next_after: str | None
    position: int


class ReportStateOut(BaseModel):
    version: int
    status: str


class CountOut(BaseModel):
    recorded: int
    expected: int


class DashboardRowOut(BaseModel):
    """Panel members get ``org_code``, ``org_name`` and ``report`` only."""

    org_code: str
    org_name: str | None = None
    report: ReportStateOut | None = None
    secretary: str | None = None
    ratings: CountOut | None = Field(
        default=None, description="expected: panel members who may rate this participant"
    )
    scores: CountOut | None = Field(default=None, description="expected: the indicators")
    feedback_issued: bool | None = None
    plan_status: str | None = Field(
        default=None, description="none, submitted, returned or approved"
    )
    grade: str | None = None
    grade_label: str | None = None
    due: str | None = Field(default=None, description="the deadline of the phase's work")
    light: Literal["green", "yellow", "red"] | None = Field(
        default=None, description="红黄灯 of that work as of today (null: no deadline applies)")


class DashboardOut(BaseModel):
    cycle_id: str
    position: int
    participants: list[DashboardRowOut]


class OrganizationItemOut(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    secretary_name: str | None


class OrganizationsOut(BaseModel):
    organizations: list[OrganizationItemOut]
    next_after: str | None
    position: int


class GrantOut(BaseModel):
    role: str
    org_code: str


class AccountItemOut(BaseModel):
    account_id: str
    name: str
    org_code: str | None
    grants: list[GrantOut]
    has_password: bool


class AccountsOut(BaseModel):
    accounts: list[AccountItemOut]
    next_after: str | None
    position: int


class TaskOut(BaseModel):
    kind: str = Field(examples=["rate"])
    cycle_id: str | None
    org_code: str
    org_name: str | None
    title: str = Field(description="the cycle's title")
    due: str | None = Field(description="YYYY-MM-DD, null when none")
    overdue: bool
    path: str = Field(description="the API path to act on",
                      examples=["/api/v1/cycles/jz-2026/participants/jz-yc/reviews"])
    item_id: str | None = Field(default=None, description="the plan item, for item tasks")
    light: Literal["green", "yellow", "red"] | None = Field(
        default=None, description="红黄灯 as of today in the service's time zone: red past due, "
        "yellow due within the cycle's warn_days (default 3), else green; null: no due date")
    rehearsal: bool = Field(default=False, description="a task of a rehearsal (演练)")


class TasksOut(BaseModel):
    tasks: list[TaskOut]
    position: int
