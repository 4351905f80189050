"""Response bodies of the rectification board and an org's record (api/routers/readmodels.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class BoardItemOut(BaseModel):
    org_code: str
    item_id: str
    problem_code: str
    measure: str | None
    owner: str | None
    due_date: str
    status: str
    percent: int
    overdue: bool
    light: Literal["green", "yellow", "red"] = Field(
        default="green", description="红黄灯 as of today (verified/closed stays green)")


class BoardOrgOut(BaseModel):
    org_code: str
    org_name: str | None
    plan_status: str = Field(description="none (no plan submitted yet), submitted, returned "
                             "or approved")
    total: int
    verified: int
    overdue: int
    completion_rate: str | None


class BoardOut(BaseModel):
    cycle_id: str
    position: int
    items: list[BoardItemOut]
    by_org: list[BoardOrgOut]


class RecordCycleOut(BaseModel):
    cycle_id: str
    year: int
    title: str
    organizer_org: str
    secretary: str | None
    finalized: bool
    total: str | None
    grade: str | None
    grade_label: str | None
    rank: int | None
    rectification_completion: str | None


class RecordOut(BaseModel):
    org_code: str
    position: int
    cycles: list[RecordCycleOut]
