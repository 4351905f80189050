"""The assessment scheme (考核方案): rating points, indicators, weights, thresholds, gates, quotas.

Pure module: stdlib and ``domain.errors`` only. Numbers are ``Decimal`` throughout; ``from_dict``
(``domain/scheme_parser.py``) accepts JSON numbers or decimal strings and ``to_dict`` writes plain
decimal strings, so a scheme round-trips exactly through the event log and the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from domain.errors import ValidationError

GRADES: tuple[str, ...] = ("good", "fairly_good", "average", "poor")
GRADE_LABELS: dict[str, str] = {
    "good": "好",
    "fairly_good": "较好",
    "average": "一般",
    "poor": "差",
}
_LABEL_TO_GRADE: dict[str, str] = {label: code for code, label in GRADE_LABELS.items()}

#: Grades that have a score threshold, a possible satisfaction gate and a possible quota.
#: ``poor`` is the floor: everyone qualifies for it, so it has none of these.
GATED_GRADES: tuple[str, ...] = ("good", "fairly_good", "average")

WEIGHT_KEYS: tuple[str, ...] = ("review", "indicators", "rectification")

def parse_grade(value: str) -> str:
    """Return the grade code for a code (``"good"``) or a Chinese label (``"好"``)."""
    if isinstance(value, str):
        if value in GRADE_LABELS:
            return value
        if value in _LABEL_TO_GRADE:
            return _LABEL_TO_GRADE[value]
    allowed = ", ".join(f"{code} ({GRADE_LABELS[code]})" for code in GRADES)
    message = f"unknown rating {value!r}; expected one of {allowed}"
    raise ValidationError(
        "unknown_rating", message, details=[{"field": "rating", "message": message}]
    )


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    max_points: Decimal


@dataclass(frozen=True)
class BallotCategory:
    """A reviewer category (民主测评: 市委委员, 部门负责人 …); ``weight`` None when the scheme
    weights none of them (then every rating counts once)."""

    code: str
    name: str
    weight: Decimal | None = None


@dataclass(frozen=True)
class Scheme:
    rating_points: dict[str, Decimal]
    indicators: tuple[Indicator, ...]
    weights: dict[str, Decimal]
    grade_thresholds: dict[str, Decimal]
    min_satisfaction: dict[str, Decimal] = field(default_factory=dict)
    quota: dict[str, Decimal] = field(default_factory=dict)
    ballot_categories: tuple[BallotCategory, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scheme:
        """Parse the API.md JSON shape; raise one ``invalid_scheme`` listing every problem."""
        from domain.scheme_parser import SchemeParser  # the parser builds Schemes from this module

        return SchemeParser().parse(data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rating_points": {g: plain_decimal(self.rating_points[g]) for g in GRADES},
            "indicators": [
                {"code": i.code, "name": i.name, "max_points": plain_decimal(i.max_points)}
                for i in self.indicators
            ],
            "weights": {k: plain_decimal(self.weights[k]) for k in WEIGHT_KEYS},
            "grade_thresholds": {g: plain_decimal(self.grade_thresholds[g]) for g in GATED_GRADES},
            "min_satisfaction": _ordered_decimals(self.min_satisfaction),
            "quota": _ordered_decimals(self.quota),
            # Only when there are categories: a scheme without them reads exactly as before.
            **({"ballot_categories": [_category_dict(c) for c in self.ballot_categories]}
               if self.ballot_categories else {}),
        }

    @property
    def category_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.ballot_categories)

    def require_category(self, code: str | None, field_name: str = "category") -> str:
        """The category code, checked against the scheme (422 when missing or unknown)."""
        if not self.ballot_categories:
            message = "this cycle's scheme has no ballot categories"
            raise ValidationError(
                "no_ballot_categories", message, [{"field": field_name, "message": message}]
            )
        if code is None or code not in self.category_codes:
            known = ", ".join(self.category_codes)
            message = (f"a category is required (one of {known})" if code is None
                       else f"unknown category {code!r}; this scheme has: {known}")
            raise ValidationError(
                "category_required" if code is None else "unknown_category", message,
                [{"field": field_name, "message": message}],
            )
        return code

    def indicator(self, code: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        known = ", ".join(i.code for i in self.indicators)
        message = f"unknown indicator {code!r}; this scheme has: {known}"
        raise ValidationError(
            "unknown_indicator", message, details=[{"field": "indicator", "message": message}]
        )

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators)

    @property
    def total_max_points(self) -> Decimal:
        return sum((i.max_points for i in self.indicators), Decimal(0))


def plain_decimal(value: Decimal) -> str:
    """A plain decimal string without exponent: ``Decimal("2E+1")`` -> ``"20"``."""
    return format(value, "f")


def _category_dict(category: BallotCategory) -> dict[str, str]:
    found = {"code": category.code, "name": category.name}
    if category.weight is not None:
        found["weight"] = plain_decimal(category.weight)
    return found


def _ordered_decimals(values: Mapping[str, Decimal]) -> dict[str, str]:
    return {g: plain_decimal(values[g]) for g in GRADES if g in values}


DEFAULT_SCHEME: Scheme = Scheme(
    rating_points={
        "good": Decimal(100),
        "fairly_good": Decimal(80),
        "average": Decimal(60),
        "poor": Decimal(0),
    },
    indicators=(
        Indicator("responsibility", "强化责任（履行第一责任人职责）", Decimal(20)),
        Indicator("development", "服务发展（围绕中心、服务群众）", Decimal(20)),
        Indicator(
            "foundation", "夯实基础（农村、社区、乡镇、非公、机关党建，后进村整顿）", Decimal(25)
        ),
        Indicator("innovation", "锐意创新（项目化、信息化）", Decimal(15)),
        Indicator("leadership", "强化领导（书记抓、抓书记，经费阵地保障）", Decimal(20)),
    ),
    weights={
        "review": Decimal("0.4"),
        "indicators": Decimal("0.4"),
        "rectification": Decimal("0.2"),
    },
    grade_thresholds={"good": Decimal(90), "fairly_good": Decimal(80), "average": Decimal(60)},
    min_satisfaction={"good": Decimal("0.9"), "fairly_good": Decimal("0.8")},
    quota={},
)
