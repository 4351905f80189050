"""Cycle bodies and answers, the scheme document and standings rows."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from pydantic.json_schema import WithJsonSchema

from api.schemas.common import NUMBER_SCHEMA, Code, IsoDate, Reason, Strict, Title

Phase = Literal["preparing", "reporting", "reviewing", "finalized", "rectifying", "closed"]

_GRADES = {g: NUMBER_SCHEMA for g in ("good", "fairly_good", "average", "poor")}
_GATED = {g: NUMBER_SCHEMA for g in ("good", "fairly_good", "average")}
SCHEME_EXAMPLE: dict[str, Any] = {
    "rating_points": {"good": 100, "fairly_good": 80, "average": 60, "poor": 0},
    "indicators": [
        {"code": "responsibility", "name": "强化责任（履行第一责任人职责）", "max_points": 20},
        {"code": "development", "name": "服务发展（围绕中心、服务群众）", "max_points": 20},
        {"code": "foundation", "name": "夯实基础（农村、社区、乡镇、非公、机关党建，后进村整顿）",
         "max_points": 25},
        {"code": "innovation", "name": "锐意创新（项目化、信息化）", "max_points": 15},
        {"code": "leadership", "name": "强化领导（书记抓、抓书记，经费阵地保障）",
         "max_points": 20},
    ],
    "weights": {"review": "0.4", "indicators": "0.4", "rectification": "0.2"},
    "grade_thresholds": {"good": 90, "fairly_good": 80, "average": 60},
    "min_satisfaction": {"good": "0.9", "fairly_good": "0.8"},
    "quota": {"good": "0.3"},
}
SCHEME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "考核方案; numbers as JSON numbers or decimal strings. Checked as a whole "
    "by the service: every problem is listed in one 422 invalid_scheme.",
    "required": ["rating_points", "indicators", "weights", "grade_thresholds"],
    "properties": {
        "rating_points": {"type": "object", "properties": _GRADES},
        "indicators": {"type": "array", "items": {
            "type": "object", "required": ["code", "name", "max_points"],
            "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                           "max_points": NUMBER_SCHEMA},
        }},
        "weights": {"type": "object", "properties": {
            k: NUMBER_SCHEMA for k in ("review", "indicators", "rectification")
        }},
        "grade_thresholds": {"type": "object", "properties": _GATED},
        "min_satisfaction": {"type": "object", "properties": _GATED},
        "quota": {"type": "object", "properties": _GATED},
        "ballot_categories": {
            "type": "array",
            "description": "民主测评 reviewer categories: every one weighted (sum 1) or none",
            "items": {"type": "object", "required": ["code", "name"],
                      "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                                     "weight": NUMBER_SCHEMA}},
        },
    },
    "example": SCHEME_EXAMPLE,
}
#: Passed through as a dict: the use case parses it and reports every problem at once.
SchemeDoc = Annotated[dict[str, Any], WithJsonSchema(SCHEME_SCHEMA)]


class DeadlinesIn(Strict):
    report_due: IsoDate | None = None
    review_due: IsoDate | None = None
    plan_due: IsoDate | None = None


class CycleIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "cycle_id": "city-2026", "organizer_org": "city", "level": "county", "year": 2026,
        "title": "2026年度县（市、区）委书记抓基层党建工作述职评议考核",
        "deadlines": {"report_due": "2026-12-20", "review_due": "2027-01-10",
                      "plan_due": "2027-02-28"},
    }]})

    cycle_id: Code | None = Field(default=None, description="default: <organizer_org>-<year>")
    organizer_org: Code
    level: Literal["city", "county", "township"] = Field(
        description="the participants' level, one below the organizer's"
    )
    year: StrictInt = Field(ge=2000, le=2100)
    title: Title
    scheme: SchemeDoc | None = Field(default=None, description="default scheme when omitted")
    previous_cycle_id: Code | None = None
    deadlines: DeadlinesIn | None = None
    warn_days: StrictInt | None = Field(
        default=None, ge=0, le=60,
        description="红黄灯: deadlines turn yellow this many days ahead (default 3)",
    )
    rehearsal: StrictBool = Field(
        default=False,
        description="模拟测评（演练）: runs the whole flow and never counts (no records, movement, "
        "carry-over or coverage; no tasks once ended). Claims no year slot; default id "
        "<organizer_org>-<year>-rehearsal[-n]; never named as a previous cycle",
    )


class SchemeIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"scheme": SCHEME_EXAMPLE},
    ]})

    scheme: SchemeDoc


class ParticipantIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"org_code": "county-a"},
    ]})

    org_code: Code


class PanelMemberIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"account_id": "reviewer-1"}, {"account_id": "reviewer-2", "category": "committee"},
    ]})

    account_id: Code
    category: Code | None = Field(
        default=None, description="ballot category code; required when the scheme has categories"
    )


class ConflictIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"account_id": "reviewer-1", "org_code": "county-a", "reason": "曾在甲县任职"},
    ]})

    account_id: Code
    org_code: Code
    reason: Reason | None = None


class AdvanceIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"to": "reporting"}, {"to": "reviewing", "reason": "复核评分，重新开放评议"},
    ]})

    to: Phase
    reason: Reason | None = Field(default=None, description="required when going back a step")


class VetoIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"org_code": "county-c", "reason": "发生严重违纪问题，一票否决"},
    ]})

    org_code: Code
    reason: Reason | None = None


class RemovalIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "误将该单位列为述职单位"},
    ]})

    reason: Reason | None = Field(default=None, description="required")


class CopyFromPreviousIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"participants": True, "panel": True},
    ]})

    participants: StrictBool = Field(default=False, description="copy the participants")
    panel: StrictBool = Field(default=False, description="copy the panel")


class SetDeadlinesIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"report_due": "2026-12-20"},
        {"review_due": "2027-01-15", "reason": "评议人集中培训，评议截止日期顺延"},
    ]})

    report_due: IsoDate | None = Field(default=None, description="absent or null: unchanged")
    review_due: IsoDate | None = None
    plan_due: IsoDate | None = None
    reason: Reason | None = Field(
        default=None, description="required to change a deadline once its phase has begun"
    )
    warn_days: StrictInt | None = Field(
        default=None, ge=0, le=60,
        description="红黄灯: deadlines turn yellow this many days ahead (default 3)",
    )


class EndRehearsalIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "演练完毕，转入正式测评"},
    ]})

    reason: Reason | None = Field(default=None, description="required")


class EmptyIn(Strict):
    """No fields: ``{}``."""


# -- answers -------------------------------------------------------------------------------------

class IndicatorOut(BaseModel):
    code: str
    name: str
    max_points: str


class SchemeOut(BaseModel):
    """``ballot_categories`` appears only when the scheme has categories."""

    model_config = ConfigDict(extra="allow")

    rating_points: dict[str, str]
    indicators: list[IndicatorOut]
    weights: dict[str, str]
    grade_thresholds: dict[str, str]
    min_satisfaction: dict[str, str]
    quota: dict[str, str]


class VetoOut(BaseModel):
    org_code: str
    reason: str


class ConflictOut(BaseModel):
    account_id: str
    org_code: str
    reason: str


class CycleCreatedOut(BaseModel):
    cycle_id: str = Field(examples=["city-2026"])
    phase: str = Field(examples=["preparing"])
    scheme_version: int
    rehearsal: bool = False


class RehearsalEndedOut(BaseModel):
    from_phase: str
    reason: str
    by: str
    at: str | None


class EndRehearsalOut(BaseModel):
    phase: str = Field(examples=["closed"])
    rehearsal_ended: RehearsalEndedOut


class CycleOut(BaseModel):
    cycle_id: str
    organizer_org: str
    level: str
    year: int
    title: str
    phase: str
    scheme: SchemeOut
    scheme_version: int
    participants: list[str]
    panel: list[str] = Field(description="account ids; 评议人1, 评议人2 … for secretaries")
    panel_categories: dict[str, str] = Field(
        default_factory=dict,
        description="account id -> ballot category (organizer and inspectors only)",
    )
    previous_cycle_id: str | None = Field(description="as named at creation")
    previous_cycle_in_effect: str | None = Field(
        default=None,
        description="the cycle whose rectification and ranks count here (rectification_score, "
        "movement): previous_cycle_id, else the same organizer and level the year before",
    )
    deadlines: dict[str, str] = Field(description="as in force now, or at as_of")
    warn_days: int = Field(default=3, description="红黄灯: days ahead deadlines turn yellow")
    vetoes: list[VetoOut]
    conflicts: list[ConflictOut]
    rehearsal: bool = Field(default=False, description="模拟测评（演练）: never counts")
    rehearsal_ended: RehearsalEndedOut | None = Field(
        default=None, description="once the organizer ended the rehearsal (it is then closed)"
    )
    version: int


class SchemeVersionOut(BaseModel):
    scheme_version: int


class ParticipantsOut(BaseModel):
    participants: list[str]


class PanelOut(BaseModel):
    panel: list[str]


class CopiedOut(BaseModel):
    participants: list[str] = Field(description="org codes added, in the previous cycle's order")
    panel: list[str] = Field(description="account ids added")


class LeftOutOut(BaseModel):
    kind: Literal["participant", "panel_member"]
    code_or_account: str
    why: str = Field(examples=["not_direct_subordinate"],
                     description="unknown_org, not_direct_subordinate, unknown_account …")
    why_label: str = Field(examples=["该单位已不是本级直接下级"])


class CopyFromPreviousOut(BaseModel):
    previous_cycle_id: str
    added: CopiedOut
    left_out: list[LeftOutOut] = Field(
        description="what could not be copied; those already in this cycle are neither added "
        "nor left out"
    )


class DeadlinesOut(BaseModel):
    deadlines: dict[str, str] = Field(description="every deadline now in force")


class ConflictsOut(BaseModel):
    conflicts: list[ConflictOut]


class PhaseOut(BaseModel):
    phase: str


class VetoesOut(BaseModel):
    vetoes: list[str]


class RatingCounts(BaseModel):
    good: int
    fairly_good: int
    average: int
    poor: int


class StandingsRow(BaseModel):
    rank: int
    org_code: str
    org_name: str | None
    secretary: str | None
    review_score: str | None = Field(examples=["88.00"])
    satisfaction: str | None = Field(examples=["0.9000"])
    ratings: RatingCounts
    by_category: dict[str, RatingCounts] = Field(
        default_factory=dict,
        description="with ballot categories: every counted rating (panel and ballots) by category",
    )
    indicator_score: str | None
    rectification_score: str | None
    total: str | None = Field(examples=["92.00"])
    grade: str = Field(examples=["good"])
    grade_label: str = Field(examples=["好"])
    movement: int | None
    vetoed: bool = False
    talk_required: bool = Field(
        default=False, description="graded 一般/差: the secretary is called to a talk (约谈)"
    )


class FinalizedOut(BaseModel):
    phase: str
    results: list[StandingsRow]


class StandingsOut(BaseModel):
    cycle_id: str
    provisional: bool
    as_of: str | None
    position: int
    phase: str | None
    deadlines: dict[str, str] | None = Field(
        default=None, description="the cycle deadlines in force at as_of (now without it)"
    )
    rehearsal: bool = Field(default=False, description="模拟测评（演练）: never counts")
    rows: list[StandingsRow]
