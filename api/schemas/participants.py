"""One participant's bodies and answers: report, reviews, scores, feedback, rectification plan."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from api.schemas.common import Code, IsoDate, Name, Note, Points, Reason, Strict, Text, Title
from api.schemas.cycles import StandingsRow

#: A rating code (good …) or its label (好 …); the use case parses it.
RatingText = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class ReportIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "2026年度抓基层党建工作述职报告",
        "achievements": "全面落实第一责任人职责，后进村整顿转化12个。",
        "problems": "非公企业党建覆盖面仍然不足。",
        "plans": "推进党建项目化、信息化，强化经费阵地保障。",
    }]})

    title: Title
    achievements: Text
    problems: Text
    plans: Text


class ReasonIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "问题分析不够深入，请补充具体数据后重新提交"},
    ]})

    reason: Reason | None = None


class ReviewIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"rating": "好", "comment": "责任落实到位"},
        {"rating": "fairly_good", "comment": "创新不足", "reason": "复核材料后调整"},
    ]})

    rating: RatingText = Field(description="good|fairly_good|average|poor or 好|较好|一般|差")
    comment: Reason | None = None
    reason: Reason | None = Field(default=None, description="required when amending")


class ScoreIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"indicator": "foundation", "points": 22, "note": "后进村整顿成效明显"},
        {"indicator": "foundation", "points": "20.5", "reason": "核减重复计分"},
    ]})

    indicator: Code
    points: Points
    note: Reason | None = None
    reason: Reason | None = Field(default=None, description="required when amending")


class ProblemIn(Strict):
    code: Code
    description: Note


class FeedbackIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "text": "经市委研究，现将述职评议考核情况反馈如下。",
        "problems": [{"code": "P1", "description": "软弱涣散村党组织整顿不到位"}],
    }]})

    text: Text
    problems: list[ProblemIn] = Field(max_length=200)


class PlanItemIn(Strict):
    item_id: Code
    problem_code: Code
    measure: Note
    owner: Name
    due_date: IsoDate


class PlanIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"items": [{
        "item_id": "I1", "problem_code": "P1", "measure": "逐村制定整顿方案，县级领导包村",
        "owner": "县委组织部部长", "due_date": "2027-06-30",
    }]}]})

    items: list[PlanItemIn] = Field(max_length=200)


class ProgressIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"note": "已完成8个村的整顿", "percent": 60},
    ]})

    note: Note
    percent: StrictInt = Field(ge=0, le=100)


class CompletionIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"evidence": "整顿验收报告及台账"},
    ]})

    evidence: Text


class VerificationIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"accepted": True, "note": "经核查，同意销号"},
    ]})

    accepted: StrictBool
    note: Note


class ExtensionIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"due_date": "2027-09-30", "reason": "汛期影响施工，延期三个月"},
    ]})

    due_date: IsoDate
    reason: Reason | None = None


# -- answers -------------------------------------------------------------------------------------

class ReportVersionOut(BaseModel):
    version: int


class ReportReturnedOut(BaseModel):
    version: int
    status: str


class ReviewOut(BaseModel):
    rating: str = Field(examples=["good"])
    rating_label: str = Field(examples=["好"])
    comment: str | None


class ScoreOut(BaseModel):
    indicator: str
    points: str = Field(examples=["20.5"])
    note: str | None


class ProblemOut(BaseModel):
    code: str
    description: str


class FeedbackOut(BaseModel):
    text: str
    problems: list[ProblemOut]


class ExtensionOut(BaseModel):
    due_date: str
    reason: str


class PlanItemOut(BaseModel):
    item_id: str
    problem_code: str
    measure: str
    owner: str
    due_date: str
    status: str | None = Field(default=None, description="once the plan is approved")
    percent: int | None = None
    evidence: str | None = None
    extensions: list[ExtensionOut] | None = None
    overdue: bool | None = None


class PlanWrittenOut(BaseModel):
    version: int
    status: str
    item: PlanItemOut | None = None


class PlanOut(BaseModel):
    version: int
    status: str
    return_reason: str | None
    items: list[PlanItemOut]


class ReportOut(BaseModel):
    org_code: str
    version: int = Field(description="counts submissions from 1")
    title: str
    achievements: str
    problems: str
    plans: str
    secretary: str | None
    submitted_at: str | None
    status: str = Field(examples=["submitted"], description="submitted, returned or superseded")
    return_reason: str | None = None


class ReportSummaryOut(BaseModel):
    version: int
    status: str
    submitted_at: str | None


class RatingOut(BaseModel):
    reviewer: str = Field(description="account id, or 评议人1 … for the secretary")
    rating: str
    rating_label: str
    comment: str | None
    reason: str | None
    recorded_at: str


class ScoreRowOut(BaseModel):
    indicator: str
    points: str
    note: str | None
    reason: str | None


class FeedbackViewOut(FeedbackOut):
    issued_at: str


class ParticipantOut(BaseModel):
    cycle_id: str
    org_code: str
    secretary: str | None
    report: ReportSummaryOut | None
    ratings: list[RatingOut]
    scores: list[ScoreRowOut]
    result: StandingsRow | None
    feedback: FeedbackViewOut | None
    plan: PlanOut | None
    vetoed: bool
    position: int
